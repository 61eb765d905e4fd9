/**
 * tsbpf's type model: C types with C layout, plus the compile-time-only kinds
 * (maps, functions) that never exist at run time but drive specialisation.
 */

export type IntName = "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64";

export interface IntType { kind: "int"; name: IntName; bits: 8 | 16 | 32 | 64; signed: boolean }
export interface BoolType { kind: "bool" }
export interface VoidType { kind: "void" }
export interface Field { name: string; type: Type; offset: number }
export interface StructType {
  kind: "struct";
  name: string;
  fields: Field[];
  size: number;
  align: number;
  /** Kernel-defined (struct bpf_wq …): BTF gives it the kernel's own members. */
  kernel?: boolean;
}
export interface ArrayType { kind: "array"; elem: Type; length: number }
/** `Ptr<T>`: a pointer to a scalar. */
export interface PtrType { kind: "ptr"; target: Type }
/** A program's context pointer (`struct __sk_buff *` …); opaque for now. */
export interface CtxType { kind: "ctx"; name: string }
/** A packet pointer (from a context's data/data_end/data_meta), loaded with `size` bytes. */
export interface PktType { kind: "pkt"; role: "data" | "end" | "meta"; size: 4 | 8 }
/**
 * A kernel struct or union (a `@btf`-branded interface from `tsbpf vmlinux`), by
 * reference: its layout comes from the kernel's BTF, never from the declaration.
 */
export interface KStructType { kind: "kstruct"; name: string; btfId: number }
/** `unknown` in a signature: `void *`. */
export interface OpaqueType { kind: "opaque" }

export type MapKind =
  | "array" | "hash" | "lru_hash" | "percpu_array" | "percpu_hash" | "lru_percpu_hash" | "lpm_trie"
  | "ringbuf" | "perf_event_array" | "prog_array" | "queue" | "stack" | "bloom_filter"
  | "array_of_maps" | "hash_of_maps" | "sk_storage" | "inode_storage" | "task_storage" | "cgrp_storage";
/** A map: compile-time only; specialised away. `key`/`value` undefined for AnyMap. */
export interface MapType { kind: "map"; mapKind?: MapKind; key?: Type; value?: Type }
/** A function used as a value (a callback): compile-time only. */
export interface FuncType { kind: "func"; params: Type[]; ret: Type }
export interface NullType { kind: "null" }

export type Type =
  | IntType | BoolType | VoidType | StructType | ArrayType | PtrType | CtxType | OpaqueType | PktType | KStructType
  | MapType | FuncType | NullType;

const int = (name: IntName, bits: 8 | 16 | 32 | 64, signed: boolean): IntType => ({ kind: "int", name, bits, signed });
export const I8 = int("i8", 8, true);
export const I16 = int("i16", 16, true);
export const I32 = int("i32", 32, true);
export const I64 = int("i64", 64, true);
export const U8 = int("u8", 8, false);
export const U16 = int("u16", 16, false);
export const U32 = int("u32", 32, false);
export const U64 = int("u64", 64, false);
export const BOOL: BoolType = { kind: "bool" };
export const VOID: VoidType = { kind: "void" };
export const OPAQUE: OpaqueType = { kind: "opaque" };
export const NULL: NullType = { kind: "null" };
export const INTS: Record<IntName, IntType> = { i8: I8, i16: I16, i32: I32, i64: I64, u8: U8, u16: U16, u32: U32, u64: U64 };

/** Kinds that live in a register at run time (scalars and pointers). */
export function isScalar(t: Type): t is IntType | BoolType {
  return t.kind === "int" || t.kind === "bool";
}

/** Kinds whose run-time value is an address. */
export function isPointerLike(t: Type): boolean {
  return t.kind === "ptr" || t.kind === "ctx" || t.kind === "opaque" || t.kind === "struct" || t.kind === "array" || t.kind === "pkt" || t.kind === "kstruct";
}

/** Compile-time kinds: values bound at compile time, never materialised except as ld_imm64. */
export function isCompileTime(t: Type): t is MapType | FuncType {
  return t.kind === "map" || t.kind === "func";
}

/** Width of a scalar's register operations: 64 for 64-bit integers and pointers, else 32. */
export function regWidth(t: Type): 32 | 64 {
  if (t.kind === "int") return t.bits === 64 ? 64 : 32;
  if (t.kind === "bool") return 32;
  return 64;
}

export function sizeOf(t: Type): number {
  switch (t.kind) {
    case "int": return t.bits / 8;
    case "bool": return 1;
    case "struct": return t.size;
    case "array": return sizeOf(t.elem) * t.length;
    case "pkt": return t.size;
    case "kstruct": return 8;
    case "ptr": case "ctx": case "opaque": case "map": case "func": case "null": return 8;
    case "void": return 0;
  }
}

export function alignOf(t: Type): number {
  switch (t.kind) {
    case "struct": return t.align;
    case "array": return alignOf(t.elem);
    default: return Math.max(1, sizeOf(t));
  }
}

/** The one place struct layout is decided: C rules, declaration order, natural alignment. */
export function layoutStruct(name: string, members: { name: string; type: Type }[], kernel = false): StructType {
  let offset = 0;
  let align = 1;
  const fields: Field[] = [];
  for (const m of members) {
    const a = alignOf(m.type);
    offset = alignUp(offset, a);
    fields.push({ name: m.name, type: m.type, offset });
    offset += sizeOf(m.type);
    align = Math.max(align, a);
  }
  return { kind: "struct", name, fields, size: alignUp(offset, align), align, kernel };
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** The kernel's opaque objects, with the members the kernel's BTF gives them. */
export const KERNEL_STRUCTS: Record<string, StructType> = {
  BpfWq: layoutStruct("bpf_wq", [{ name: "__opaque", type: { kind: "array", elem: U64, length: 2 } }], true),
  BpfTimer: layoutStruct("bpf_timer", [{ name: "__opaque", type: { kind: "array", elem: U64, length: 2 } }], true),
  BpfSpinLock: layoutStruct("bpf_spin_lock", [{ name: "val", type: U32 }], true),
};

export function typeToString(t: Type): string {
  switch (t.kind) {
    case "int": return t.name;
    case "bool": return "bool";
    case "void": return "void";
    case "struct": return t.name;
    case "array": return `FixedArray<${typeToString(t.elem)}, ${t.length}>`;
    case "ptr": return `Ptr<${typeToString(t.target)}>`;
    case "ctx": return t.name;
    case "opaque": return "unknown";
    case "pkt": return "packet pointer";
    case "kstruct": return `struct ${t.name}`;
    case "map": return t.mapKind ? `map<${t.key ? typeToString(t.key) : "?"}, ${t.value ? typeToString(t.value) : "?"}>` : "AnyMap";
    case "func": return `(${t.params.map(typeToString).join(", ")}) => ${typeToString(t.ret)}`;
    case "null": return "null";
  }
}

/** C's usual arithmetic conversions for two integer operands (after integer promotion). */
export function usualArithmetic(a: IntType | BoolType, b: IntType | BoolType): IntType {
  const pa = promote(a);
  const pb = promote(b);
  if (pa.bits !== pb.bits) return pa.bits > pb.bits ? pa : pb;
  if (!pa.signed) return pa;
  return pb.signed ? pa : pb;
}

/** Integer promotion: everything narrower than int becomes int. */
export function promote(t: IntType | BoolType): IntType {
  if (t.kind === "bool" || t.bits < 32) return I32;
  return t;
}
