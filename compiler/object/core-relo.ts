/**
 * CO-RE: the object's own copies of the kernel types that programs access, and
 * the `.BTF.ext` core_relo records that point into them, as clang emits them
 * for `preserve_access_index` types.
 *
 * Each struct/union is copied with the members some access goes through (in
 * the kernel's order, at the kernel's offsets of the build machine), as a
 * vmlinux.h subset that declares exactly those members would be; access
 * strings ("0:2:1") index those copies. libbpf matches the copies to the
 * running kernel's types by name (a `___flavour` suffix ignored) and member
 * names, and rewrites each relocated instruction for the kernel's layout.
 */
import type { BtfBuilder } from "../btf/builder.js";
import type { BtfExtCoreReloRecord } from "../btf/ext.js";
import {
  BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT, BTF_KIND_FWD, BTF_KIND_INT,
  BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_UNION, BTF_KIND_VOLATILE,
} from "../btf/kinds.js";
import type { BtfType } from "../btf/types.js";
import type { CoreAccess } from "../ir/ir.js";

export class CoreTypes {
  /** kernel struct/union id → member indices some access goes through */
  private used = new Map<number, Set<number>>();
  private local = new Map<number, number>();

  constructor(private readonly btf: BtfBuilder, private readonly kernel: readonly BtfType[]) {}

  /** The composite type an access step indexes into (typedefs and modifiers skipped). */
  private skip(id: number): number {
    for (let guard = 0; guard < 1000; guard++) {
      const t = this.kernel[id];
      if (!t || !(t.kind === BTF_KIND_TYPEDEF || t.kind === BTF_KIND_CONST || t.kind === BTF_KIND_VOLATILE
        || t.kind === BTF_KIND_RESTRICT || t.kind === BTF_KIND_TYPE_TAG)) return id;
      id = t.type;
    }
    return id;
  }

  /** Walks an access: calls `step` with each composite and the index taken in it. */
  private walk(a: CoreAccess, step: (id: number, index: number, composite: boolean) => void): void {
    let id = this.skip(a.root);
    step(id, a.access[0]!, false);
    for (const index of a.access.slice(1)) {
      const t = this.kernel[id]!;
      if (t.kind === BTF_KIND_STRUCT || t.kind === BTF_KIND_UNION) {
        step(id, index, true);
        id = this.skip(t.members[index]!.type);
      } else if (t.kind === BTF_KIND_ARRAY) {
        step(id, index, false);
        id = this.skip(t.type);
      } else throw new Error(`internal: CO-RE access ${a.access.join(":")} walks into a non-composite type [${id}]`);
    }
  }

  /** Records the members an access needs; call for every access before `record()`. */
  note(a: CoreAccess): void {
    this.used.set(this.skip(a.root), this.used.get(this.skip(a.root)) ?? new Set());
    this.walk(a, (id, index, composite) => {
      if (!composite) return;
      let s = this.used.get(id);
      if (!s) this.used.set(id, (s = new Set()));
      s.add(index);
    });
  }

  /** The core_relo record of an access at `insnOff`. */
  record(insnOff: number, a: CoreAccess): BtfExtCoreReloRecord {
    const parts: number[] = [];
    this.walk(a, (id, index, composite) => {
      parts.push(composite ? [...this.used.get(id)!].sort((x, y) => x - y).indexOf(index) : index);
    });
    return { insnOff, typeId: this.type(this.skip(a.root)), accessStr: parts.join(":"), kind: a.kind };
  }

  /** The object's copy of a kernel type. */
  type(id: number): number {
    if (id === 0) return 0;
    const have = this.local.get(id);
    if (have !== undefined) return have;
    const t = this.kernel[id]!;
    const b = this.btf;
    let out: number;
    switch (t.kind) {
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION: {
        out = b.reserve();
        this.local.set(id, out);
        const keep = [...(this.used.get(id) ?? [])].sort((x, y) => x - y);
        const members = keep.map((i) => {
          const m = t.members[i]!;
          return { name: m.name, type: this.type(m.type), bitOffset: m.bitOffset, ...(m.bitfieldSize !== undefined ? { bitfieldSize: m.bitfieldSize } : {}) };
        });
        b.set(out, { kind: t.kind, name: t.name, size: t.size, members });
        return out;
      }
      case BTF_KIND_PTR: {
        const target = this.skip(t.type);
        const tk = this.kernel[target]?.kind;
        // Pointers to functions and other types no access reaches stay untyped.
        const keep = tk === BTF_KIND_STRUCT || tk === BTF_KIND_UNION || tk === BTF_KIND_INT || tk === BTF_KIND_FWD
          || tk === BTF_KIND_ENUM || tk === BTF_KIND_ENUM64 || tk === BTF_KIND_PTR;
        out = b.reserve();
        this.local.set(id, out);
        b.set(out, { kind: BTF_KIND_PTR, type: keep ? this.type(t.type) : 0 });
        return out;
      }
      case BTF_KIND_TYPEDEF: out = b.typedef(t.name, this.type(t.type)); break;
      case BTF_KIND_CONST: case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
        out = this.type(t.type); break;
      case BTF_KIND_INT: out = b.int(t.name, t.size, t.encoding, t.bits ?? t.size * 8, t.bitsOffset ?? 0); break;
      case BTF_KIND_ENUM: out = b.enumType(t.name, t.size, t.values, t.signed); break;
      case BTF_KIND_ENUM64: out = b.enum64(t.name, t.size, t.values, t.signed); break;
      case BTF_KIND_FLOAT: out = b.float(t.name, t.size); break;
      case BTF_KIND_FWD: out = b.fwd(t.name, t.union); break;
      case BTF_KIND_ARRAY: out = b.arrayOf(this.type(t.type), t.nelems); break;
      default: throw new Error(`internal: CO-RE copy of BTF kind ${t.kind} ([${id}])`);
    }
    this.local.set(id, out);
    return out;
  }
}
