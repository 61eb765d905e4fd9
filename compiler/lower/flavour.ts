/**
 * `___flavour` kernel structs: an interface branded `"@btf": "struct
 * task_struct___v1"` that the kernel's BTF does not have is the program's own
 * declaration of (part of) `struct task_struct`, as a C program's
 * `struct task_struct___v1 { … } __attribute__((preserve_access_index))`.
 * Its layout is C's for the fields declared, in their order; the object's BTF
 * carries it and libbpf relocates every access against the running kernel's
 * `struct task_struct` (it ignores the `___suffix` when matching names), so
 * only the names and kinds of the fields need to agree with the kernel.
 *
 * A field whose type is another `@btf` interface is a pointer to it (as in
 * the declarations `tsbpf vmlinux` generates).
 */
import { BTF_INT_BOOL, BTF_INT_SIGNED, BTF_KIND_ARRAY, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_STRUCT, BTF_KIND_UNION } from "../btf/kinds.js";
import type { BtfMember } from "../btf/types.js";
import { alignUp, type KStructType, type Type } from "../types/model.js";
import type { KernelBtf } from "./kernel-btf.js";

/** `struct name___flavour` (not the `___N` of a generated duplicate). */
export function flavourBrand(brand: string): { kind: "struct" | "union"; name: string } | undefined {
  const m = /^(struct|union) ([A-Za-z_][A-Za-z0-9_]*___[A-Za-z0-9_]*[A-Za-z_][A-Za-z0-9_]*)$/.exec(brand);
  return m ? { kind: m[1] as "struct" | "union", name: m[2]! } : undefined;
}

const C_INT: Record<string, string> = {
  i8: "signed char", u8: "unsigned char", i16: "short", u16: "unsigned short",
  i32: "int", u32: "unsigned int", i64: "long long", u64: "unsigned long long",
};

interface Placed { type: number; size: number; align: number }

/** The BTF of a field type, appended to the kernel's table; undefined when a flavour cannot hold it. */
function fieldBtf(k: KernelBtf, t: Type, ints: Map<string, number>): Placed | undefined {
  const int = (name: string, size: number, encoding: number) => {
    let id = ints.get(name);
    if (id === undefined) ints.set(name, (id = k.append({ kind: BTF_KIND_INT, name, size, encoding, bits: size * 8 })));
    return id;
  };
  switch (t.kind) {
    case "int": return { type: int(C_INT[t.name]!, t.bits / 8, t.signed ? BTF_INT_SIGNED : 0), size: t.bits / 8, align: t.bits / 8 };
    case "bool": return { type: int("_Bool", 1, BTF_INT_BOOL), size: 1, align: 1 };
    case "kstruct": return { type: k.append({ kind: BTF_KIND_PTR, type: t.btfId }), size: 8, align: 8 };
    case "ptr": {
      const inner = fieldBtf(k, t.target, ints);
      return inner ? { type: k.append({ kind: BTF_KIND_PTR, type: inner.type }), size: 8, align: 8 } : undefined;
    }
    case "array": {
      const elem = fieldBtf(k, t.elem, ints);
      if (!elem) return undefined;
      const index = int("__ARRAY_SIZE_TYPE__", 4, 0);
      return { type: k.append({ kind: BTF_KIND_ARRAY, type: elem.type, indexType: index, nelems: t.length }), size: elem.size * t.length, align: elem.align };
    }
    default: return undefined;
  }
}

/**
 * Lays out a flavour declared by the program and gives its id to `brand`.
 * `fields` resolve lazily (a field may point back at this very struct).
 * Returns the name of a field whose type a flavour cannot hold, if any.
 */
export function defineFlavour(
  k: KernelBtf, brand: string, fields: { name: string; type: () => Type }[],
): { type: KStructType; define: () => string | undefined } {
  const f = flavourBrand(brand)!;
  const id = k.reserve();
  k.define(id, { kind: f.kind === "union" ? BTF_KIND_UNION : BTF_KIND_STRUCT, name: f.name, size: 0, members: [] }, brand);
  const type: KStructType = { kind: "kstruct", name: f.name, btfId: id };
  const define = () => {
    const ints = new Map<string, number>();
    const members: BtfMember[] = [];
    let off = 0, size = 0, align = 1;
    for (const field of fields) {
      const p = fieldBtf(k, field.type(), ints);
      if (!p) return field.name;
      const at = f.kind === "union" ? 0 : alignUp(off, p.align);
      members.push({ name: field.name, type: p.type, bitOffset: at * 8 });
      off = at + p.size;
      size = Math.max(size, off);
      align = Math.max(align, p.align);
    }
    k.define(id, { kind: f.kind === "union" ? BTF_KIND_UNION : BTF_KIND_STRUCT, name: f.name, size: alignUp(size, align), members }, brand);
    return undefined;
  };
  return { type, define };
}
