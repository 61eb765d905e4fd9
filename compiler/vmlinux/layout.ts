/**
 * What the compiler needs to use the generated declarations: the brand that
 * names a declaration's kernel type, its resolution back to a BTF type id, and
 * the member list with offsets exactly as the generator flattened it.
 */
import {
  BTF_KIND_CONST,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FWD,
  BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_UNION,
  BTF_KIND_VOLATILE,
} from "../btf/kinds.js";
import type { BtfType } from "../btf/types.js";

/**
 * The property every generated interface carries:
 * `readonly "@btf": "struct task_struct"`. `@` cannot start a C member name, so
 * it never collides with a field.
 */
export const BTF_BRAND = "@btf";

export type BrandKind = "struct" | "union" | "typedef";

export interface Brand {
  kind: BrandKind;
  /** The kernel's name, without the `___N` suffix. */
  name: string;
  /** 1 for the first type of that name, N for the `___N` one (see BrandIndex). */
  ordinal: number;
}

/** `"struct workspace___2"` → { kind: "struct", name: "workspace", ordinal: 2 }. */
export function parseBrand(text: string): Brand | undefined {
  const m = /^(struct|union|typedef) (.+?)(?:___([0-9]+))?$/.exec(text);
  if (!m) return undefined;
  return { kind: m[1] as BrandKind, name: m[2]!, ordinal: m[3] ? Number(m[3]) : 1 };
}

export function formatBrand(b: Brand): string {
  return `${b.kind} ${b.name}${b.ordinal > 1 ? `___${b.ordinal}` : ""}`;
}

/** Skips const/volatile/restrict and type tags. */
export function skipModifiers(types: readonly BtfType[], id: number): number {
  for (;;) {
    const t = types[id];
    if (!t) return id;
    if (t.kind === BTF_KIND_CONST || t.kind === BTF_KIND_VOLATILE || t.kind === BTF_KIND_RESTRICT || t.kind === BTF_KIND_TYPE_TAG) {
      id = t.type;
    } else return id;
  }
}

/** Skips modifiers and typedefs. */
export function resolveType(types: readonly BtfType[], id: number): number {
  for (let guard = 0; guard < 1000; guard++) {
    id = skipModifiers(types, id);
    const t = types[id];
    if (t?.kind !== BTF_KIND_TYPEDEF) return id;
    id = t.type;
  }
  return id;
}

/**
 * Maps brands to type ids for one BTF. Duplicates are numbered in type-id order
 * within C's namespaces: struct, union and enum tags share one (so `struct foo`
 * after a `union foo` is `struct foo___2`), typedefs have their own. This is the
 * numbering of the generated file; bpftool's vmlinux.h numbers in emission
 * order, which may differ for the rare duplicates.
 */
export class BrandIndex {
  private readonly tags = new Map<string, number[]>();
  private readonly typedefs = new Map<string, number[]>();
  private readonly fwds = new Map<string, number>();
  /** type id → ordinal among same-named tags (or typedefs) */
  private readonly ordinals = new Map<number, number>();

  constructor(private readonly types: readonly BtfType[]) {
    for (let id = 1; id < types.length; id++) {
      const t = types[id]!;
      let table: Map<string, number[]> | undefined;
      if (t.kind === BTF_KIND_STRUCT || t.kind === BTF_KIND_UNION || t.kind === BTF_KIND_ENUM || t.kind === BTF_KIND_ENUM64) {
        if (t.name) table = this.tags;
      } else if (t.kind === BTF_KIND_TYPEDEF) {
        table = this.typedefs;
      } else if (t.kind === BTF_KIND_FWD) {
        const key = `${t.union ? "union" : "struct"} ${t.name}`;
        if (!this.fwds.has(key)) this.fwds.set(key, id);
      }
      if (!table) continue;
      const name = (t as { name: string }).name;
      let list = table.get(name);
      if (!list) table.set(name, (list = []));
      list.push(id);
      this.ordinals.set(id, list.length);
    }
  }

  /** 1 for the first struct/union/enum (or typedef) of its name, 2 for the next, … */
  ordinal(id: number): number {
    return this.ordinals.get(id) ?? 1;
  }

  /** The C name with its duplicate suffix, as vmlinux.h spells it (`workspace___2`). */
  cName(id: number): string {
    const t = this.types[id] as { name?: string };
    const n = this.ordinal(id);
    return `${t.name ?? ""}${n > 1 ? `___${n}` : ""}`;
  }

  /** All struct/union/enum ids with this exact C name, in id order. */
  tagsNamed(name: string): readonly number[] {
    return this.tags.get(name) ?? [];
  }

  typedefsNamed(name: string): readonly number[] {
    return this.typedefs.get(name) ?? [];
  }

  /**
   * The definition a forward declaration stands for: the first struct (or
   * union) of that name, as a C compiler of vmlinux.h would see it; undefined
   * when the BTF has none.
   */
  fwdTarget(id: number): number | undefined {
    const t = this.types[id];
    if (t?.kind !== BTF_KIND_FWD) return undefined;
    const want = t.union ? BTF_KIND_UNION : BTF_KIND_STRUCT;
    return this.tagsNamed(t.name).find((d) => this.types[d]!.kind === want);
  }

  /** The first forward declaration of `struct name` / `union name`. */
  fwdNamed(kind: "struct" | "union", name: string): number | undefined {
    return this.fwds.get(`${kind} ${name}`);
  }

  /**
   * The BTF type id a brand names: a struct/union (or, for a forward declaration
   * the BTF never defines, the FWD), or a typedef (of an anonymous struct/union).
   */
  resolve(brand: Brand | string): number | undefined {
    const b = typeof brand === "string" ? parseBrand(brand) : brand;
    if (!b) return undefined;
    if (b.kind === "typedef") return this.typedefsNamed(b.name)[b.ordinal - 1];
    const id = this.tagsNamed(b.name)[b.ordinal - 1];
    const want = b.kind === "union" ? BTF_KIND_UNION : BTF_KIND_STRUCT;
    if (id !== undefined && this.types[id]!.kind === want) return id;
    return b.ordinal === 1 ? this.fwdNamed(b.kind, b.name) : undefined;
  }
}

export interface FlatMember {
  /** Member name as written in C (a member reached through anonymous members keeps its own name). */
  name: string;
  /** BTF type id of the member (modifiers not skipped). */
  type: number;
  /** Offset in bits from the start of the outermost struct/union. */
  bitOffset: number;
  /** Width in bits for a bitfield; 0 otherwise. */
  bitfieldSize: number;
  /** True when the member belongs to an anonymous struct/union member (C11 anonymous members). */
  viaAnonymous: boolean;
  /** Set when the member's type is const-qualified. */
  readonly: boolean;
  /**
   * Member indices from the outer struct down to this member, through the
   * anonymous members it is lifted from: the tail of a CO-RE access string
   * (`sk_buff.len` → [i], `sk_buff.next` → [0, 0, 0]).
   */
  path: number[];
}

/**
 * The members of a struct/union as C code names them: the members of anonymous
 * struct/union members are lifted into their parent with parent-relative
 * offsets (`sk_buff.next` lives in an anonymous union inside an anonymous
 * struct), unnamed bitfields (padding) are dropped. Member order is BTF order.
 */
export function flattenMembers(types: readonly BtfType[], id: number): FlatMember[] {
  const out: FlatMember[] = [];
  const seen = new Set<string>();
  const walk = (sid: number, base: number, prefix: number[]): void => {
    const t = types[sid];
    if (!t || (t.kind !== BTF_KIND_STRUCT && t.kind !== BTF_KIND_UNION) || prefix.length > 64) return;
    t.members.forEach((m, i) => {
      if (!m.name) {
        const inner = resolveType(types, m.type);
        const it = types[inner];
        if (it && (it.kind === BTF_KIND_STRUCT || it.kind === BTF_KIND_UNION)) walk(inner, base + m.bitOffset, [...prefix, i]);
        return;
      }
      if (seen.has(m.name)) return; // not valid C; keep the first
      seen.add(m.name);
      out.push({
        name: m.name,
        type: m.type,
        bitOffset: base + m.bitOffset,
        bitfieldSize: m.bitfieldSize ?? 0,
        viaAnonymous: prefix.length > 0,
        readonly: types[m.type]?.kind === BTF_KIND_CONST,
        path: [...prefix, i],
      });
    });
  };
  walk(id, 0, []);
  return out;
}
