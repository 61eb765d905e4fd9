/**
 * Branch folding by value ranges (ranges.ts): a comparison that the ranges
 * decide becomes a jump — `i8 + 0x80000000 == 0` can never hold. clang folds
 * these through LLVM's value tracking. For the verifier it matters more than
 * for size: a branch it can decide only for known values makes those values
 * precise, and precise values that differ between paths stop state pruning.
 */
import type { IrFunction } from "../ir/ir.js";
import { blockRanges, decideBranch, transfer } from "./ranges.js";

export function rangefold(fn: IrFunction): IrFunction {
  const entry = blockRanges(fn);
  for (const b of fn.blocks) {
    const t = b.term;
    const s = entry[b.id];
    if (t.op !== "br" || !s) continue;
    const taken = decideBranch(t, transfer(b, s));
    if (taken !== undefined) b.term = { op: "jmp", target: taken ? t.then : t.else, loc: t.loc };
  }
  return fn;
}
