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

export interface KernelMember { name: string; offset: number; bitfieldSize: number; type: Type }

export class KernelBtf {
  private members = new Map<number, FlatMember[]>();
  private constructor(readonly types: readonly BtfType[], private readonly index: BrandIndex) {}

  /** Parsed once per file version: parsing vmlinux's BTF takes a fifth of a second. */
  private static cache = new Map<string, { stamp: string; btf: KernelBtf }>();

  static load(file = DEFAULT_BTF): KernelBtf {
    const st = fs.statSync(file);
    const stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
    const hit = KernelBtf.cache.get(file);
    if (hit?.stamp === stamp) return hit.btf;
    const btf = parseBtf(readBtfFile(file));
    const k = new KernelBtf(btf.types, new BrandIndex(btf.types));
    KernelBtf.cache.set(file, { stamp, btf: k });
    return k;
  }

  /** The BTF id of a brand such as "struct task_struct"; undefined when this kernel has no such type. */
  lookup(brand: string): number | undefined {
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
    return { name, offset: m.bitOffset / 8, bitfieldSize: m.bitfieldSize, type: this.type(m.type) };
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
