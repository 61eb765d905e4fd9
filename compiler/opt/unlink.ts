/**
 * Copies the verifier should not link. `lo = v` makes the verifier give lo and
 * v one scalar id, and every later test of v narrows lo too: in a running
 * minimum with another test of v (`if (v < lo) lo = v; if (v > limit) n++`)
 * the loop-carried lo gets narrow bounds, some later test becomes decidable,
 * lo is marked precise, and the states of the loop's paths stop pruning each
 * other — hundreds of thousands of instructions verified for a 64-step loop.
 * An ALU operation other than adding a constant (which the verifier links too,
 * as id+k) gives its result a fresh id, so such a copy is emitted as
 * `lo = v | 0` (two instructions) when the link can only cost:
 *  - lo is a variable that lives around a loop (defined more than once, inside a cycle);
 *  - v is tested by a branch after the copy, so the link would narrow lo;
 *  - lo's and v's values only flow into tests, stored values and arithmetic of
 *    the same kind — never into an address, an offset or a helper's argument,
 *    where the verifier would need the bounds the link carried.
 * Runs last: identity would turn `v | 0` back into a copy.
 */
import { def, successors, uses, type Insn, type IrFunction, type VReg } from "../ir/ir.js";
import { defUse, inCycle } from "./util.js";

export function unlink(fn: IrFunction): IrFunction {
  const looping = inCycle(fn);
  const { defs } = defUse(fn);
  const valueOnly = valueOnlyRegs(fn);
  for (const b of fn.blocks) {
    if (!looping.has(b.id)) continue;
    b.insns.forEach((i, k) => {
      if (i.op !== "mov" || i.src.kind !== "reg" || (defs.get(i.dst)?.length ?? 0) < 2) return;
      if (!valueOnly.has(i.dst) || !valueOnly.has(i.src.reg) || !testedAfter(fn, b.id, k + 1, i.src.reg)) return;
      b.insns[k] = { op: "alu", alu: "or", dst: i.dst, a: i.src.reg, b: { kind: "imm", value: 0n }, w: i.w, loc: i.loc } as Insn;
    });
  }
  return fn;
}

/** Vregs whose values reach only branch tests, stored values, and other such vregs through moves and arithmetic. */
function valueOnlyRegs(fn: IrFunction): Set<VReg> {
  const all = new Set<VReg>();
  const bad = new Set<VReg>(fn.params);
  const from = new Map<VReg, VReg[]>(); // d → the vregs d is computed from
  for (const b of fn.blocks) {
    for (const i of b.insns) {
      const d = def(i);
      if (d !== undefined) all.add(d);
      const us = uses(i);
      if ((i.op === "mov" || i.op === "alu" || i.op === "neg" || i.op === "zext" || i.op === "sext") && d !== undefined) {
        from.set(d, [...(from.get(d) ?? []), ...us]);
      } else if (i.op === "store") {
        if (i.base.kind === "reg") bad.add(i.base.reg);
      } else for (const u of us) bad.add(u);
    }
    if (b.term.op === "ret") for (const u of uses(b.term)) bad.add(u);
  }
  // Badness flows back from a use to everything computed into it.
  const work = [...bad];
  while (work.length) {
    for (const u of from.get(work.pop()!) ?? []) if (!bad.has(u)) { bad.add(u); work.push(u); }
  }
  return new Set([...all].filter((v) => !bad.has(v)));
}

/** Whether vreg v, from instruction `from` of block `id` on, is tested by a branch before it is redefined. */
function testedAfter(fn: IrFunction, id: number, from: number, v: VReg, seen = new Set<number>()): boolean {
  const b = fn.blocks[id]!;
  for (let j = from; j < b.insns.length; j++) if (def(b.insns[j]!) === v) return false;
  if (b.term.op === "br" && uses(b.term).includes(v)) return true;
  for (const s of successors(b.term)) {
    if (seen.has(s)) continue;
    seen.add(s);
    if (testedAfter(fn, s, 0, v, seen)) return true;
  }
  return false;
}
