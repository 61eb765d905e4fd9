/**
 * Makes every immediate fit its BPF encoding before register allocation: ALU, jump
 * and store immediates are 32-bit (sign-extended for 64-bit operations); a wider
 * constant goes through a register loaded with ld_imm64.
 */
import { imm, reg, type Insn, type IrFunction, type Operand } from "../ir/ir.js";

const fitsS32 = (v: bigint) => v >= -(1n << 31n) && v < 1n << 31n;

/** Whether an immediate operand of a `w`-bit operation can be encoded in the instruction. */
function encodable(v: bigint, w: 32 | 64): boolean {
  return w === 32 ? true : fitsS32(v); // 32-bit ops use the low 32 bits as they are
}

export function legalize(fn: IrFunction): IrFunction {
  for (const b of fn.blocks) {
    const out: Insn[] = [];
    const hoist = (o: Operand, w: 32 | 64): Operand => {
      if (o.kind !== "imm" || encodable(o.value, w)) return o;
      const r = fn.vregCount++;
      out.push({ op: "mov", dst: r, src: imm(o.value), w: 64 });
      return reg(r);
    };
    for (const i of b.insns) {
      if (i.op === "alu") out.push({ ...i, b: hoist(i.b, i.w) });
      else if (i.op === "store") out.push({ ...i, src: i.size === 8 ? hoist(i.src, 64) : i.src });
      else out.push(i);
    }
    const t = b.term;
    if (t.op === "br") b.term = { ...t, b: hoist(t.b, t.w) };
    b.insns = out;
  }
  return fn;
}
