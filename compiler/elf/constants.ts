/**
 * ELF constants used by the BPF object writer/reader.
 *
 * Names follow the ELF specification (System V gABI), <elf.h> and the
 * kernel / LLVM BPF backend (relocation types).
 */

// ---- e_ident -------------------------------------------------------------
export const ELFMAG = [0x7f, 0x45, 0x4c, 0x46] as const; // "\x7fELF"
export const EI_CLASS = 4;
export const EI_DATA = 5;
export const EI_VERSION = 6;
export const EI_OSABI = 7;
export const EI_NIDENT = 16;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const EV_CURRENT = 1;
export const ELFOSABI_NONE = 0;

// ---- e_type / e_machine --------------------------------------------------
export const ET_NONE = 0;
export const ET_REL = 1;
export const EM_NONE = 0;
export const EM_BPF = 247;

// ---- sizes of ELF64 structures -------------------------------------------
export const ELF64_EHDR_SIZE = 64;
export const ELF64_SHDR_SIZE = 64;
export const ELF64_SYM_SIZE = 24;
export const ELF64_REL_SIZE = 16;
export const ELF64_RELA_SIZE = 24;

// ---- special section indexes ---------------------------------------------
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

// ---- section types ---------------------------------------------------------
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
/** LLVM address-significance table; libbpf ignores it. */
export const SHT_LLVM_ADDRSIG = 0x6fff4c03;

// ---- section flags ---------------------------------------------------------
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHF_MERGE = 0x10;
export const SHF_STRINGS = 0x20;
export const SHF_INFO_LINK = 0x40;
export const SHF_EXCLUDE = 0x80000000;

// ---- symbol types / bindings / visibility ---------------------------------
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

export const STV_DEFAULT = 0;
export const STV_INTERNAL = 1;
export const STV_HIDDEN = 2;
export const STV_PROTECTED = 3;

// ---- BPF relocation types (llvm/BinaryFormat/ELFRelocs/BPF.def) -----------
export const R_BPF_NONE = 0;
/** ld_imm64 (insn pair): map / global data / subprog address loads. */
export const R_BPF_64_64 = 1;
/** 64-bit absolute data (e.g. pointers inside `.maps`, DWARF). */
export const R_BPF_64_ABS64 = 2;
/** 32-bit absolute data (DWARF, .BTF). */
export const R_BPF_64_ABS32 = 3;
/** 32-bit data that must not be resolved by a dynamic loader (.BTF, .BTF.ext). */
export const R_BPF_64_NODYLD32 = 4;
/** `call` instruction imm (bpf-to-bpf or kfunc call). */
export const R_BPF_64_32 = 10;

export const R_BPF_NAMES: Readonly<Record<number, string>> = {
  [R_BPF_NONE]: "R_BPF_NONE",
  [R_BPF_64_64]: "R_BPF_64_64",
  [R_BPF_64_ABS64]: "R_BPF_64_ABS64",
  [R_BPF_64_ABS32]: "R_BPF_64_ABS32",
  [R_BPF_64_NODYLD32]: "R_BPF_64_NODYLD32",
  [R_BPF_64_32]: "R_BPF_64_32",
};

/** Size of one BPF instruction in bytes. */
export const BPF_INSN_SIZE = 8;
/** Opcode byte of `ld_imm64` (BPF_LD | BPF_IMM | BPF_DW). */
export const BPF_OP_LD_IMM64 = 0x18;
/** Opcode byte of `call` (BPF_JMP | BPF_CALL). */
export const BPF_OP_CALL = 0x85;
/** src_reg value of a bpf-to-bpf call (BPF_PSEUDO_CALL). */
export const BPF_PSEUDO_CALL = 1;
/** src_reg value of an ld_imm64 loading a subprogram address (BPF_PSEUDO_FUNC). */
export const BPF_PSEUDO_FUNC = 4;

// ---- ELF64 info packing helpers -------------------------------------------
export function ELF64_ST_INFO(bind: number, type: number): number {
  return ((bind & 0xf) << 4) | (type & 0xf);
}
export function ELF64_ST_BIND(info: number): number {
  return info >>> 4;
}
export function ELF64_ST_TYPE(info: number): number {
  return info & 0xf;
}
export function ELF64_ST_VISIBILITY(other: number): number {
  return other & 0x3;
}
