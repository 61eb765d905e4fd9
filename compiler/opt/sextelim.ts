/**
 * Sign extensions that extend nothing. `(s32)x` of a value known (ranges.ts)
 * to lie in [0, 2^31) is x itself — its upper half is already zero — so the
 * `sext` becomes a copy that copy propagation and the register allocator
 * remove; likewise `(s8)`/`(s16)` of a value below 2^7/2^15. clang drops these
 * through LLVM's known-bits analysis: an IPv4 header length computed in `int`
 * and added to a pointer needs no `movsx`.
 */
import type { Insn, IrFunction } from "../ir/ir.js";
import { at, blockRanges, step, top } from "./ranges.js";

export function sextelim(fn: IrFunction): IrFunction {
  const entry = blockRanges(fn);
  for (const b of fn.blocks) {
    const s = entry[b.id];
    if (!s) continue;
    const state = new Map(s);
    b.insns = b.insns.map((i): Insn => {
      let out = i;
      if (i.op === "sext") {
        // the source's whole 64-bit value, not only the bits extended, must be in range:
        // then the result equals it at either width
        const r = at(state.get(i.src) ?? top(64), 64);
        if (r.lo >= 0n && r.hi < 1n << BigInt(i.from - 1)) out = { op: "mov", dst: i.dst, src: { kind: "reg", reg: i.src }, w: i.w, loc: i.loc };
      }
      step(i, state);
      return out;
    });
  }
  return fn;
}
