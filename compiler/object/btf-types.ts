/**
 * tsbpf types → BTF types, one id per type. Names follow what clang emits for the
 * equivalent C: `int` and `long` for i32/i64 (the C selftests' own spelling),
 * the kernel's `__u8`…`__u64`/`__s8`/`__s16` typedefs for the others, structs
 * named as the TypeScript declares them, kernel structs exactly as the kernel's BTF.
 */
import { BtfBuilder } from "../btf/builder.js";
import { BTF_INT_BOOL, BTF_INT_SIGNED } from "../btf/kinds.js";
import type { FuncParam } from "../ir/module.js";
import type { IntName, StructType, Type } from "../types/model.js";

const INT_SPELLING: Record<IntName, { typedef?: string; base: string; size: number; signed: boolean }> = {
  i8: { typedef: "__s8", base: "signed char", size: 1, signed: true },
  i16: { typedef: "__s16", base: "short", size: 2, signed: true },
  i32: { base: "int", size: 4, signed: true },
  i64: { base: "long", size: 8, signed: true },
  u8: { typedef: "__u8", base: "unsigned char", size: 1, signed: false },
  u16: { typedef: "__u16", base: "unsigned short", size: 2, signed: false },
  u32: { typedef: "__u32", base: "unsigned int", size: 4, signed: false },
  u64: { typedef: "__u64", base: "unsigned long long", size: 8, signed: false },
};

export class BtfTypes {
  private named = new Map<string, number>();
  private structs = new Map<StructType, number>();

  constructor(readonly btf: BtfBuilder) {}

  private once(key: string, make: () => number): number {
    let id = this.named.get(key);
    if (id === undefined) this.named.set(key, (id = make()));
    return id;
  }

  /** The index type clang gives every array. */
  arraySizeType(): number {
    return this.once("__ARRAY_SIZE_TYPE__", () => this.btf.int("__ARRAY_SIZE_TYPE__", 4, 0));
  }

  baseInt(name: string, size: number, signed: boolean): number {
    return this.once(`int:${name}`, () => this.btf.int(name, size, signed ? BTF_INT_SIGNED : 0));
  }

  char(): number {
    return this.once("int:char", () => this.btf.int("char", 1, BTF_INT_SIGNED));
  }

  type(t: Type): number {
    switch (t.kind) {
      case "int": {
        const s = INT_SPELLING[t.name];
        if (!s.typedef) return this.baseInt(s.base, s.size, s.signed);
        return this.once(`typedef:${s.typedef}`, () => this.btf.typedef(s.typedef!, this.baseInt(s.base, s.size, s.signed)));
      }
      case "bool": return this.once("int:_Bool", () => this.btf.int("_Bool", 1, BTF_INT_BOOL));
      case "void": return 0;
      case "struct": return this.struct(t);
      case "array": return this.btf.array(this.type(t.elem), this.arraySizeType(), t.length);
      case "ptr": return this.btf.ptr(this.type(t.target));
      case "ctx": case "opaque": case "map": case "null": case "pkt": case "kstruct": return this.btf.ptr(0);
      case "func": return this.btf.ptr(this.funcProto(t.params.map((p) => ({ type: p })), t.ret));
    }
  }

  /** A type as a function parameter: structs go by pointer. */
  param(t: Type): number {
    return t.kind === "struct" || t.kind === "array" ? this.btf.ptr(this.type(t)) : this.type(t);
  }

  funcProto(params: { name?: string; type: Type }[], ret: Type): number {
    return this.btf.funcProto(this.type(ret), params.map((p) => ({ name: p.name, type: this.param(p.type) })));
  }

  namedProto(params: FuncParam[], ret: Type): number {
    return this.funcProto(params, ret);
  }

  private struct(s: StructType): number {
    const cached = this.structs.get(s);
    if (cached !== undefined) return cached;
    // Kernel structs are shared by name (one `struct bpf_wq` however often it appears).
    const key = s.kernel ? `struct:${s.name}` : undefined;
    if (key && this.named.has(key)) return this.named.get(key)!;
    const members = s.fields.map((f) => ({ name: f.name, type: this.type(f.type), bitOffset: f.offset * 8 }));
    const id = this.btf.struct(s.name, s.size, members);
    this.structs.set(s, id);
    if (key) this.named.set(key, id);
    return id;
  }
}
