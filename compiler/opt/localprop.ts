/**
 * Constant propagation for variables with several definitions, along extended
 * basic blocks: walking each block in order, a vreg last set to a constant is that
 * constant until it is set again; a block with a single predecessor starts with
 * what its predecessor ended with. (constprop handles single-definition vregs
 * across the whole function.)
 */
import { imm, type Insn, type IrFunction, type Operand, type Terminator, type VReg, type Width } from "../ir/ir.js";
import { evaluate, movWidth } from "./constprop.js";
import { foldCmp, immediateFor } from "./fold.js";
import { predecessors } from "./util.js";

export function localprop(fn: IrFunction): IrFunction {
  const preds = predecessors(fn);
  const out = new Map<number, Map<VReg, bigint>>();
  for (const id of reversePostorder(fn)) {
    const b = fn.blocks[id]!;
    const p = preds[id]!;
    const known = new Map<VReg, bigint>(p.length === 1 && out.has(p[0]!) ? out.get(p[0]!)! : []);
    const operand = (o: Operand, w: Width): Operand => {
      if (o.kind !== "reg") return o;
      const c = known.get(o.reg);
      return c !== undefined && immediateFor(c, w) ? imm(c) : o;
    };
    b.insns = b.insns.map((i): Insn => {
      const c = evaluate(i, (r) => known.get(r));
      let n: Insn = i;
      switch (i.op) {
        case "mov": n = { ...i, src: operand(i.src, i.w) }; break;
        case "alu": n = { ...i, b: operand(i.b, i.w) }; break;
        case "store": n = { ...i, src: operand(i.src, i.size === 8 ? 64 : 32) }; break;
        case "call": n = { ...i, args: i.args.map((a) => operand(a, 64)) }; break;
      }
      const d = n.op === "store" ? undefined : (n as { dst?: VReg }).dst;
      if (d === undefined) return n;
      if (c !== undefined && n.op !== "call" && n.op !== "load") {
        known.set(d, c);
        return n.op === "mov" && n.src.kind === "imm" ? n : { op: "mov", dst: d, src: imm(c), w: movWidth(c), loc: n.loc };
      }
      known.delete(d);
      return n;
    });
    b.term = foldTerm(b.term, known, operand);
    out.set(id, known);
  }
  return fn;
}

function foldTerm(t: Terminator, known: Map<VReg, bigint>, operand: (o: Operand, w: Width) => Operand): Terminator {
  if (t.op === "ret") return t.value ? { ...t, value: operand(t.value, t.w) } : t;
  if (t.op !== "br") return t;
  const a = known.get(t.a);
  const b = operand(t.b, t.w);
  if (a !== undefined && b.kind === "imm") return { op: "jmp", target: foldCmp(t.cmp, a, b.value, t.w) ? t.then : t.else, loc: t.loc };
  return { ...t, b };
}

function reversePostorder(fn: IrFunction): number[] {
  const seen = new Set<number>();
  const post: number[] = [];
  const visit = (id: number) => {
    if (seen.has(id)) return;
    seen.add(id);
    const t = fn.blocks[id]!.term;
    const succ = t.op === "br" ? [t.else, t.then] : t.op === "jmp" ? [t.target] : [];
    for (const s of succ) visit(s);
    post.push(id);
  };
  visit(fn.entry);
  return post.reverse();
}
