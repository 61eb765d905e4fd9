/**
 * Jump threading through values known at a join. A block that only tests a
 * register against zero (`if (x === null)` after `ctx.header<T>()` or `pop()`)
 * is skipped by each predecessor that has just set that register to a constant
 * or to a pointer known not to be NULL: the predecessor jumps straight to the
 * side the test would take.
 */
import type { Insn, IrFunction } from "../ir/ir.js";
import { foldCmp } from "./fold.js";

export function thread(fn: IrFunction): IrFunction {
  for (const p of fn.blocks) {
    if (p.term.op !== "jmp") continue;
    const j = fn.blocks[p.term.target]!;
    const t = j.term;
    if (j.insns.length || t.op !== "br" || t.b.kind !== "imm" || j.id === p.id) continue;
    const last = [...p.insns].reverse().find((i) => "dst" in i && (i as { dst?: number }).dst === t.a) as Insn | undefined;
    if (!last) continue;
    let taken: boolean | undefined;
    if (last.op === "slotaddr" && t.b.value === 0n && (t.cmp === "eq" || t.cmp === "ne")) taken = t.cmp === "ne";
    else if (last.op !== "mov") continue;
    else if (last.src.kind === "imm") taken = foldCmp(t.cmp, last.src.value, t.b.value, t.w);
    else if ((last.nonnull || isAddress(fn, last.src.reg)) && t.b.value === 0n && (t.cmp === "eq" || t.cmp === "ne")) taken = t.cmp === "ne";
    if (taken === undefined) continue;
    p.term = { op: "jmp", target: taken ? t.then : t.else, loc: p.term.loc };
  }
  return fn;
}

/** A vreg holding a stack address (never NULL) by its only definition. */
function isAddress(fn: IrFunction, v: number): boolean {
  const defs = fn.blocks.flatMap((b) => b.insns.filter((i) => "dst" in i && (i as { dst?: number }).dst === v));
  return defs.length === 1 && defs[0]!.op === "slotaddr";
}
