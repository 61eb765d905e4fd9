/**
 * The eBPF instruction slot and its binary encoding.
 *
 * One BpfInsn is one 8-byte slot, like the kernel's `struct bpf_insn`. The
 * 64-bit immediate load (ld_imm64) occupies two slots; the second has code 0
 * and carries the upper 32 bits in imm.
 *
 * Encoding is little-endian only: BPF objects produced by tsbpf target
 * little-endian hosts (bpfel), like clang's default `-target bpf` on x86/arm64.
 */
import { BPF_DW, BPF_IMM, BPF_LD } from "./opcodes.js";

export interface BpfInsn {
  /** opcode byte (u8) */
  code: number;
  /** destination register (4 bits) */
  dst_reg: number;
  /** source register or pseudo marker (4 bits) */
  src_reg: number;
  /** signed 16-bit offset */
  off: number;
  /** signed 32-bit immediate */
  imm: number;
}

/** Size of one instruction slot in bytes. */
export const BPF_INSN_SIZE = 8;

/** The opcode of the first slot of a 64-bit immediate load. */
export const BPF_LD_IMM64_CODE = BPF_LD | BPF_IMM | BPF_DW;

export function isLdImm64(insn: BpfInsn): boolean {
  return insn.code === BPF_LD_IMM64_CODE;
}

function checkField(name: string, v: number, min: number, max: number, where: string): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new Error(`bpf: ${where}: ${name} ${v} is out of range [${min}, ${max}]`);
  }
}

/**
 * Throws if a field does not fit its encoding. Out-of-range fields are
 * compiler bugs, so this is a plain Error, not a diagnostic.
 */
export function checkInsn(insn: BpfInsn, where = "instruction"): void {
  checkField("code", insn.code, 0, 0xff, where);
  checkField("dst_reg", insn.dst_reg, 0, 15, where);
  checkField("src_reg", insn.src_reg, 0, 15, where);
  checkField("off", insn.off, -0x8000, 0x7fff, where);
  checkField("imm", insn.imm, -0x80000000, 0x7fffffff, where);
}

export function encodeInsns(insns: readonly BpfInsn[]): Uint8Array {
  const out = new Uint8Array(insns.length * BPF_INSN_SIZE);
  const view = new DataView(out.buffer);
  insns.forEach((insn, i) => {
    checkInsn(insn, `instruction ${i}`);
    const p = i * BPF_INSN_SIZE;
    view.setUint8(p, insn.code);
    view.setUint8(p + 1, (insn.src_reg << 4) | insn.dst_reg);
    view.setInt16(p + 2, insn.off, true);
    view.setInt32(p + 4, insn.imm, true);
  });
  return out;
}

export function decodeInsns(bytes: Uint8Array): BpfInsn[] {
  if (bytes.length % BPF_INSN_SIZE !== 0) {
    throw new Error(`bpf: code size ${bytes.length} is not a multiple of ${BPF_INSN_SIZE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const insns: BpfInsn[] = [];
  for (let p = 0; p < bytes.length; p += BPF_INSN_SIZE) {
    const regs = view.getUint8(p + 1);
    insns.push({
      code: view.getUint8(p),
      dst_reg: regs & 0x0f,
      src_reg: regs >> 4,
      off: view.getInt16(p + 2, true),
      imm: view.getInt32(p + 4, true),
    });
  }
  return insns;
}
