/**
 * The BTF type model shared by the builder (builder.ts), the decoder
 * (parse.ts) and the printer (print.ts).
 *
 * Names are strings; "" (or an omitted name) means anonymous, i.e.
 * name_off 0. Type references are type ids; 0 is void.
 */
import type {
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_DATASEC,
  BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_FWD,
  BTF_KIND_INT,
  BTF_KIND_PTR,
  BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_UNION,
  BTF_KIND_UNKN,
  BTF_KIND_VAR,
  BTF_KIND_VOLATILE,
} from "./kinds.js";

/** Type id 0. Only ever appears as element 0 of a type table. */
export interface BtfVoid {
  kind: typeof BTF_KIND_UNKN;
}

export interface BtfInt {
  kind: typeof BTF_KIND_INT;
  name: string;
  /** bytes: 1, 2, 4, 8 or 16 */
  size: number;
  /** 0 or one of BTF_INT_SIGNED / BTF_INT_CHAR / BTF_INT_BOOL */
  encoding: number;
  /** BTF_INT_OFFSET; default 0 */
  bitsOffset?: number;
  /** BTF_INT_BITS; default size * 8 */
  bits?: number;
}

export interface BtfPtr {
  kind: typeof BTF_KIND_PTR;
  type: number;
}

/** CONST / VOLATILE / RESTRICT: anonymous, one referenced type. */
export interface BtfModifier {
  kind: typeof BTF_KIND_CONST | typeof BTF_KIND_VOLATILE | typeof BTF_KIND_RESTRICT;
  type: number;
}

export interface BtfArray {
  kind: typeof BTF_KIND_ARRAY;
  /** element type */
  type: number;
  indexType: number;
  nelems: number;
}

export interface BtfMember {
  name?: string;
  type: number;
  /** offset of the member from the start of the struct, in bits */
  bitOffset: number;
  /**
   * Bitfield width in bits. When any member of a struct/union has this field
   * (even 0), the type is written with kind_flag = 1 and every member's offset
   * word as bitfieldSize << 24 | bitOffset (as clang does for structs that
   * contain bitfields).
   */
  bitfieldSize?: number;
}

export interface BtfStruct {
  kind: typeof BTF_KIND_STRUCT | typeof BTF_KIND_UNION;
  name?: string;
  size: number;
  members: BtfMember[];
}

export interface BtfEnumValue {
  name: string;
  value: number;
}

export interface BtfEnum {
  kind: typeof BTF_KIND_ENUM;
  name?: string;
  /** 1, 2, 4 or 8 */
  size: number;
  values: BtfEnumValue[];
  /** kind_flag: values are signed */
  signed?: boolean;
}

export interface BtfEnum64Value {
  name: string;
  value: bigint;
}

export interface BtfEnum64 {
  kind: typeof BTF_KIND_ENUM64;
  name?: string;
  size: number;
  values: BtfEnum64Value[];
  signed?: boolean;
}

export interface BtfFwd {
  kind: typeof BTF_KIND_FWD;
  name: string;
  /** kind_flag: forward declaration of a union (else a struct) */
  union?: boolean;
}

export interface BtfTypedef {
  kind: typeof BTF_KIND_TYPEDEF;
  name: string;
  type: number;
}

export interface BtfFunc {
  kind: typeof BTF_KIND_FUNC;
  name: string;
  /** a FUNC_PROTO */
  type: number;
  /** BTF_FUNC_STATIC / BTF_FUNC_GLOBAL / BTF_FUNC_EXTERN */
  linkage: number;
}

export interface BtfParam {
  name?: string;
  type: number;
}

export interface BtfFuncProto {
  kind: typeof BTF_KIND_FUNC_PROTO;
  /** return type (0 = void) */
  ret: number;
  /** A trailing { type: 0 } without name means "..." (varargs). */
  params: BtfParam[];
}

export interface BtfVar {
  kind: typeof BTF_KIND_VAR;
  name: string;
  type: number;
  /** BTF_VAR_STATIC / BTF_VAR_GLOBAL_ALLOCATED / BTF_VAR_GLOBAL_EXTERN */
  linkage: number;
}

export interface BtfVarSecinfo {
  /** a VAR (or, in `.ksyms`, an extern FUNC) */
  type: number;
  offset: number;
  size: number;
}

export interface BtfDatasec {
  kind: typeof BTF_KIND_DATASEC;
  /** ELF section name: ".bss", ".data", ".rodata", ".maps", "license", ".ksyms", … */
  name: string;
  size: number;
  vars: BtfVarSecinfo[];
}

export interface BtfFloat {
  kind: typeof BTF_KIND_FLOAT;
  name: string;
  size: number;
}

export interface BtfDeclTag {
  kind: typeof BTF_KIND_DECL_TAG;
  /** the tag text */
  name: string;
  type: number;
  /** -1: the whole type; else the member / parameter index */
  componentIdx: number;
  /** kind_flag (tag is an __attribute__, kernel >= 6.14); libbpf 1.1 does not know it */
  attr?: boolean;
}

export interface BtfTypeTag {
  kind: typeof BTF_KIND_TYPE_TAG;
  name: string;
  type: number;
  attr?: boolean;
}

export type BtfType =
  | BtfVoid
  | BtfInt
  | BtfPtr
  | BtfModifier
  | BtfArray
  | BtfStruct
  | BtfEnum
  | BtfEnum64
  | BtfFwd
  | BtfTypedef
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfFloat
  | BtfDeclTag
  | BtfTypeTag;

/** A type that can be put into a table (anything but void). */
export type BtfNonVoidType = Exclude<BtfType, BtfVoid>;
