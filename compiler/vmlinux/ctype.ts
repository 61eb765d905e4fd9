/**
 * C declarations of BTF types, as bpftool's vmlinux.h spells them, for the
 * documentation comments of the generated declarations (`struct task_struct *`,
 * `void (*)(struct sock *, u32)`, `char [16]`).
 */
import {
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
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
  BTF_KIND_VOLATILE,
} from "../btf/kinds.js";
import type { BtfType } from "../btf/types.js";

export class CTypePrinter {
  /**
   * @param types the BTF table (index = type id)
   * @param cName the C name of a named struct/union/enum/typedef, with its `___N` duplicate suffix
   */
  constructor(
    private readonly types: readonly BtfType[],
    private readonly cName: (id: number) => string,
  ) {}

  /** `type` declaring `inner` (a name, or "" for an abstract declarator). */
  decl(id: number, inner = ""): string {
    const t = this.types[id];
    const named = (base: string): string => (inner ? `${base} ${inner}` : base);
    if (!t) return named(`<bad type ${id}>`);
    switch (t.kind) {
      case BTF_KIND_UNKN:
        return named("void");
      case BTF_KIND_INT:
      case BTF_KIND_FLOAT:
        return named(t.name);
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        return named(`${t.kind === BTF_KIND_UNION ? "union" : "struct"} ${t.name ? this.cName(id) : "{...}"}`);
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
        return named(`enum ${t.name ? this.cName(id) : "{...}"}`);
      case BTF_KIND_FWD:
        return named(`${t.union ? "union" : "struct"} ${t.name}`);
      case BTF_KIND_TYPEDEF:
        return named(this.cName(id));
      case BTF_KIND_CONST:
        return this.qualified("const", t.type, inner);
      case BTF_KIND_VOLATILE:
        return this.qualified("volatile", t.type, inner);
      case BTF_KIND_RESTRICT:
        return this.qualified("restrict", t.type, inner);
      case BTF_KIND_TYPE_TAG:
        return this.qualified(`__attribute__((btf_type_tag("${t.name}")))`, t.type, inner);
      case BTF_KIND_PTR: {
        const target = this.types[t.type];
        const paren = target?.kind === BTF_KIND_ARRAY || target?.kind === BTF_KIND_FUNC_PROTO;
        return this.decl(t.type, paren ? `(*${inner})` : `*${inner}`);
      }
      case BTF_KIND_ARRAY:
        return this.decl(t.type, `${inner}[${t.nelems}]`);
      case BTF_KIND_FUNC_PROTO: {
        const params = t.params.map((p, i) =>
          p.type === 0 && !p.name && i === t.params.length - 1 ? "..." : this.decl(p.type, p.name ?? ""),
        );
        return this.decl(t.ret, `${inner}(${params.length ? params.join(", ") : "void"})`);
      }
      default:
        return named(`<kind ${t.kind}>`);
    }
  }

  private qualified(q: string, target: number, inner: string): string {
    const t = this.types[target];
    if (t?.kind === BTF_KIND_PTR) return this.decl(target, inner ? `${q} ${inner}` : q);
    return `${q} ${this.decl(target, inner)}`;
  }
}
