/**
 * The kernel's own types, for `@btf`-branded declarations (from `tsbpf vmlinux`):
 * layouts come from the kernel's BTF (by default the running kernel's
 * /sys/kernel/btf/vmlinux), read once, when a program first uses a kernel type.
 */
import * as fs from "node:fs";
import { parseBtf } from "../btf/parse.js";
import { BTF_KIND_ARRAY, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_STRUCT, BTF_KIND_UNION } from "../btf/kinds.js";
import type { BtfType } from "../btf/types.js";
import { BrandIndex, DEFAULT_BTF, flattenMembers, parseBrand, readBtfFile, resolveType, type FlatMember } from "../vmlinux/index.js";
import { BOOL, INTS, OPAQUE, type IntName, type Type } from "../types/model.js";

export interface KernelMember {
  name: string;
  /** Byte offset from the start of the struct (of the storage for bitfields: bitOffset / 8 rounded down). */
  offset: number;
  bitOffset: number;
  bitfieldSize: number;
  type: Type;
  /** The member's BTF type id. */
  typeId: number;
  /** Member indices down to it through anonymous members: its part of a CO-RE access string. */
  path: number[];
}

export class KernelBtf {
  private members = new Map<number, FlatMember[]>();
  /** Brands of `___flavour` types declared by the program (appended after the kernel's own types). */
  private flavours = new Map<string, number>();
  private constructor(readonly types: BtfType[], private readonly index: BrandIndex) {}

  /** Parsed once per file version: parsing vmlinux's BTF takes a fifth of a second. */
  private static cache = new Map<string, { stamp: string; types: readonly BtfType[]; index: BrandIndex }>();

  static load(file = DEFAULT_BTF): KernelBtf {
    // The parsed kernel BTF is kept per file version (a compile reads it once; a
    // session or test run many times). Each load gets its own copy of the type
    // list: a program's `___flavour` types are appended to it.
    const st = fs.statSync(file);
    const stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
    let hit = KernelBtf.cache.get(file);
    if (hit?.stamp !== stamp) {
      const btf = parseBtf(readBtfFile(file));
      hit = { stamp, types: btf.types, index: new BrandIndex(btf.types) };
      KernelBtf.cache.set(file, hit);
    }
    return new KernelBtf([...hit.types], hit.index);
  }


  /**
   * A type the program declares itself, appended after the kernel's (a
   * `___flavour` struct, its pointers and integers): the object carries it
   * and libbpf relocates its accesses against the kernel's type of the
   * flavourless name. Returns its id; `reserve()` then `define()` for types that refer to themselves.
   */
  reserve(): number {
    this.types.push({ kind: BTF_KIND_INT, name: "", size: 0, encoding: 0 } as BtfType);
    return this.types.length - 1;
  }

  define(id: number, t: BtfType, brand?: string): number {
    this.types[id] = t;
    if (brand) this.flavours.set(brand, id);
    return id;
  }

  append(t: BtfType): number {
    return this.define(this.reserve(), t);
  }

  /** The BTF id of a brand such as "struct task_struct"; undefined when this kernel has no such type. */
  lookup(brand: string): number | undefined {
    if (this.flavours.has(brand)) return this.flavours.get(brand);
    const b = parseBrand(brand);
    return b ? this.index.resolve(b) : undefined;
  }

  name(id: number): string {
    return (this.types[id] as { name?: string }).name ?? "";
  }

  member(structId: number, name: string): KernelMember | undefined {
    let list = this.members.get(structId);
    if (!list) this.members.set(structId, (list = flattenMembers(this.types, structId)));
    const m = list.find((x) => x.name === name);
    if (!m) return undefined;
    return {
      name, offset: Math.floor(m.bitOffset / 8), bitOffset: m.bitOffset, bitfieldSize: m.bitfieldSize,
      type: this.type(m.type), typeId: m.type, path: m.path,
    };
  }

  /** Byte size of a type (typedefs and modifiers resolved): a bitfield's storage unit. */
  size(id: number): number {
    const t = this.types[resolveType(this.types, id)] as { size?: number };
    return t.size ?? 0;
  }

  /**
   * Whether struct `outer` is struct `inner` or begins with it (its first member,
   * at offset 0, recursively): `tcp_sock` begins with `inet_connection_sock`,
   * `inet_sock` and `sock`, so a `struct sock *` may be read as a `struct tcp_sock *`.
   */
  startsWith(outer: number, inner: number): boolean {
    for (let id = resolveType(this.types, outer), guard = 0; guard < 64; guard++) {
      if (id === resolveType(this.types, inner)) return true;
      const t = this.types[id];
      if (t?.kind !== BTF_KIND_STRUCT || !t.members.length || t.members[0]!.bitOffset !== 0) return false;
      id = resolveType(this.types, t.members[0]!.type);
    }
    return false;
  }

  /** A kernel type as tsbpf sees a value of it: integers, kernel struct references, pointers. */
  type(id: number): Type {
    const rid = resolveType(this.types, id);
    const t = this.types[rid]!;
    switch (t.kind) {
      case BTF_KIND_INT: {
        const it = t as { size: number; encoding: number };
        if (it.encoding & 4) return BOOL;
        const signed = (it.encoding & 1) !== 0;
        const bits = Math.min(it.size * 8, 64);
        return INTS[`${signed ? "i" : "u"}${bits}` as IntName] ?? OPAQUE;
      }
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64: {
        const et = t as { size: number; signed?: boolean };
        return INTS[`${et.signed ? "i" : "u"}${et.size * 8}` as IntName] ?? OPAQUE;
      }
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        return { kind: "kstruct", name: this.name(rid), btfId: rid };
      case BTF_KIND_ARRAY: {
        const at = t as { type: number; nelems: number };
        const elem = this.type(at.type);
        return { kind: "array", elem, length: at.nelems };
      }
      case BTF_KIND_PTR: {
        const target = resolveType(this.types, (t as { type: number }).type);
        const tt = this.types[target]!;
        if (tt.kind === BTF_KIND_STRUCT || tt.kind === BTF_KIND_UNION) {
          return { kind: "ptr", target: { kind: "kstruct", name: this.name(target), btfId: target } };
        }
        const inner = target === 0 ? OPAQUE : this.type(target);
        return inner.kind === "int" || inner.kind === "bool" ? { kind: "ptr", target: inner } : OPAQUE;
      }
      default:
        return OPAQUE;
    }
  }
}
