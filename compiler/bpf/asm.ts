/**
 * Instruction constructors, named after the kernel's include/linux/filter.h
 * macros so generated code reads like hand-written kernel BPF.
 *
 * Every constructor validates its operands (registers r0..r10, field ranges)
 * and throws a plain Error: a bad operand here is a compiler bug.
 */
import { checkInsn, type BpfInsn } from "./insn.js";
import {
  BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_DIV, BPF_DW, BPF_END, BPF_EXIT, BPF_H, BPF_IMM,
  BPF_JA, BPF_JMP, BPF_JMP32, BPF_K, BPF_LD, BPF_LDX, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_NEG,
  BPF_PSEUDO_CALL, BPF_ST, BPF_STX, BPF_TO_BE, BPF_TO_LE, BPF_W, BPF_X, MAX_BPF_REG,
} from "./opcodes.js";

function reg(r: number, what: string, where: string): number {
  if (!Number.isInteger(r) || r < 0 || r >= MAX_BPF_REG) {
    throw new Error(`bpf: ${where}: ${what} r${r} is not a BPF register (r0..r10)`);
  }
  return r;
}

function make(where: string, code: number, dst_reg: number, src_reg: number, off: number, imm: number): BpfInsn {
  const insn = { code, dst_reg, src_reg, off, imm };
  checkInsn(insn, where);
  return insn;
}

function oneOf<T extends number>(v: number, allowed: readonly T[], what: string, where: string): T {
  if (!(allowed as readonly number[]).includes(v)) {
    throw new Error(`bpf: ${where}: ${what} ${v} is not one of ${allowed.join(", ")}`);
  }
  return v as T;
}

/** Any instruction, unchecked beyond field ranges (filter.h BPF_RAW_INSN). */
export function BPF_RAW_INSN(code: number, dst: number, src: number, off: number, imm: number): BpfInsn {
  return make("BPF_RAW_INSN", code, dst, src, off, imm);
}

// ---- ALU ------------------------------------------------------------------------
// `off` selects ISA v4 variants: 1 = signed BPF_DIV/BPF_MOD, 8/16/32 = BPF_MOV sign extension.

/** dst op= src, 64-bit. */
export function BPF_ALU64_REG(op: number, dst: number, src: number, off = 0): BpfInsn {
  const w = "BPF_ALU64_REG";
  return make(w, BPF_ALU64 | op | BPF_X, reg(dst, "dst", w), reg(src, "src", w), off, 0);
}

/** dst op= src, 32-bit (upper half of dst is zeroed). */
export function BPF_ALU32_REG(op: number, dst: number, src: number, off = 0): BpfInsn {
  const w = "BPF_ALU32_REG";
  return make(w, BPF_ALU | op | BPF_X, reg(dst, "dst", w), reg(src, "src", w), off, 0);
}

/** dst op= imm, 64-bit (imm is sign-extended). */
export function BPF_ALU64_IMM(op: number, dst: number, imm: number, off = 0): BpfInsn {
  const w = "BPF_ALU64_IMM";
  return make(w, BPF_ALU64 | op | BPF_K, reg(dst, "dst", w), 0, off, imm);
}

/** dst op= imm, 32-bit. */
export function BPF_ALU32_IMM(op: number, dst: number, imm: number, off = 0): BpfInsn {
  const w = "BPF_ALU32_IMM";
  return make(w, BPF_ALU | op | BPF_K, reg(dst, "dst", w), 0, off, imm);
}

export const BPF_MOV64_REG = (dst: number, src: number): BpfInsn => BPF_ALU64_REG(BPF_MOV, dst, src);
export const BPF_MOV32_REG = (dst: number, src: number): BpfInsn => BPF_ALU32_REG(BPF_MOV, dst, src);
export const BPF_MOV64_IMM = (dst: number, imm: number): BpfInsn => BPF_ALU64_IMM(BPF_MOV, dst, imm);
export const BPF_MOV32_IMM = (dst: number, imm: number): BpfInsn => BPF_ALU32_IMM(BPF_MOV, dst, imm);

/** dst = (s8|s16|s32)src, sign-extended to 64 bits (ISA v4). */
export function BPF_MOVSX64_REG(dst: number, src: number, bits: 8 | 16 | 32): BpfInsn {
  return BPF_ALU64_REG(BPF_MOV, dst, src, oneOf(bits, [8, 16, 32] as const, "bits", "BPF_MOVSX64_REG"));
}

/** w_dst = (s8|s16)w_src (ISA v4). */
export function BPF_MOVSX32_REG(dst: number, src: number, bits: 8 | 16): BpfInsn {
  return BPF_ALU32_REG(BPF_MOV, dst, src, oneOf(bits, [8, 16] as const, "bits", "BPF_MOVSX32_REG"));
}

// Signed division and modulo (ISA v4): BPF_DIV / BPF_MOD with off = 1.
export const BPF_SDIV64_REG = (dst: number, src: number): BpfInsn => BPF_ALU64_REG(BPF_DIV, dst, src, 1);
export const BPF_SDIV32_REG = (dst: number, src: number): BpfInsn => BPF_ALU32_REG(BPF_DIV, dst, src, 1);
export const BPF_SDIV64_IMM = (dst: number, imm: number): BpfInsn => BPF_ALU64_IMM(BPF_DIV, dst, imm, 1);
export const BPF_SDIV32_IMM = (dst: number, imm: number): BpfInsn => BPF_ALU32_IMM(BPF_DIV, dst, imm, 1);
export const BPF_SMOD64_REG = (dst: number, src: number): BpfInsn => BPF_ALU64_REG(BPF_MOD, dst, src, 1);
export const BPF_SMOD32_REG = (dst: number, src: number): BpfInsn => BPF_ALU32_REG(BPF_MOD, dst, src, 1);
export const BPF_SMOD64_IMM = (dst: number, imm: number): BpfInsn => BPF_ALU64_IMM(BPF_MOD, dst, imm, 1);
export const BPF_SMOD32_IMM = (dst: number, imm: number): BpfInsn => BPF_ALU32_IMM(BPF_MOD, dst, imm, 1);

/** dst = -dst (encoded with BPF_K and imm 0, as the kernel expects). */
export const BPF_NEG64 = (dst: number): BpfInsn => BPF_ALU64_IMM(BPF_NEG, dst, 0);
export const BPF_NEG32 = (dst: number): BpfInsn => BPF_ALU32_IMM(BPF_NEG, dst, 0);

/**
 * dst = htobe/htole(dst) truncated to `bits` (BPF_ALU | BPF_END). On a
 * little-endian target to-LE only truncates/zero-extends; to-BE swaps.
 */
export function BPF_ENDIAN(toBe: boolean, dst: number, bits: 16 | 32 | 64): BpfInsn {
  const w = "BPF_ENDIAN";
  return make(w, BPF_ALU | BPF_END | (toBe ? BPF_TO_BE : BPF_TO_LE), reg(dst, "dst", w), 0, 0,
    oneOf(bits, [16, 32, 64] as const, "bits", w));
}

/** dst = bswap16/32/64(dst), unconditional byte swap (ISA v4: BPF_ALU64 | BPF_END). */
export function BPF_BSWAP(dst: number, bits: 16 | 32 | 64): BpfInsn {
  const w = "BPF_BSWAP";
  return make(w, BPF_ALU64 | BPF_END | BPF_TO_LE, reg(dst, "dst", w), 0, 0,
    oneOf(bits, [16, 32, 64] as const, "bits", w));
}

// ---- loads and stores -----------------------------------------------------------------

/**
 * dst = imm (64-bit), two slots. `src_reg` is a BPF_PSEUDO_* marker when the
 * value is a map/BTF/function reference to be resolved by the loader.
 * Accepts signed or unsigned 64-bit values.
 */
export function BPF_LD_IMM64(dst: number, imm: bigint, src_reg = 0): [BpfInsn, BpfInsn] {
  const w = "BPF_LD_IMM64";
  if (imm < -(1n << 63n) || imm >= 1n << 64n) {
    throw new Error(`bpf: ${w}: imm ${imm} does not fit in 64 bits`);
  }
  const lo = Number(BigInt.asIntN(32, imm));
  const hi = Number(BigInt.asIntN(32, imm >> 32n));
  return [
    make(w, BPF_LD | BPF_DW | BPF_IMM, reg(dst, "dst", w), src_reg, 0, lo),
    make(w, 0, 0, 0, 0, hi),
  ];
}

const SIZES = [BPF_B, BPF_H, BPF_W, BPF_DW] as const;

/** dst = *(size *)(src + off), zero-extended. */
export function BPF_LDX_MEM(size: number, dst: number, src: number, off: number): BpfInsn {
  const w = "BPF_LDX_MEM";
  return make(w, BPF_LDX | oneOf(size, SIZES, "size", w) | BPF_MEM, reg(dst, "dst", w), reg(src, "src", w), off, 0);
}

/** dst = *(s8|s16|s32 *)(src + off), sign-extended to 64 bits (ISA v4). */
export function BPF_LDX_MEMSX(size: number, dst: number, src: number, off: number): BpfInsn {
  const w = "BPF_LDX_MEMSX";
  return make(w, BPF_LDX | oneOf(size, [BPF_B, BPF_H, BPF_W] as const, "size", w) | BPF_MEMSX,
    reg(dst, "dst", w), reg(src, "src", w), off, 0);
}

/** *(size *)(dst + off) = src */
export function BPF_STX_MEM(size: number, dst: number, src: number, off: number): BpfInsn {
  const w = "BPF_STX_MEM";
  return make(w, BPF_STX | oneOf(size, SIZES, "size", w) | BPF_MEM, reg(dst, "dst", w), reg(src, "src", w), off, 0);
}

/** *(size *)(dst + off) = imm (imm sign-extended for BPF_DW) */
export function BPF_ST_MEM(size: number, dst: number, off: number, imm: number): BpfInsn {
  const w = "BPF_ST_MEM";
  return make(w, BPF_ST | oneOf(size, SIZES, "size", w) | BPF_MEM, reg(dst, "dst", w), 0, off, imm);
}

/**
 * Atomic read-modify-write on *(size *)(dst + off) with src. `op` is
 * BPF_ADD/BPF_AND/BPF_OR/BPF_XOR, optionally | BPF_FETCH (old value into src),
 * or BPF_XCHG, or BPF_CMPXCHG (compares with r0, old value into r0).
 */
export function BPF_ATOMIC_OP(size: number, op: number, dst: number, src: number, off: number): BpfInsn {
  const w = "BPF_ATOMIC_OP";
  return make(w, BPF_STX | oneOf(size, [BPF_W, BPF_DW] as const, "size", w) | BPF_ATOMIC,
    reg(dst, "dst", w), reg(src, "src", w), off, op);
}

// ---- jumps and calls ------------------------------------------------------------------
// Jump offsets count instruction slots from the slot after the jump.

/** if (dst op src) goto pc + off, 64-bit compare. */
export function BPF_JMP_REG(op: number, dst: number, src: number, off: number): BpfInsn {
  const w = "BPF_JMP_REG";
  return make(w, BPF_JMP | op | BPF_X, reg(dst, "dst", w), reg(src, "src", w), off, 0);
}

/** if (dst op imm) goto pc + off, 64-bit compare with sign-extended imm. */
export function BPF_JMP_IMM(op: number, dst: number, imm: number, off: number): BpfInsn {
  const w = "BPF_JMP_IMM";
  return make(w, BPF_JMP | op | BPF_K, reg(dst, "dst", w), 0, off, imm);
}

/** if (w_dst op w_src) goto pc + off */
export function BPF_JMP32_REG(op: number, dst: number, src: number, off: number): BpfInsn {
  const w = "BPF_JMP32_REG";
  return make(w, BPF_JMP32 | op | BPF_X, reg(dst, "dst", w), reg(src, "src", w), off, 0);
}

/** if (w_dst op imm) goto pc + off */
export function BPF_JMP32_IMM(op: number, dst: number, imm: number, off: number): BpfInsn {
  const w = "BPF_JMP32_IMM";
  return make(w, BPF_JMP32 | op | BPF_K, reg(dst, "dst", w), 0, off, imm);
}

/** goto pc + off (16-bit offset). */
export function BPF_JMP_A(off: number): BpfInsn {
  return make("BPF_JMP_A", BPF_JMP | BPF_JA, 0, 0, off, 0);
}

/** gotol pc + imm (32-bit offset, ISA v4). */
export function BPF_JMP32_A(imm: number): BpfInsn {
  return make("BPF_JMP32_A", BPF_JMP32 | BPF_JA, 0, 0, 0, imm);
}

/** Call helper function number `id` (the kernel's BPF_EMIT_CALL, by id). */
export function BPF_CALL_HELPER(id: number): BpfInsn {
  return make("BPF_CALL_HELPER", BPF_JMP | BPF_CALL, 0, 0, 0, id);
}

/**
 * call with src_reg = BPF_PSEUDO_CALL (the kernel's BPF_CALL_REL): a
 * bpf-to-bpf call with imm = target - (pc + 1). clang also emits this form,
 * with imm -1 and a relocation, for calls to extern kfuncs; libbpf rewrites
 * those to BPF_PSEUDO_KFUNC_CALL.
 */
export function BPF_CALL_PSEUDO(imm: number): BpfInsn {
  return make("BPF_CALL_PSEUDO", BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, imm);
}

export function BPF_EXIT_INSN(): BpfInsn {
  return make("BPF_EXIT_INSN", BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}
