/**
 * Conversions of a value that is one of several constants, pushed into the
 * constants. An inlined function's result is a vreg set to a constant on each
 * return path; the caller's conversion of it (`(long)ret` in C terms) becomes a
 * 64-bit constant on each path instead of an instruction at the join.
 */
import { imm, type Insn, type IrFunction, type VReg } from "../ir/ir.js";
import { movWidth } from "./constprop.js";
import { foldMov, foldSext, foldZext } from "./fold.js";
import { defUse } from "./util.js";

export function sinkconst(fn: IrFunction): IrFunction {
  const { defs, useCount } = defUse(fn);
  for (const b of fn.blocks) {
    b.insns = b.insns.filter((i) => {
      if (i.op !== "sext" && i.op !== "zext" && i.op !== "mov") return true;
      const src = i.op === "mov" ? (i.src.kind === "reg" ? i.src.reg : undefined) : i.src;
      if (src === undefined || src === i.dst || useCount.get(src) !== 1 || defs.get(i.dst)?.length !== 1) return true;
      const srcDefs = defs.get(src);
      if (!srcDefs || srcDefs.length < 2 || fn.params.includes(src)) return true;
      if (!srcDefs.every((d) => d.op === "mov" && d.src.kind === "imm")) return true;
      for (const d of srcDefs as Extract<Insn, { op: "mov" }>[]) {
        const v = foldMov((d.src as { value: bigint }).value, d.w);
        const c = i.op === "sext" ? foldSext(v, i.from, i.w) : i.op === "zext" ? foldZext(v, i.from) : i.w === 32 ? foldMov(v, 32) : v;
        (d as { dst: VReg }).dst = i.dst;
        d.src = imm(c);
        d.w = movWidth(c);
      }
      return false;
    });
  }
  return fn;
}
