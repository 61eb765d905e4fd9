/**
 * A disassembler whose text matches `llvm-objdump-19 -d --no-show-raw-insn`
 * byte for byte (without the ` <sym+0x..>` suffix objdump adds to jumps), so
 * tsbpf output can be diffed against clang's.
 *
 * It reproduces LLVM's decoder, quirks included: an encoding LLVM does not
 * recognise prints `<unknown>` and occupies one slot, and which encodings
 * LLVM recognises depends on whether the alu32 feature is on (see
 * DisasmOptions.alu32). Fields LLVM ignores for a given form are ignored here.
 */
import type { BpfInsn } from "./insn.js";
import {
  BPF_ABS, BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_ATOMIC, BPF_CALL, BPF_CLASS, BPF_CMPXCHG,
  BPF_DIV, BPF_DW, BPF_END, BPF_EXIT, BPF_IMM, BPF_IND, BPF_JA, BPF_JCOND, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JLE, BPF_JLT, BPF_JMP, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_LD,
  BPF_LDX, BPF_LSH, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MODE, BPF_MOV, BPF_MUL, BPF_NEG, BPF_OP, BPF_OR,
  BPF_RSH, BPF_SIZE, BPF_SRC, BPF_ST, BPF_STX, BPF_SUB, BPF_X, BPF_XCHG, BPF_XOR, bpfSizeBytes,
} from "./opcodes.js";

export interface DisasmOptions {
  /**
   * Decode as LLVM does with the alu32 feature, i.e. `llvm-objdump --mcpu=v3`
   * or `--mcpu=v4`: 8/16/32-bit LDX/STX use w registers and 32-bit atomics
   * decode fully. Default false matches plain `llvm-objdump -d`, which prints
   * `r1 = *(u32 *)(r2 + 0x0)`, shows 32-bit fetch-add as `lock ... +=` and
   * prints `<unknown>` for other 32-bit atomics.
   */
  alu32?: boolean;
  /** Prefix each line with the slot index the way objdump does: `      12:\t`. */
  indices?: boolean;
}

const UNKNOWN = "<unknown>";

/** objdump's prefix for the instruction at slot `index`. */
export function formatIndex(index: number): string {
  return `${String(index).padStart(8)}:\t`;
}

/** Hex with a leading minus for negatives, as LLVM's formatImm prints. */
function hex(v: number | bigint): string {
  return v < 0 ? `-0x${(-BigInt(v)).toString(16)}` : `0x${v.toString(16)}`;
}

/** Jump displacement: always signed. */
function disp(v: number): string {
  return v < 0 ? hex(v) : `+${hex(v)}`;
}

/** LLVM knows r0..r11 (r11 is its internal stack pointer); 12..15 fail to decode. */
function gpr(r: number, prefix: "r" | "w"): string | undefined {
  return r <= 11 ? `${prefix}${r}` : undefined;
}

function mem(base: number, off: number): string | undefined {
  const b = gpr(base, "r");
  return b && `${b} ${off < 0 ? "-" : "+"} ${hex(Math.abs(off))}`;
}

const ALU_OPS: Record<number, string> = {
  [BPF_ADD]: "+=", [BPF_SUB]: "-=", [BPF_MUL]: "*=", [BPF_OR]: "|=", [BPF_AND]: "&=",
  [BPF_LSH]: "<<=", [BPF_RSH]: ">>=", [BPF_XOR]: "^=", [BPF_ARSH]: "s>>=",
};

const JMP_OPS: Record<number, string> = {
  [BPF_JEQ]: "==", [BPF_JGT]: ">", [BPF_JGE]: ">=", [BPF_JSET]: "&", [BPF_JNE]: "!=",
  [BPF_JSGT]: "s>", [BPF_JSGE]: "s>=", [BPF_JLT]: "<", [BPF_JLE]: "<=", [BPF_JSLT]: "s<", [BPF_JSLE]: "s<=",
};

const ATOMIC_NAMES: Record<number, [string, string]> = {
  [BPF_ADD]: ["+", "add"], [BPF_AND]: ["&", "and"], [BPF_OR]: ["|", "or"], [BPF_XOR]: ["^", "xor"],
};

function formatAlu(i: BpfInsn): string | undefined {
  const is64 = BPF_CLASS(i.code) === BPF_ALU64;
  const p = is64 ? "r" : "w";
  const op = BPF_OP(i.code);
  const x = BPF_SRC(i.code) === BPF_X;
  const d = gpr(i.dst_reg, p);
  if (!d) return undefined;
  const rhs = () => (x ? gpr(i.src_reg, p) : hex(i.imm));
  const withRhs = (opText: string) => {
    const r = rhs();
    return r && `${d} ${opText} ${r}`;
  };

  if (op in ALU_OPS) return i.off === 0 ? withRhs(ALU_OPS[op]) : undefined;
  switch (op) {
    case BPF_DIV:
    case BPF_MOD: {
      const sym = op === BPF_DIV ? "/=" : "%=";
      if (i.off === 0) return withRhs(sym);
      if (i.off === 1) return withRhs("s" + sym);
      return undefined;
    }
    case BPF_NEG:
      return x ? undefined : `${d} = -${d}`;
    case BPF_MOV: {
      if (!x) return i.off === 0 ? `${d} = ${hex(i.imm)}` : undefined;
      const s = gpr(i.src_reg, p);
      if (!s) return undefined;
      if (i.off === 0) return `${d} = ${s}`;
      if (i.off === 8 || i.off === 16 || (is64 && i.off === 32)) return `${d} = (s${i.off})${s}`;
      if (is64 && i.off === 1) {
        // addr_space_cast(src, dst address space, src address space)
        return `${d} = addr_space_cast(${s}, ${hex(i.imm >>> 16)}, ${hex(i.imm & 0xffff)})`;
      }
      return undefined;
    }
    case BPF_END: {
      if (i.imm !== 16 && i.imm !== 32 && i.imm !== 64) return undefined;
      // LLVM prints byte swaps on the 64-bit register in both classes.
      const r = gpr(i.dst_reg, "r");
      if (!r) return undefined;
      if (!is64) return `${r} = ${x ? "be" : "le"}${i.imm} ${r}`;
      return x ? undefined : `${r} = bswap${i.imm} ${r}`;
    }
  }
  return undefined;
}

function formatJmp(i: BpfInsn): string | undefined {
  const is64 = BPF_CLASS(i.code) === BPF_JMP;
  const op = BPF_OP(i.code);
  const x = BPF_SRC(i.code) === BPF_X;
  if (op in JMP_OPS) {
    const p = is64 ? "r" : "w";
    const d = gpr(i.dst_reg, p);
    const s = x ? gpr(i.src_reg, p) : hex(i.imm);
    return d && s && `if ${d} ${JMP_OPS[op]} ${s} goto ${disp(i.off)}`;
  }
  if (op === BPF_JA) {
    if (x) return undefined;
    return is64 ? `goto ${disp(i.off)}` : `gotol ${disp(i.imm)}`;
  }
  if (!is64) return undefined;
  switch (op) {
    case BPF_CALL: {
      if (!x) return `call ${hex(i.imm)}`;
      const d = gpr(i.dst_reg, "r");
      return d && `callx ${d}`;
    }
    case BPF_EXIT:
      return !x && i.imm === 0 ? "exit" : undefined;
    case BPF_JCOND:
      return x ? undefined : `may_goto ${disp(i.off)}`;
  }
  return undefined;
}

function formatAtomic(i: BpfInsn, alu32: boolean): string | undefined {
  const size = BPF_SIZE(i.code);
  if (size !== BPF_DW && size !== 0 /* BPF_W */) return undefined;
  const is64 = size === BPF_DW;
  // Narrow atomics only decode fully with alu32; without it LLVM knows just
  // the legacy `lock xadd` and matches it ignoring the fetch bit.
  if (!is64 && !alu32) {
    if ((i.imm & 0xf0) !== BPF_ADD) return undefined;
    const a = mem(i.dst_reg, i.off);
    const s = gpr(i.src_reg, "r");
    return a && s && `lock *(u32 *)(${a}) += ${s}`;
  }
  const p = is64 ? "r" : "w";
  const ty = is64 ? "u64" : "u32";
  const a = mem(i.dst_reg, i.off);
  const s = gpr(i.src_reg, p);
  if (!a || !s) return undefined;
  // LLVM looks only at the low byte of imm: op in bits 7-4, BPF_FETCH in 3-0.
  const op = i.imm & 0xf0;
  const fetch = (i.imm & 0x0f) === 1;
  const names = ATOMIC_NAMES[op];
  if (names) {
    return fetch ? `${s} = atomic_fetch_${names[1]}((${ty} *)(${a}), ${s})` : `lock *(${ty} *)(${a}) ${names[0]}= ${s}`;
  }
  if (!fetch) return undefined;
  const bits = is64 ? "64" : "32_32";
  if (op === (BPF_XCHG & 0xf0)) return `${s} = xchg${is64 ? "_" : ""}${bits}(${a}, ${s})`;
  if (op === (BPF_CMPXCHG & 0xf0)) return `${p}0 = cmpxchg${is64 ? "_" : ""}${bits}(${a}, ${p}0, ${s})`;
  return undefined;
}

function formatLdSt(i: BpfInsn, alu32: boolean): string | undefined {
  const cls = BPF_CLASS(i.code);
  const mode = BPF_MODE(i.code);
  const size = BPF_SIZE(i.code);
  const bits = bpfSizeBytes(size) * 8;
  // With alu32, LLVM decodes sub-64-bit LDX/STX (BPF_MEM and BPF_ATOMIC) from
  // its 32-bit subregister table, so the value register is printed as wN.
  const narrow = alu32 && size !== BPF_DW;
  switch (cls) {
    case BPF_LD: {
      if (mode === BPF_ABS && size !== BPF_DW) return `r0 = *(u${bits} *)skb[${hex(i.imm)}]`;
      if (mode === BPF_IND && size !== BPF_DW) {
        const s = gpr(i.src_reg, "r");
        return s && `r0 = *(u${bits} *)skb[${s}]`;
      }
      return undefined; // ld_imm64 is handled by the caller
    }
    case BPF_LDX: {
      const a = mem(i.src_reg, i.off);
      if (mode === BPF_MEM) {
        const d = gpr(i.dst_reg, narrow ? "w" : "r");
        return a && d && `${d} = *(u${bits} *)(${a})`;
      }
      if (mode === BPF_MEMSX && size !== BPF_DW) {
        const d = gpr(i.dst_reg, "r");
        return a && d && `${d} = *(s${bits} *)(${a})`;
      }
      return undefined;
    }
    case BPF_ST: {
      if (mode !== BPF_MEM) return undefined;
      const a = mem(i.dst_reg, i.off);
      return a && `*(u${bits} *)(${a}) = ${hex(i.imm)}`;
    }
    case BPF_STX: {
      if (mode === BPF_ATOMIC) return formatAtomic(i, alu32);
      if (mode !== BPF_MEM) return undefined;
      const a = mem(i.dst_reg, i.off);
      const s = gpr(i.src_reg, narrow ? "w" : "r");
      return a && s && `*(u${bits} *)(${a}) = ${s}`;
    }
  }
  return undefined;
}

function formatLdImm64(lo: BpfInsn, hi: BpfInsn | undefined): string | undefined {
  // LLVM requires off == 0 and reads only imm from the second slot.
  if (hi === undefined || lo.off !== 0) return undefined;
  const d = gpr(lo.dst_reg, "r");
  if (!d) return undefined;
  if (lo.src_reg === 0) {
    const v = (BigInt(hi.imm) << 32n) | BigInt(lo.imm >>> 0);
    return `${d} = ${hex(BigInt.asIntN(64, v))} ll`;
  }
  // A pseudo load (map fd, BTF id, ...): LLVM shows the marker and the low word only.
  return `ld_pseudo\t${d}, ${hex(lo.src_reg)}, ${hex(lo.imm >>> 0)}`;
}

/**
 * Text of the instruction starting at slot `index` and how many slots it
 * covers (2 for a complete ld_imm64, otherwise 1).
 */
export function formatInsn(insns: readonly BpfInsn[], index: number, opts: DisasmOptions = {}): { text: string; slots: number } {
  const i = insns[index];
  if (i === undefined) throw new Error(`bpf: no instruction at index ${index}`);
  if (BPF_CLASS(i.code) === BPF_LD && BPF_MODE(i.code) === BPF_IMM && BPF_SIZE(i.code) === BPF_DW) {
    // A truncated ld_imm64 at the end is `<unknown>` (objdump then prints one
    // `<unknown>` per remaining byte; we print one line per slot).
    const text = formatLdImm64(i, insns[index + 1]);
    return text === undefined ? { text: UNKNOWN, slots: 1 } : { text, slots: 2 };
  }
  let text: string | undefined;
  switch (BPF_CLASS(i.code)) {
    case BPF_ALU:
    case BPF_ALU64:
      text = formatAlu(i);
      break;
    case BPF_JMP:
    case BPF_JMP32:
      text = formatJmp(i);
      break;
    default:
      text = formatLdSt(i, opts.alu32 ?? false);
  }
  return { text: text ?? UNKNOWN, slots: 1 };
}

/** One line per instruction (a ld_imm64 pair is one line). */
export function disassemble(insns: readonly BpfInsn[], opts: DisasmOptions = {}): string[] {
  const lines: string[] = [];
  for (let idx = 0; idx < insns.length; ) {
    const { text, slots } = formatInsn(insns, idx, opts);
    lines.push(opts.indices ? formatIndex(idx) + text : text);
    idx += slots;
  }
  return lines;
}
