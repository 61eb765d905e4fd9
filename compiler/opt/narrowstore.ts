/**
 * A narrow store writes only the low bytes of its register, so a mask or a
 * zero-extension made just for it changes nothing it writes:
 *
 *     %47 = and32 %46, 65535; store.16 [slot0 + 8], %47
 * becomes
 *     store.16 [slot0 + 8], %46
 *
 * and the mask dies. Only for a value defined once, in the store's block,
 * read by the store alone, from a register not set again in between.
 */
import { def, type Insn, type IrFunction, type VReg } from "../ir/ir.js";
import { defUse } from "./util.js";

/** The register `i` keeps the low `bytes` bytes of unchanged, if it does nothing else to them. */
function source(i: Insn, bytes: number): VReg | undefined {
  const low = (1n << BigInt(8 * bytes)) - 1n;
  if (i.op === "alu" && i.alu === "and" && i.b.kind === "imm" && (BigInt.asUintN(i.w, i.b.value) & low) === low) return i.a;
  if (i.op === "zext" && i.from >= 8 * bytes) return i.src;
  if (i.op === "mov" && i.w === 32 && i.src.kind === "reg" && bytes <= 4) return i.src.reg;
  return undefined;
}

export function narrowstore(fn: IrFunction): IrFunction {
  const { defs, useCount } = defUse(fn);
  for (const b of fn.blocks) {
    // where each register was last defined in this block, and by what
    const last = new Map<VReg, { at: number; insn: Insn }>();
    b.insns = b.insns.map((i, k): Insn => {
      let out = i;
      if (i.op === "store" && i.src.kind === "reg" && i.size < 8) {
        const x = i.src.reg;
        const d = last.get(x);
        const y = d && defs.get(x)?.length === 1 && useCount.get(x) === 1 ? source(d.insn, i.size) : undefined;
        // y unchanged since: its last definition (if any here) is before x's
        if (y !== undefined && y !== x && (last.get(y)?.at ?? -1) < d!.at) out = { ...i, src: { kind: "reg", reg: y } };
      }
      const dst = def(i);
      if (dst !== undefined) last.set(dst, { at: k, insn: i });
      return out;
    });
  }
  return fn;
}
