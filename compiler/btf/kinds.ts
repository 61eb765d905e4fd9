/**
 * BTF constants, named as in the kernel's include/uapi/linux/btf.h and
 * include/uapi/linux/bpf.h (struct bpf_core_relo kinds).
 */

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;

/** sizeof(struct btf_header) */
export const BTF_HEADER_SIZE = 24;
/** sizeof(struct btf_ext_header) including the CO-RE fields, as clang writes it. */
export const BTF_EXT_HEADER_SIZE = 32;
/** sizeof(struct btf_type) */
export const BTF_TYPE_SIZE = 12;

/** Record sizes in .BTF.ext (bpf_func_info, bpf_line_info, bpf_core_relo). */
export const BTF_FUNC_INFO_SIZE = 8;
export const BTF_LINE_INFO_SIZE = 16;
export const BTF_CORE_RELO_SIZE = 16;
/** sizeof(struct btf_ext_info_sec) without its records: sec_name_off, num_info. */
export const BTF_EXT_INFO_SEC_SIZE = 8;

/** Size of one BPF instruction; .BTF.ext insn_off fields count bytes. */
export const BPF_INSN_SIZE = 8;

export const BTF_KIND_UNKN = 0;
export const BTF_KIND_INT = 1;
export const BTF_KIND_PTR = 2;
export const BTF_KIND_ARRAY = 3;
export const BTF_KIND_STRUCT = 4;
export const BTF_KIND_UNION = 5;
export const BTF_KIND_ENUM = 6;
export const BTF_KIND_FWD = 7;
export const BTF_KIND_TYPEDEF = 8;
export const BTF_KIND_VOLATILE = 9;
export const BTF_KIND_CONST = 10;
export const BTF_KIND_RESTRICT = 11;
export const BTF_KIND_FUNC = 12;
export const BTF_KIND_FUNC_PROTO = 13;
export const BTF_KIND_VAR = 14;
export const BTF_KIND_DATASEC = 15;
export const BTF_KIND_FLOAT = 16;
export const BTF_KIND_DECL_TAG = 17;
export const BTF_KIND_TYPE_TAG = 18;
export const BTF_KIND_ENUM64 = 19;
export const BTF_KIND_MAX = BTF_KIND_ENUM64;

/** Kind names as bpftool prints them (index = kind). */
export const BTF_KIND_NAMES: readonly string[] = [
  "UNKNOWN",
  "INT",
  "PTR",
  "ARRAY",
  "STRUCT",
  "UNION",
  "ENUM",
  "FWD",
  "TYPEDEF",
  "VOLATILE",
  "CONST",
  "RESTRICT",
  "FUNC",
  "FUNC_PROTO",
  "VAR",
  "DATASEC",
  "FLOAT",
  "DECL_TAG",
  "TYPE_TAG",
  "ENUM64",
];

/** BTF_KIND_INT encoding bits (bits 24..27 of the int's extra word). */
export const BTF_INT_SIGNED = 1 << 0;
export const BTF_INT_CHAR = 1 << 1;
export const BTF_INT_BOOL = 1 << 2;
export type BtfIntEncoding = 0 | typeof BTF_INT_SIGNED | typeof BTF_INT_CHAR | typeof BTF_INT_BOOL;

/** BTF_KIND_FUNC linkage (stored in vlen). */
export const BTF_FUNC_STATIC = 0;
export const BTF_FUNC_GLOBAL = 1;
export const BTF_FUNC_EXTERN = 2;
export type BtfFuncLinkage = typeof BTF_FUNC_STATIC | typeof BTF_FUNC_GLOBAL | typeof BTF_FUNC_EXTERN;

/** BTF_KIND_VAR linkage (struct btf_var). */
export const BTF_VAR_STATIC = 0;
export const BTF_VAR_GLOBAL_ALLOCATED = 1;
export const BTF_VAR_GLOBAL_EXTERN = 2;
export type BtfVarLinkage =
  | typeof BTF_VAR_STATIC
  | typeof BTF_VAR_GLOBAL_ALLOCATED
  | typeof BTF_VAR_GLOBAL_EXTERN;

/** Limits enforced by the kernel's BTF verifier (kernel/bpf/btf.c). */
export const BTF_MAX_TYPE = 0x000fffff;
export const BTF_MAX_NAME_OFFSET = 0x00ffffff;
export const BTF_MAX_VLEN = 0xffff;
export const BTF_MAX_BITFIELD_SIZE = 0xff;
export const BTF_MAX_MEMBER_BIT_OFFSET = 0x00ffffff;

/** enum bpf_core_relo_kind (include/uapi/linux/bpf.h). */
export const BPF_CORE_FIELD_BYTE_OFFSET = 0;
export const BPF_CORE_FIELD_BYTE_SIZE = 1;
export const BPF_CORE_FIELD_EXISTS = 2;
export const BPF_CORE_FIELD_SIGNED = 3;
export const BPF_CORE_FIELD_LSHIFT_U64 = 4;
export const BPF_CORE_FIELD_RSHIFT_U64 = 5;
export const BPF_CORE_TYPE_ID_LOCAL = 6;
export const BPF_CORE_TYPE_ID_TARGET = 7;
export const BPF_CORE_TYPE_EXISTS = 8;
export const BPF_CORE_TYPE_SIZE = 9;
export const BPF_CORE_ENUMVAL_EXISTS = 10;
export const BPF_CORE_ENUMVAL_VALUE = 11;
export const BPF_CORE_TYPE_MATCHES = 12;
