/**
 * Evaluation of IR operations on constants, exactly as the BPF machine computes
 * them (ALU32 results zero-extended, x/0 = 0, x%0 = x, shift counts masked).
 * Values are the full 64-bit register contents, as signed bigints.
 */
import type { AluOp, CmpOp, Width } from "../ir/ir.js";

const s64 = (v: bigint) => BigInt.asIntN(64, v);
const reg32 = (v: bigint) => BigInt.asUintN(32, v); // what an ALU32 op leaves in the register

export function foldAlu(op: AluOp, a: bigint, b: bigint, w: Width): bigint {
  const bits = BigInt(w);
  const u = (v: bigint) => BigInt.asUintN(w, v);
  const s = (v: bigint) => BigInt.asIntN(w, v);
  let r: bigint;
  switch (op) {
    case "add": r = a + b; break;
    case "sub": r = a - b; break;
    case "mul": r = a * b; break;
    case "div": r = u(b) === 0n ? 0n : u(a) / u(b); break;
    case "mod": r = u(b) === 0n ? u(a) : u(a) % u(b); break;
    case "sdiv": r = s(b) === 0n ? 0n : s(a) / s(b); break; // bigint division truncates, as BPF's sdiv
    case "smod": r = s(b) === 0n ? s(a) : s(a) % s(b); break;
    case "or": r = a | b; break;
    case "and": r = a & b; break;
    case "xor": r = a ^ b; break;
    case "lsh": r = u(a) << (u(b) & (bits - 1n)); break;
    case "rsh": r = u(a) >> (u(b) & (bits - 1n)); break;
    case "arsh": r = s(a) >> (u(b) & (bits - 1n)); break;
  }
  return w === 32 ? reg32(r) : s64(r);
}

export function foldNeg(a: bigint, w: Width): bigint {
  return w === 32 ? reg32(-a) : s64(-a);
}

export function foldSext(a: bigint, from: 8 | 16 | 32, w: Width): bigint {
  const v = BigInt.asIntN(from, a);
  return w === 32 ? reg32(v) : s64(v);
}

export function foldZext(a: bigint, from: 8 | 16 | 32): bigint {
  return BigInt.asUintN(from, a);
}

/** The register contents a `mov` of an immediate leaves. */
export function foldMov(v: bigint, w: Width): bigint {
  return w === 32 ? reg32(v) : s64(v);
}

export function foldCmp(op: CmpOp, a: bigint, b: bigint, w: Width): boolean {
  const u = (v: bigint) => BigInt.asUintN(w, v);
  const s = (v: bigint) => BigInt.asIntN(w, v);
  switch (op) {
    case "eq": return u(a) === u(b);
    case "ne": return u(a) !== u(b);
    case "gt": return u(a) > u(b);
    case "ge": return u(a) >= u(b);
    case "lt": return u(a) < u(b);
    case "le": return u(a) <= u(b);
    case "sgt": return s(a) > s(b);
    case "sge": return s(a) >= s(b);
    case "slt": return s(a) < s(b);
    case "sle": return s(a) <= s(b);
    case "set": return (u(a) & u(b)) !== 0n;
  }
}

export const fitsS32 = (v: bigint) => v >= -(1n << 31n) && v < 1n << 31n;

/** Whether a constant register value can stand as an immediate for a consumer of width `w`. */
export function immediateFor(v: bigint, w: Width): boolean {
  return w === 32 || fitsS32(s64(v));
}
