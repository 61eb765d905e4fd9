/**
 * Call arguments made from nothing (a map's or global's address, a stack
 * address, a constant) are computed just before the call, as clang does. Made
 * early, such a value holds its register while other values are still live and
 * may be given the register another argument wanted, leaving a cycle of moves
 * (`r0 = r2; r2 = r1; r1 = r0`) at the call.
 */
import { uses, type Insn, type IrFunction } from "../ir/ir.js";
import { defUse } from "./util.js";

const fromNothing = (i: Insn) =>
  i.op === "ldmap" || i.op === "ldglobal" || i.op === "slotaddr" || (i.op === "mov" && i.src.kind === "imm");

export function sinkargs(fn: IrFunction): IrFunction {
  const { defs, useCount } = defUse(fn);
  for (const b of fn.blocks) {
    // each such value whose single use is a later call of this block, by that call
    const sunk = new Map<Insn, Insn[]>();
    const moved = new Set<Insn>();
    b.insns.forEach((i, k) => {
      if (!fromNothing(i)) return;
      const d = (i as { dst: number }).dst;
      if (defs.get(d)?.length !== 1 || useCount.get(d) !== 1) return;
      const call = b.insns.find((x, j) => j > k && uses(x).includes(d));
      if (call?.op !== "call") return;
      sunk.set(call, [...(sunk.get(call) ?? []), i]);
      moved.add(i);
    });
    if (!moved.size) continue;
    b.insns = b.insns.flatMap((i) => (moved.has(i) ? [] : [...(sunk.get(i) ?? []), i]));
  }
  return fn;
}
