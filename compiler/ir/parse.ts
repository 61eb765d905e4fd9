/**
 * Reads the printed form of an IrFunction back (the inverse of print.ts), so that
 * optimiser tests can be written as small IR texts.
 */
import type { AluOp, Base, Block, CmpOp, Insn, IrFunction, Operand, Terminator, Width } from "./ir.js";

const num = (s: string) => Number(s.replace(/^%/, ""));
const operand = (s: string): Operand => (s.startsWith("%") ? { kind: "reg", reg: num(s) } : { kind: "imm", value: BigInt(s) });
const base = (s: string): Base => (s.startsWith("slot") ? { kind: "slot", slot: Number(s.slice(4)) } : { kind: "reg", reg: num(s) });

function parseInsn(line: string): Insn | Terminator {
  let m: RegExpMatchArray | null;
  if ((m = line.match(/^%(\d+) = mov(32|64) (\S+)$/))) return { op: "mov", dst: +m[1]!, src: operand(m[3]!), w: +m[2]! as Width };
  if ((m = line.match(/^%(\d+) = neg(32|64) %(\d+)$/))) return { op: "neg", dst: +m[1]!, a: +m[3]!, w: +m[2]! as Width };
  if ((m = line.match(/^%(\d+) = sext(32|64) %(\d+) from (\d+)$/))) return { op: "sext", dst: +m[1]!, src: +m[3]!, from: +m[4]! as 8, w: +m[2]! as Width };
  if ((m = line.match(/^%(\d+) = zext %(\d+) from (\d+)$/))) return { op: "zext", dst: +m[1]!, src: +m[2]!, from: +m[3]! as 8 };
  if ((m = line.match(/^%(\d+) = bswap(\d+) %(\d+)$/))) return { op: "bswap", dst: +m[1]!, src: +m[3]!, bits: +m[2]! as 16 };
  if ((m = line.match(/^%(\d+) = load\.([su])(\d+) \[(\S+) \+ (-?\d+)\]$/))) {
    return { op: "load", dst: +m[1]!, base: base(m[4]!), off: +m[5]!, size: (+m[3]! / 8) as 4, signed: m[2] === "s" };
  }
  if ((m = line.match(/^store\.(\d+) \[(\S+) \+ (-?\d+)\], (\S+)$/))) {
    return { op: "store", base: base(m[2]!), off: +m[3]!, src: operand(m[4]!), size: (+m[1]! / 8) as 4 };
  }
  if ((m = line.match(/^%(\d+) = &slot(\d+) \+ (-?\d+)$/))) return { op: "slotaddr", dst: +m[1]!, slot: +m[2]!, off: +m[3]! };
  if ((m = line.match(/^%(\d+) = map (\S+)$/))) return { op: "ldmap", dst: +m[1]!, symbol: m[2]! };
  if ((m = line.match(/^%(\d+) = global (\S+)$/))) return { op: "ldglobal", dst: +m[1]!, symbol: m[2]! };
  if ((m = line.match(/^%(\d+) = func (\S+)$/))) return { op: "ldfunc", dst: +m[1]!, func: m[2]! };
  if ((m = line.match(/^(?:%(\d+) = )?call (helper|kfunc|local) (\w+)\((.*)\)$/))) {
    const args = m[4]!.trim() ? m[4]!.split(",").map((a) => operand(a.trim())) : [];
    const target = m[2] === "helper" ? { kind: "helper" as const, id: 0, name: m[3]! } : { kind: m[2] as "kfunc" | "local", name: m[3]! };
    return { op: "call", target, args, ...(m[1] !== undefined ? { dst: +m[1] } : {}) };
  }
  if ((m = line.match(/^%(\d+) = (\w+?)(32|64) %(\d+), (\S+)$/))) {
    return { op: "alu", alu: m[2] as AluOp, dst: +m[1]!, a: +m[4]!, b: operand(m[5]!), w: +m[3]! as Width };
  }
  if ((m = line.match(/^br (\w+?)(32|64) %(\d+), (\S+) \? b(\d+) : b(\d+)$/))) {
    return { op: "br", cmp: m[1] as CmpOp, a: +m[3]!, b: operand(m[4]!), w: +m[2]! as Width, then: +m[5]!, else: +m[6]! };
  }
  if ((m = line.match(/^jmp b(\d+)$/))) return { op: "jmp", target: +m[1]! };
  if ((m = line.match(/^ret(32|64)(?: (\S+))?$/))) return { op: "ret", w: +m[1]! as Width, ...(m[2] ? { value: operand(m[2]) } : {}) };
  throw new Error(`cannot parse IR line: ${line}`);
}

export function parseFunction(text: string): IrFunction {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const head = lines.shift()!.match(/^func (\w+)\(([^)]*)\) entry b(\d+)(?: slots \[(.*)\])?$/);
  if (!head) throw new Error("IR text must start with `func name(%params) entry bN`");
  const params = head[2]!.trim() ? head[2]!.split(",").map((p) => num(p.trim())) : [];
  const slots = head[4] ? head[4].split(",").map((s) => { const [size, align] = s.trim().split("@"); return { size: +size!, align: +align! }; }) : [];
  const blocks: Block[] = [];
  let cur: Block | undefined;
  let max = params.length ? Math.max(...params) : -1;
  for (const l of lines) {
    const bm = l.match(/^b(\d+):$/);
    if (bm) {
      cur = { id: +bm[1]!, insns: [], term: { op: "ret", w: 64 } };
      blocks.push(cur);
      continue;
    }
    if (!cur) throw new Error(`instruction outside a block: ${l}`);
    for (const r of l.matchAll(/%(\d+)/g)) max = Math.max(max, +r[1]!);
    const i = parseInsn(l);
    if (i.op === "br" || i.op === "jmp" || i.op === "ret") cur.term = i;
    else cur.insns.push(i);
  }
  blocks.sort((a, b) => a.id - b.id);
  blocks.forEach((b, i) => { if (b.id !== i) throw new Error("blocks must be numbered b0, b1, … without gaps"); });
  return { name: head[1]!, params, blocks, entry: +head[3]!, slots, vregCount: max + 1 };
}
