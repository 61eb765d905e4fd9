/**
 * A value loaded only to be copied is loaded where the copy goes:
 *
 *     %26 = load.u8 [%1 + 23]; … %11 = mov32 %26
 * becomes
 *     %11 = load.u8 [%1 + 23]; …
 *
 * when %26 is defined once, read by the copy alone, in the same block, and
 * %11 is neither read nor written between the two (a 32-bit copy clears the
 * upper half, which a narrow load leaves zero already; an 8-byte load needs a
 * 64-bit copy). The register allocator, which allocates the short-lived %26
 * before it sees %11 live across a call, then needs no copy between them.
 * Loads only: a load writes its register without reading it, where moving an
 * ALU result into a variable can cost a copy of the variable instead.
 */
import { clearsUpperHalf, def, uses, type IrFunction } from "../ir/ir.js";
import { defUse } from "./util.js";

export function coalesce(fn: IrFunction): IrFunction {
  const { defs, useCount } = defUse(fn);
  for (const b of fn.blocks) {
    const drop = new Set<number>();
    b.insns.forEach((i, k) => {
      if (i.op !== "mov" || i.src.kind !== "reg" || i.src.reg === i.dst) return;
      const x = i.src.reg, y = i.dst;
      if (defs.get(x)?.length !== 1 || useCount.get(x) !== 1) return;
      // x's definition, earlier in this block, with y untouched since
      let j = k - 1;
      for (; j >= 0; j--) {
        const p = b.insns[j]!;
        if (def(p) === x) break;
        if (def(p) === y || uses(p).includes(y)) return;
      }
      const d = j >= 0 ? b.insns[j]! : undefined;
      if (d?.op !== "load" || drop.has(j)) return;
      if (i.w === 32 && !clearsUpperHalf(d)) return;
      if (d.base.kind === "reg" && d.base.reg === y) return;
      b.insns[j] = { ...d, dst: y };
      drop.add(k);
    });
    if (drop.size) b.insns = b.insns.filter((_, k) => !drop.has(k));
  }
  return fn;
}
