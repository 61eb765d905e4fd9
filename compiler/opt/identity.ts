/**
 * Operations with an identity operand: `x << 0`, `x + 0`, `x * 1`, `x & -1` and
 * the like are copies (a `u8` array's index scaled by its element size is
 * `i << 0`). An ALU32 identity stays a 32-bit move, which clears the upper half
 * as the operation would have.
 */
import type { AluOp, Insn, IrFunction } from "../ir/ir.js";

const ZERO: AluOp[] = ["add", "sub", "or", "xor", "lsh", "rsh", "arsh"];
const ONE: AluOp[] = ["mul", "div", "sdiv"];

function isIdentity(i: Insn & { op: "alu" }): boolean {
  if (i.b.kind !== "imm" || i.core) return false;
  const v = BigInt.asUintN(i.w, i.b.value);
  if (ZERO.includes(i.alu)) return v === 0n;
  if (ONE.includes(i.alu)) return v === 1n;
  return i.alu === "and" && v === (1n << BigInt(i.w)) - 1n;
}

export function identity(fn: IrFunction): IrFunction {
  for (const b of fn.blocks) {
    b.insns = b.insns.map((i): Insn =>
      i.op === "alu" && isIdentity(i) ? { op: "mov", dst: i.dst, src: { kind: "reg", reg: i.a }, w: i.w, loc: i.loc } : i);
  }
  return fn;
}
