/**
 * eBPF opcode constants.
 *
 * Names and values are the kernel's (include/uapi/linux/bpf.h,
 * include/uapi/linux/bpf_common.h, include/linux/filter.h) so that code
 * building instructions reads like kernel/libbpf code.
 *
 * An opcode byte is `class | ...`:
 *   ALU/JMP classes:    op (4 bits) | source (1 bit) | class (3 bits)
 *   load/store classes: mode (3 bits) | size (2 bits) | class (3 bits)
 */

// ---- instruction classes (low 3 bits) ---------------------------------------
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

// ---- load/store sizes ---------------------------------------------------------
export const BPF_W = 0x00; // 32-bit
export const BPF_H = 0x08; // 16-bit
export const BPF_B = 0x10; // 8-bit
export const BPF_DW = 0x18; // 64-bit

// ---- load/store modes -----------------------------------------------------------
export const BPF_IMM = 0x00; // only BPF_LD | BPF_IMM | BPF_DW (ld_imm64) is valid in eBPF
export const BPF_ABS = 0x20; // legacy packet access (socket filters)
export const BPF_IND = 0x40; // legacy packet access (socket filters)
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80; // sign-extending load (ISA v4)
export const BPF_ATOMIC = 0xc0;

// ---- ALU operations (high 4 bits) -------------------------------------------------
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30; // off=1: signed (ISA v4)
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90; // off=1: signed (ISA v4)
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0; // off=8/16/32: sign-extending move (ISA v4)
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0; // byte swap; imm = 16/32/64

// ---- jump operations (high 4 bits) -------------------------------------------------
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;
export const BPF_JCOND = 0xe0; // pseudo jumps (may_goto), src_reg selects which

/** src_reg of a BPF_JMP | BPF_JCOND instruction. */
export const BPF_MAY_GOTO = 0;

// ---- source operand (bit 3) ----------------------------------------------------
export const BPF_K = 0x00; // use the 32-bit imm
export const BPF_X = 0x08; // use src_reg

// ---- byte order for BPF_ALU | BPF_END (in the source bit) ------------------------
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;
export const BPF_FROM_LE = BPF_TO_LE;
export const BPF_FROM_BE = BPF_TO_BE;

// ---- atomic operations (in imm of BPF_STX | BPF_ATOMIC) -------------------------------
// BPF_ADD/BPF_AND/BPF_OR/BPF_XOR are reused; BPF_FETCH makes them return the old value.
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;

// ---- off of BPF_ALU64 | BPF_MOV | BPF_X: arena pointer cast ------------------------------
export const BPF_ADDR_SPACE_CAST = 1;

// ---- src_reg of ld_imm64 (BPF_LD | BPF_IMM | BPF_DW) ----------------------------------
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

// ---- src_reg of BPF_JMP | BPF_CALL ------------------------------------------------
// 0 means a helper call (imm = helper id).
export const BPF_PSEUDO_CALL = 1; // bpf-to-bpf call, imm = pc-relative target - 1
export const BPF_PSEUDO_KFUNC_CALL = 2; // kfunc call, imm = BTF id

// ---- registers ----------------------------------------------------------------
export const BPF_REG_0 = 0;
export const BPF_REG_1 = 1;
export const BPF_REG_2 = 2;
export const BPF_REG_3 = 3;
export const BPF_REG_4 = 4;
export const BPF_REG_5 = 5;
export const BPF_REG_6 = 6;
export const BPF_REG_7 = 7;
export const BPF_REG_8 = 8;
export const BPF_REG_9 = 9;
export const BPF_REG_10 = 10;
export const MAX_BPF_REG = 11;

// filter.h aliases for the calling convention.
export const BPF_REG_ARG1 = BPF_REG_1;
export const BPF_REG_ARG2 = BPF_REG_2;
export const BPF_REG_ARG3 = BPF_REG_3;
export const BPF_REG_ARG4 = BPF_REG_4;
export const BPF_REG_ARG5 = BPF_REG_5;
export const BPF_REG_CTX = BPF_REG_6;
export const BPF_REG_FP = BPF_REG_10; // read-only frame pointer

// ---- field extraction (bpf_common.h) ----------------------------------------------
export const BPF_CLASS = (code: number): number => code & 0x07;
export const BPF_SIZE = (code: number): number => code & 0x18;
export const BPF_MODE = (code: number): number => code & 0xe0;
export const BPF_OP = (code: number): number => code & 0xf0;
export const BPF_SRC = (code: number): number => code & 0x08;

/** Width in bytes of a BPF_W/BPF_H/BPF_B/BPF_DW size field. */
export function bpfSizeBytes(size: number): 1 | 2 | 4 | 8 {
  switch (size & 0x18) {
    case BPF_W: return 4;
    case BPF_H: return 2;
    case BPF_B: return 1;
    default: return 8;
  }
}

/** The size field for an access of `bytes` bytes. */
export function bpfSizeFromBytes(bytes: number): number {
  switch (bytes) {
    case 1: return BPF_B;
    case 2: return BPF_H;
    case 4: return BPF_W;
    case 8: return BPF_DW;
    default: throw new Error(`bpf: no load/store size for ${bytes} bytes`);
  }
}
