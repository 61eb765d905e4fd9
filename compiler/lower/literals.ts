/** Integer literals, read exactly from the source text, typed as C types them. */
import { I32, I64, U32, U64, type BoolType, type IntType } from "../types/model.js";
import type { Val } from "./values.js";

/** Wraps a value to a type's width and signedness (two's complement). */
export function wrap(v: bigint, t: IntType | BoolType): bigint {
  if (t.kind === "bool") return v !== 0n ? 1n : 0n;
  return t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v);
}

const fits = (v: bigint, t: IntType) => wrap(v, t) === v;

/**
 * `0xffffffffffffffff` is exact (not a float), typed as C would: decimal literals
 * are int, then long; hex/octal/binary may also be unsigned; `5n` is a 64-bit integer.
 */
export function parseIntegerLiteral(text: string, bigint: boolean, bad: () => never): Val {
  const clean = text.replace(/_/g, "");
  let value: bigint;
  try {
    if (/[.eE]/.test(clean) && !/^0[xX]/.test(clean)) bad();
    value = BigInt(/^0[0-7]+$/.test(clean) ? "0o" + clean.slice(1) : clean);
  } catch {
    return bad();
  }
  const radix = /^0[xXoObB]/.test(clean) || /^0[0-7]+$/.test(clean);
  const candidates = bigint ? [I64, U64] : radix ? [I32, U32, I64, U64] : [I32, I64, U64];
  const t = candidates.find((c) => fits(value, c));
  if (!t) return bad();
  return { k: "imm", value, t };
}
