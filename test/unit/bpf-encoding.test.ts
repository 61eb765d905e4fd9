import { describe, expect, it } from "vitest";
import * as A from "../../compiler/bpf/asm.js";
import { disassemble, formatIndex, formatInsn } from "../../compiler/bpf/disasm.js";
import { checkInsn, decodeInsns, encodeInsns, isLdImm64, type BpfInsn } from "../../compiler/bpf/insn.js";
import {
  BPF_ADD, BPF_ALU64, BPF_AND, BPF_B, BPF_CLASS, BPF_CMPXCHG, BPF_DIV, BPF_DW, BPF_FETCH, BPF_H, BPF_JEQ,
  BPF_JMP, BPF_JNE, BPF_JSGT, BPF_JSLT, BPF_K, BPF_LSH, BPF_MEM, BPF_MODE, BPF_MOV, BPF_OP, BPF_OR,
  BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_REG_0, BPF_REG_1, BPF_REG_10, BPF_REG_FP, BPF_SIZE, BPF_SRC,
  BPF_STX, BPF_SUB, BPF_W, BPF_X, BPF_XCHG, BPF_XOR, bpfSizeBytes, bpfSizeFromBytes,
} from "../../compiler/bpf/opcodes.js";

const hex = (s: string) => Uint8Array.from(s.split(/\s+/).filter(Boolean).map((b) => parseInt(b, 16)));

describe("opcodes", () => {
  it("has the kernel's values and field helpers", () => {
    expect(BPF_STX | BPF_DW | BPF_MEM).toBe(0x7b);
    expect(BPF_ALU64 | BPF_MOV | BPF_X).toBe(0xbf);
    expect(BPF_XCHG).toBe(0xe1);
    expect(BPF_CMPXCHG).toBe(0xf1);
    expect(BPF_REG_FP).toBe(BPF_REG_10);
    expect(BPF_CLASS(0x7b)).toBe(BPF_STX);
    expect(BPF_SIZE(0x7b)).toBe(BPF_DW);
    expect(BPF_MODE(0x7b)).toBe(BPF_MEM);
    expect(BPF_OP(0x1d)).toBe(BPF_JEQ);
    expect(BPF_SRC(0x1d)).toBe(BPF_X);
    expect(BPF_SRC(0x15)).toBe(BPF_K);
    expect([BPF_B, BPF_H, BPF_W, BPF_DW].map(bpfSizeBytes)).toEqual([1, 2, 4, 8]);
    expect([1, 2, 4, 8].map(bpfSizeFromBytes)).toEqual([BPF_B, BPF_H, BPF_W, BPF_DW]);
    expect(() => bpfSizeFromBytes(3)).toThrow(/3 bytes/);
  });
});

describe("encoding", () => {
  // Byte vectors checked against clang-19 output.
  const vectors: [string, BpfInsn[], string][] = [
    ["call -1 (pseudo call)", [A.BPF_CALL_PSEUDO(-1)], "85 10 00 00 ff ff ff ff"],
    ["call helper 1", [A.BPF_CALL_HELPER(1)], "85 00 00 00 01 00 00 00"],
    ["exit", [A.BPF_EXIT_INSN()], "95 00 00 00 00 00 00 00"],
    ["r1 = 5", [A.BPF_MOV64_IMM(1, 5)], "b7 01 00 00 05 00 00 00"],
    ["w0 = w1", [A.BPF_MOV32_REG(0, 1)], "bc 10 00 00 00 00 00 00"],
    ["*(u64 *)(r10 - 8) = r1", [A.BPF_STX_MEM(BPF_DW, 10, 1, -8)], "7b 1a f8 ff 00 00 00 00"],
    ["*(u32 *)(r10 - 4) = 0", [A.BPF_ST_MEM(BPF_W, 10, -4, 0)], "62 0a fc ff 00 00 00 00"],
    ["r1 = (s32)r2", [A.BPF_MOVSX64_REG(1, 2, 32)], "bf 21 20 00 00 00 00 00"],
    ["r1 s/= r2", [A.BPF_SDIV64_REG(1, 2)], "3f 21 01 00 00 00 00 00"],
    ["r1 = bswap16 r1", [A.BPF_BSWAP(1, 16)], "d7 01 00 00 10 00 00 00"],
    ["if r6 == 0 goto +24", [A.BPF_JMP_IMM(BPF_JEQ, 6, 0, 24)], "15 06 18 00 00 00 00 00"],
    ["w2 = atomic_fetch_add", [A.BPF_ATOMIC_OP(BPF_W, BPF_ADD | BPF_FETCH, 1, 2, 0)], "c3 21 00 00 01 00 00 00"],
    ["r0 = cmpxchg_64", [A.BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, 3, 4, 0)], "db 43 00 00 f1 00 00 00"],
    ["r1 = 0x5566778811223344 ll", A.BPF_LD_IMM64(1, 0x5566778811223344n),
      "18 01 00 00 44 33 22 11 00 00 00 00 88 77 66 55"],
    ["r1 = map fd 7", A.BPF_LD_IMM64(1, 7n, BPF_PSEUDO_MAP_FD), "18 11 00 00 07 00 00 00 00 00 00 00 00 00 00 00"],
  ];
  for (const [name, insns, bytes] of vectors) {
    it(`encodes ${name}`, () => {
      expect(encodeInsns(insns)).toEqual(hex(bytes));
      expect(decodeInsns(hex(bytes))).toEqual(insns);
    });
  }

  it("round-trips every constructor", () => {
    const insns: BpfInsn[] = [
      A.BPF_ALU64_REG(BPF_ADD, 1, 2), A.BPF_ALU32_REG(BPF_SUB, 3, 4), A.BPF_ALU64_IMM(BPF_LSH, 5, 63),
      A.BPF_ALU32_IMM(BPF_XOR, 6, -1), A.BPF_MOV64_REG(7, 8), A.BPF_MOV32_REG(9, 0), A.BPF_MOV64_IMM(0, -0x80000000),
      A.BPF_MOV32_IMM(1, 0x7fffffff), A.BPF_MOVSX64_REG(1, 2, 8), A.BPF_MOVSX32_REG(1, 2, 16),
      A.BPF_SDIV32_REG(1, 2), A.BPF_SDIV64_IMM(1, 3), A.BPF_SDIV32_IMM(1, -3), A.BPF_SMOD64_REG(1, 2),
      A.BPF_SMOD32_REG(1, 2), A.BPF_SMOD64_IMM(1, 7), A.BPF_SMOD32_IMM(1, 7), A.BPF_NEG64(1), A.BPF_NEG32(2),
      A.BPF_ENDIAN(true, 1, 16), A.BPF_ENDIAN(false, 1, 64), A.BPF_BSWAP(1, 32),
      ...A.BPF_LD_IMM64(2, -1n), ...A.BPF_LD_IMM64(3, 0x8000000000000000n, BPF_PSEUDO_MAP_VALUE),
      A.BPF_LDX_MEM(BPF_B, 1, 2, 0x7fff), A.BPF_LDX_MEMSX(BPF_H, 1, 2, -0x8000), A.BPF_STX_MEM(BPF_H, 10, 1, -2),
      A.BPF_ST_MEM(BPF_B, 10, -1, 0xff), A.BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, 1, 2, 8),
      A.BPF_JMP_REG(BPF_JSGT, 1, 2, -1), A.BPF_JMP32_REG(BPF_JNE, 1, 2, 3), A.BPF_JMP32_IMM(BPF_JSLT, 1, -5, 2),
      A.BPF_JMP_A(-0x8000), A.BPF_JMP32_A(100000), A.BPF_CALL_HELPER(0x7fffffff), A.BPF_EXIT_INSN(),
      A.BPF_RAW_INSN(0xff, 15, 15, -1, -1),
    ];
    const bytes = encodeInsns(insns);
    expect(bytes.length).toBe(insns.length * 8);
    expect(decodeInsns(bytes)).toEqual(insns);
  });

  it("decodes from an offset view of a larger buffer", () => {
    const buf = new Uint8Array(24);
    buf.set(encodeInsns([A.BPF_MOV64_IMM(1, -2), A.BPF_EXIT_INSN()]), 8);
    expect(decodeInsns(buf.subarray(8))).toEqual([A.BPF_MOV64_IMM(1, -2), A.BPF_EXIT_INSN()]);
  });

  it("rejects a truncated slot", () => {
    expect(() => decodeInsns(new Uint8Array(12))).toThrow(/multiple of 8/);
  });

  it("rejects fields that do not fit", () => {
    const ok: BpfInsn = { code: 0, dst_reg: 0, src_reg: 0, off: 0, imm: 0 };
    const bad: [Partial<BpfInsn>, RegExp][] = [
      [{ code: 0x100 }, /code 256/],
      [{ dst_reg: 16 }, /dst_reg 16/],
      [{ src_reg: -1 }, /src_reg -1/],
      [{ off: 0x8000 }, /off 32768/],
      [{ off: -0x8001 }, /off -32769/],
      [{ imm: 0x80000000 }, /imm 2147483648/],
      [{ imm: 1.5 }, /imm 1.5/],
      [{ imm: NaN }, /imm NaN/],
    ];
    for (const [patch, msg] of bad) {
      expect(() => encodeInsns([ok, { ...ok, ...patch }])).toThrow(msg);
      expect(() => encodeInsns([ok, { ...ok, ...patch }])).toThrow(/instruction 1/);
    }
    expect(() => checkInsn({ ...ok, imm: -0x80000000 })).not.toThrow();
  });
});

describe("constructors", () => {
  it("validate operands", () => {
    expect(() => A.BPF_MOV64_REG(11, 1)).toThrow(/BPF_ALU64_REG: dst r11 is not a BPF register/);
    expect(() => A.BPF_LDX_MEM(BPF_W, 1, -1, 0)).toThrow(/src r-1/);
    expect(() => A.BPF_MOVSX32_REG(1, 2, 32 as 16)).toThrow(/bits 32/);
    expect(() => A.BPF_LDX_MEMSX(BPF_DW, 1, 2, 0)).toThrow(/size 24/);
    expect(() => A.BPF_ATOMIC_OP(BPF_H, BPF_ADD, 1, 2, 0)).toThrow(/size 8/);
    expect(() => A.BPF_ENDIAN(true, 1, 8 as 16)).toThrow(/bits 8/);
    expect(() => A.BPF_JMP_A(0x8000)).toThrow(/BPF_JMP_A: off 32768/);
    expect(() => A.BPF_MOV64_IMM(0, 0xffffffff)).toThrow(/imm 4294967295/);
    expect(() => A.BPF_LD_IMM64(1, 1n << 64n)).toThrow(/does not fit/);
    expect(() => A.BPF_LD_IMM64(1, -(1n << 63n) - 1n)).toThrow(/does not fit/);
  });

  it("split 64-bit immediates into two slots", () => {
    const [lo, hi] = A.BPF_LD_IMM64(BPF_REG_1, 0xffffffff00000001n);
    expect(isLdImm64(lo)).toBe(true);
    expect(lo).toEqual({ code: 0x18, dst_reg: 1, src_reg: 0, off: 0, imm: 1 });
    expect(hi).toEqual({ code: 0, dst_reg: 0, src_reg: 0, off: 0, imm: -1 });
    expect(A.BPF_LD_IMM64(BPF_REG_0, -2n)).toEqual(A.BPF_LD_IMM64(BPF_REG_0, 0xfffffffffffffffen));
  });
});

describe("disassembler", () => {
  const cases: [BpfInsn | BpfInsn[], string][] = [
    [A.BPF_MOV64_REG(1, 6), "r1 = r6"],
    [A.BPF_MOV32_REG(1, 0), "w1 = w0"],
    [A.BPF_MOV64_IMM(0, -1), "r0 = -0x1"],
    [A.BPF_MOV32_IMM(3, 0), "w3 = 0x0"],
    [A.BPF_ALU64_IMM(BPF_ADD, 2, -20), "r2 += -0x14"],
    [A.BPF_ALU32_REG(BPF_OR, 2, 3), "w2 |= w3"],
    [A.BPF_ALU64_REG(BPF_AND, 2, 3), "r2 &= r3"],
    [A.BPF_ALU64_IMM(BPF_DIV, 2, 3), "r2 /= 0x3"],
    [A.BPF_JMP32_IMM(BPF_JNE, 1, 0, 6), "if w1 != 0x0 goto +0x6"],
    [A.BPF_JMP_IMM(BPF_JEQ, 6, 0, 24), "if r6 == 0x0 goto +0x18"],
    [A.BPF_JMP_REG(BPF_JSGT, 1, 2, -3), "if r1 s> r2 goto -0x3"],
    [A.BPF_ST_MEM(BPF_W, 10, -20, 4), "*(u32 *)(r10 - 0x14) = 0x4"],
    [A.BPF_STX_MEM(BPF_DW, 10, 1, -8), "*(u64 *)(r10 - 0x8) = r1"],
    [A.BPF_LDX_MEM(BPF_W, 1, 6, 0), "r1 = *(u32 *)(r6 + 0x0)"],
    [A.BPF_LDX_MEMSX(BPF_W, 1, 6, 0), "r1 = *(s32 *)(r6 + 0x0)"],
    [A.BPF_LD_IMM64(1, 0n), "r1 = 0x0 ll"],
    [A.BPF_LD_IMM64(1, 5n, BPF_PSEUDO_MAP_FD), "ld_pseudo\tr1, 0x1, 0x5"],
    [A.BPF_CALL_HELPER(2), "call 0x2"],
    [A.BPF_CALL_PSEUDO(-1), "call -0x1"],
    [A.BPF_EXIT_INSN(), "exit"],
    [A.BPF_JMP_A(3), "goto +0x3"],
    [A.BPF_JMP32_A(-100000), "gotol -0x186a0"],
    [A.BPF_MOVSX64_REG(1, 2, 8), "r1 = (s8)r2"],
    [A.BPF_MOVSX32_REG(1, 2, 16), "w1 = (s16)w2"],
    [A.BPF_SDIV64_REG(1, 2), "r1 s/= r2"],
    [A.BPF_SMOD64_REG(1, 2), "r1 s%= r2"],
    [A.BPF_SMOD32_IMM(1, -7), "w1 s%= -0x7"],
    [A.BPF_ENDIAN(true, 1, 16), "r1 = be16 r1"],
    [A.BPF_ENDIAN(false, 1, 32), "r1 = le32 r1"],
    [A.BPF_BSWAP(1, 16), "r1 = bswap16 r1"],
    [A.BPF_ATOMIC_OP(BPF_DW, BPF_ADD, 1, 2, 0), "lock *(u64 *)(r1 + 0x0) += r2"],
    [A.BPF_ATOMIC_OP(BPF_DW, BPF_AND | BPF_FETCH, 1, 2, 0), "r2 = atomic_fetch_and((u64 *)(r1 + 0x0), r2)"],
    [A.BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, 1, 2, 0), "r2 = xchg_64(r1 + 0x0, r2)"],
    [A.BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, 1, 2, 0), "r0 = cmpxchg_64(r1 + 0x0, r0, r2)"],
    [A.BPF_NEG64(1), "r1 = -r1"],
    [A.BPF_NEG32(1), "w1 = -w1"],
  ];
  for (const [insn, text] of cases) {
    it(`prints ${text}`, () => {
      expect(disassemble(Array.isArray(insn) ? insn : [insn])).toEqual([text]);
    });
  }

  it("uses w registers for narrow memory ops and atomics with alu32", () => {
    const insns = [
      A.BPF_LDX_MEM(BPF_H, 1, 2, 4), A.BPF_STX_MEM(BPF_B, 10, 1, -1), A.BPF_LDX_MEM(BPF_DW, 1, 2, 0),
      A.BPF_ATOMIC_OP(BPF_W, BPF_ADD | BPF_FETCH, 1, 2, 0), A.BPF_ATOMIC_OP(BPF_W, BPF_XOR, 1, 2, 0),
      A.BPF_ATOMIC_OP(BPF_W, BPF_CMPXCHG, 1, 2, 0),
    ];
    expect(disassemble(insns, { alu32: true })).toEqual([
      "w1 = *(u16 *)(r2 + 0x4)", "*(u8 *)(r10 - 0x1) = w1", "r1 = *(u64 *)(r2 + 0x0)",
      "w2 = atomic_fetch_add((u32 *)(r1 + 0x0), w2)", "lock *(u32 *)(r1 + 0x0) ^= w2",
      "w0 = cmpxchg32_32(r1 + 0x0, w0, w2)",
    ]);
    // Without alu32, LLVM only knows the legacy 32-bit xadd and ignores the fetch bit.
    expect(disassemble(insns)).toEqual([
      "r1 = *(u16 *)(r2 + 0x4)", "*(u8 *)(r10 - 0x1) = r1", "r1 = *(u64 *)(r2 + 0x0)",
      "lock *(u32 *)(r1 + 0x0) += r2", "<unknown>", "<unknown>",
    ]);
  });

  it("numbers lines by slot, ld_imm64 taking two", () => {
    const insns = [...A.BPF_LD_IMM64(1, 0x100000000n), A.BPF_MOV64_IMM(0, 0), A.BPF_EXIT_INSN()];
    expect(disassemble(insns, { indices: true })).toEqual([
      "       0:\tr1 = 0x100000000 ll", "       2:\tr0 = 0x0", "       3:\texit",
    ]);
    expect(formatInsn(insns, 0)).toEqual({ text: "r1 = 0x100000000 ll", slots: 2 });
    expect(formatInsn(insns, 2)).toEqual({ text: "r0 = 0x0", slots: 1 });
    expect(() => formatInsn(insns, 4)).toThrow(/no instruction at index 4/);
    expect(formatIndex(12)).toBe("      12:\t");
    expect(formatIndex(123456789)).toBe("123456789:\t");
  });

  it("prints <unknown> for encodings LLVM rejects", () => {
    const [lo] = A.BPF_LD_IMM64(1, 1n);
    expect(disassemble([lo])).toEqual(["<unknown>"]); // truncated ld_imm64
    expect(disassemble([A.BPF_RAW_INSN(BPF_JMP | 0xf0, 0, 0, 0, 0)])).toEqual(["<unknown>"]);
    expect(disassemble([A.BPF_RAW_INSN(BPF_ALU64 | BPF_ADD | BPF_X, 1, 2, 1, 0)])).toEqual(["<unknown>"]);
    expect(disassemble([A.BPF_RAW_INSN(BPF_ALU64 | BPF_MOV | BPF_X, 12, 2, 0, 0)])).toEqual(["<unknown>"]);
    expect(disassemble([A.BPF_RAW_INSN(BPF_ALU64 | BPF_DIV | BPF_K, 1, 0, 2, 0)])).toEqual(["<unknown>"]);
  });
});
