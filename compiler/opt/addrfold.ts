/**
 * Address folding: a register known to hold `base + C` (a copy of a pointer
 * plus constants) is not needed to address memory, as clang folds
 * `ip = data + 14; ip->saddr` into `*(u32 *)(data + 0x1a)`:
 *
 *     %11 = mov64 %1; %11 = add64 %11, 14; … load.u32 [%11 + 12]
 * becomes
 *     … load.u32 [%1 + 26]
 *
 * and `%12 = mov64 %11; %12 = add64 %12, 20` becomes `%12 = mov64 %1;
 * %12 = add64 %12, 34`, so %11 often dies. The facts are a must-analysis over
 * the whole CFG (a fact holds on entry to a block when it holds at the end of
 * every predecessor); redefining a register kills the facts about it and those
 * based on it. Constant offsets leave the verifier's view unchanged: a packet
 * pointer plus a constant keeps its id, and range checks compare base offset
 * plus instruction offset, so `[%1 + 26]` is checked exactly as `[%11 + 12]`.
 * CO-RE accesses are left alone (libbpf rewrites their offsets). A register
 * known to equal another (`base + 0`: a copy neither has changed since) is read
 * from the other wherever it is used, if it is a temporary, so `%33 = mov64 %30; … add64 %34, %33`
 * reads %30 and the copy dies.
 */
import { substitute, uses, type Insn, type IrFunction, type Terminator, type VReg } from "../ir/ir.js";
import { agreed, defUse, predecessors, reversePostorder, sameEntries } from "./util.js";
import { fitsS32 } from "./fold.js";

/** `v == base + off` (64-bit). */
interface Fact { base: VReg; off: bigint }
type Facts = Map<VReg, Fact>;

const fitsS16 = (v: bigint) => v >= -32768n && v <= 32767n;

export function addrfold(fn: IrFunction): IrFunction {
  const ins = factsIn(fn);
  const { defs } = defUse(fn);
  const temporary = (v: VReg) => defs.get(v)?.length === 1;
  for (const b of fn.blocks) {
    const facts = ins.get(b.id);
    if (!facts) continue; // unreachable
    const out: Insn[] = [];
    for (let k = 0; k < b.insns.length; k++) {
      let i = copiesRead(b.insns[k]!, facts, temporary);
      const next = b.insns[k + 1];
      if ((i.op === "load" || i.op === "store") && i.base.kind === "reg" && !i.core) {
        const f = facts.get(i.base.reg);
        if (f && fitsS16(BigInt(i.off) + f.off)) i = { ...i, base: { kind: "reg", reg: f.base }, off: i.off + Number(f.off) };
      } else if (i.op === "mov" && i.w === 64 && i.src.kind === "reg") {
        const f = facts.get(i.src.reg);
        // `d = s; d += C` with s = base + K: `d = base; d += K + C`
        if (f && next?.op === "alu" && next.alu === "add" && next.w === 64 && next.dst === i.dst && next.a === i.dst
          && next.b.kind === "imm" && !next.core && f.base !== i.dst && fitsS32(f.off + next.b.value)) {
          i = { ...i, src: { kind: "reg", reg: f.base } };
          const add: Insn = { ...next, b: { kind: "imm", value: f.off + next.b.value } };
          out.push(i);
          transfer(facts, i);
          out.push(add);
          transfer(facts, add);
          k++;
          continue;
        }
        if (f && f.off === 0n && f.base !== i.dst) i = { ...i, src: { kind: "reg", reg: f.base } };
      }
      out.push(i);
      transfer(facts, i);
    }
    b.insns = out;
    b.term = copiesRead(b.term, facts, temporary);
  }
  return fn;
}

/**
 * `i` reading, for each temporary known to be a copy of another register, the
 * other. (Not a variable's copy: the variable stays live, and reading the
 * original would keep both in registers.)
 */
function copiesRead<T extends Insn | Terminator>(i: T, facts: Facts, temporary: (v: VReg) => boolean): T {
  for (const u of uses(i)) {
    const f = facts.get(u);
    if (f && f.off === 0n && temporary(u)) i = substitute(i, u, f.base);
  }
  return i;
}

/** The facts on entry to each reachable block. */
function factsIn(fn: IrFunction): Map<number, Facts> {
  const preds = predecessors(fn);
  const order = reversePostorder(fn);
  const outs = new Map<number, Facts>();
  const ins = new Map<number, Facts>();
  for (let changed = true, round = 0; changed; round++) {
    // facts may trade places rather than shrink; without a fixed point soon, fold nothing
    if (round > 50) return new Map();
    changed = false;
    for (const id of order) {
      // predecessors not yet visited are ignored: facts only shrink as they are
      const known = preds[id]!.filter((p) => outs.has(p)).map((p) => outs.get(p)!);
      const entry: Facts = id === fn.entry ? new Map() : agreed(known, sameFact);
      ins.set(id, new Map(entry));
      for (const i of fn.blocks[id]!.insns) transfer(entry, i);
      const prev = outs.get(id);
      if (!prev || !sameEntries(prev, entry, sameFact)) {
        outs.set(id, entry);
        changed = true;
      }
    }
  }
  return ins;
}

const sameFact = (a: Fact, b: Fact) => a.base === b.base && a.off === b.off;

/** What an instruction makes true, or no longer true. */
function transfer(facts: Facts, i: Insn): void {
  if (i.op === "store") return;
  const d = i.op === "call" ? i.dst : i.dst;
  if (d === undefined) return;
  let fact: Fact | undefined;
  const from = (src: VReg, off: bigint): Fact => {
    const f = facts.get(src);
    return f ? { base: f.base, off: f.off + off } : { base: src, off };
  };
  if (i.op === "mov" && i.w === 64 && i.src.kind === "reg") fact = from(i.src.reg, 0n);
  else if (i.op === "alu" && i.w === 64 && i.b.kind === "imm" && !i.core && (i.alu === "add" || i.alu === "sub")) {
    fact = from(i.a, i.alu === "add" ? i.b.value : -i.b.value);
  }
  facts.delete(d);
  for (const [v, f] of facts) if (f.base === d) facts.delete(v);
  // a register defined from itself has no older value left to name
  if (fact && fact.base !== d && fitsS32(fact.off)) facts.set(d, fact);
}
