/**
 * Kernel types copied from the kernel's BTF into the object's, for what libbpf
 * matches by name (the type of a struct_ops variable). The closure follows
 * clang's BTF rule for a C program that includes vmlinux.h: what a struct holds
 * by value, and what function prototypes point to, is defined in full; a struct
 * a struct member merely points to is a forward declaration, unless the object
 * defines it in full anyway.
 */
import type { BtfBuilder } from "../btf/builder.js";
import {
  BTF_INT_BOOL, BTF_INT_SIGNED, BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT,
  BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF,
  BTF_KIND_TYPE_TAG, BTF_KIND_UNION, BTF_KIND_VOLATILE,
} from "../btf/kinds.js";
import type { BtfType } from "../btf/types.js";
import { resolveType } from "../vmlinux/index.js";
import { BOOL } from "../types/model.js";
import type { BtfTypes } from "./btf-types.js";

/** The kernel's BTF spells integers as gcc does; clang's (and BtfTypes') spelling. */
const CLANG_INT_NAMES: Record<string, string> = {
  "long int": "long", "long unsigned int": "unsigned long", "long long int": "long long",
  "long long unsigned int": "unsigned long long", "short int": "short", "short unsigned int": "unsigned short",
};

export class KernelTypeCopier {
  private copied = new Map<string, number>();
  /** Pointers from struct members to structs, resolved at `finish()` (to the full struct or a FWD). */
  private memberPtrs: { id: number; target: number }[] = [];
  private readonly btf: BtfBuilder;

  constructor(private readonly types: BtfTypes, private readonly kernel: readonly BtfType[]) {
    this.btf = types.btf;
  }

  /** The object's id of kernel type `id`. */
  copy(id: number, inMember = false): number {
    if (id === 0) return 0;
    const key = `${id}:${inMember ? "m" : ""}`;
    const done = this.copied.get(key);
    if (done !== undefined) return done;
    const t = this.kernel[id]!;
    const remember = (local: number) => (this.copied.set(key, local), local);
    switch (t.kind) {
      case BTF_KIND_INT:
        if (t.encoding & BTF_INT_BOOL) return remember(this.types.type(BOOL));
        if (t.name === "char") return remember(this.types.char());
        return remember(this.types.baseInt(CLANG_INT_NAMES[t.name] ?? t.name, t.size, (t.encoding & BTF_INT_SIGNED) !== 0));
      case BTF_KIND_FLOAT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_FWD:
        return remember(this.btf.add(t));
      case BTF_KIND_PTR: {
        const target = resolveType(this.kernel, t.type);
        const tt = this.kernel[target];
        if (inMember && (tt?.kind === BTF_KIND_STRUCT || tt?.kind === BTF_KIND_UNION) && tt.name) {
          const ptr = this.btf.reserve();
          this.memberPtrs.push({ id: ptr, target });
          return remember(ptr);
        }
        const ptr = remember(this.btf.reserve());
        this.btf.set(ptr, { kind: BTF_KIND_PTR, type: this.copy(t.type) });
        return ptr;
      }
      case BTF_KIND_TYPEDEF: case BTF_KIND_CONST: case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG: {
        const local = remember(this.btf.reserve());
        this.btf.set(local, { ...t, type: this.copy(t.type, inMember) });
        return local;
      }
      case BTF_KIND_ARRAY:
        return remember(this.btf.array(this.copy(t.type), this.types.arraySizeType(), t.nelems));
      case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
        const local = this.btf.reserve();
        this.copied.set(`${id}:`, local);
        this.copied.set(`${id}:m`, local);
        const members = t.members.map((m) => ({ ...m, type: this.copy(m.type, true) }));
        this.btf.set(local, { ...t, members });
        return local;
      }
      case BTF_KIND_FUNC_PROTO: {
        const local = remember(this.btf.reserve());
        this.btf.set(local, { kind: BTF_KIND_FUNC_PROTO, ret: this.copy(t.ret), params: t.params.map((p) => ({ ...p, type: this.copy(p.type) })) });
        return local;
      }
      default:
        throw new Error(`KernelTypeCopier: unexpected BTF kind ${t.kind} (type ${id})`);
    }
  }

  /** Points the struct members' pointers at the full structs the object defines, else at forward declarations. */
  finish(): void {
    const fwds = new Map<number, number>();
    for (const p of this.memberPtrs) {
      let target = this.copied.get(`${p.target}:`);
      if (target === undefined) {
        target = fwds.get(p.target);
        if (target === undefined) {
          const tt = this.kernel[p.target] as { kind: number; name: string };
          fwds.set(p.target, (target = this.btf.add({ kind: BTF_KIND_FWD, name: tt.name, union: tt.kind === BTF_KIND_UNION })));
        }
      }
      this.btf.set(p.id, { kind: BTF_KIND_PTR, type: target });
    }
    this.memberPtrs = [];
  }
}
