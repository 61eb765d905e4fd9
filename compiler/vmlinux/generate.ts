/**
 * BTF → TypeScript declarations: the vmlinux.h of tsbpf (`tsbpf vmlinux`).
 * README.md in this directory is the contract: names, brands, the type mapping,
 * what a subset (`types`) contains.
 */
import { createHash } from "node:crypto";
import {
  BTF_INT_BOOL,
  BTF_INT_SIGNED,
  BTF_KIND_ARRAY,
  BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_FWD,
  BTF_KIND_INT,
  BTF_KIND_PTR,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF,
  BTF_KIND_UNION,
  BTF_KIND_UNKN,
} from "../btf/kinds.js";
import type { ParsedBtf } from "../btf/parse.js";
import type { BtfEnum, BtfEnum64, BtfFuncProto, BtfInt, BtfStruct, BtfType } from "../btf/types.js";
import { CTypePrinter } from "./ctype.js";
import { BTF_BRAND, BrandIndex, flattenMembers, formatBrand, resolveType, skipModifiers } from "./layout.js";
import { NameTable, TSBPF_IMPORTS, pascalCase, paramName, propertyName, sanitize, type TsbpfImport } from "./names.js";

export interface VmlinuxOptions {
  /**
   * Types to emit, with everything they need (C names such as `task_struct`,
   * typedef names, enumerator names — which emit their enum — or generated
   * TypeScript names such as `TaskStruct`). Undefined: every named type.
   */
  types?: readonly string[];
  /** Kernel functions (kfuncs, fentry targets) whose prototypes to emit as function types. */
  funcs?: readonly string[];
  /** Emit every kfunc (functions with the `bpf_kfunc` BTF declaration tag). */
  kfuncs?: boolean;
  /** Raw tracepoints (`sched_switch`) whose argument tuples to emit; every one when `types` is undefined. */
  tracepoints?: readonly string[];
  /** sha256 of the BTF bytes (see `btfDigest`), recorded in the header. */
  digest?: string;
}

export interface VmlinuxStats {
  /** interfaces with members / opaque interfaces */
  structs: number;
  opaque: number;
  typedefs: number;
  enums: number;
  constants: number;
  tracepoints: number;
  funcs: number;
}

export interface VmlinuxResult {
  text: string;
  stats: VmlinuxStats;
}

/** A name given in the options that the BTF does not have. */
export class VmlinuxNameError extends Error {
  constructor(readonly what: string, readonly names: readonly string[]) {
    super(`${what} not found in the BTF: ${names.join(", ")}`);
  }
}

/**
 * The C names of BPF program-context structs whose tsbpf names DSL.md fixes
 * and that would otherwise lose a PascalCase collision (`sk_buff` and
 * `__sk_buff` both give `SkBuff`; the DSL's `SkBuff` is `__sk_buff`). They are
 * named first.
 */
export const CONTEXT_STRUCTS: readonly string[] = ["__sk_buff"];

const TP_BASE = 1 << 24;
const FUNC_BASE = 2 << 24;
const KFUNC_TAG = "bpf_kfunc";
const TRACE_PREFIX = "btf_trace_";
const PROBESTUB_PREFIX = "__probestub_";

type TypedefForm =
  /** a tsbpf builtin (`typedef __u32 u32`): no declaration */
  | { form: "builtin"; ref: string }
  /** `typedef struct foo foo` where the tag's TS name is the typedef's: no declaration */
  | { form: "same"; target: number }
  /** `typedef struct { … } atomic_t`: an interface of its own */
  | { form: "interface"; name: string }
  | { form: "alias"; name: string };

function doc(text: string): string {
  return text.replace(/\*\//g, "*\\/");
}

function bigLiteral(v: bigint): string {
  const abs = v < 0n ? -v : v;
  const body = abs <= BigInt(Number.MAX_SAFE_INTEGER) ? abs.toString() : `0x${abs.toString(16)}`;
  return v < 0n ? `-${body}` : body;
}

export function generateVmlinux(btf: ParsedBtf | readonly BtfType[], options: VmlinuxOptions = {}): VmlinuxResult {
  return new Generator("types" in btf ? btf.types : btf, options).run();
}

/** sha256 of raw BTF bytes, for the generated file's header. */
export function btfDigest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

class Generator {
  private readonly index: BrandIndex;
  private readonly ctype: CTypePrinter;
  /** TS name of every named struct/union/enum, of FWD-only declarations, of tracepoint args and funcs (by key) */
  private readonly tsNames = new Map<number, string>();
  private readonly typedefs = new Map<number, TypedefForm>();
  /** enum id → TS names of its enumerators */
  private readonly valueNames = new Map<number, string[]>();
  /** tracepoint name → btf_trace_ typedef id */
  private readonly tracepointIds = new Map<string, number>();
  private readonly funcIdsByName = new Map<string, number[]>();
  private readonly probestubs = new Map<string, number>();
  private readonly tsNameToKey = new Map<string, number>();

  private readonly level = new Map<number, number>();
  private readonly queue: number[] = [];
  private readonly out = new Map<number, string>();
  private readonly used = new Set<TsbpfImport>();
  private kfuncIds = new Set<number>();

  constructor(
    private readonly types: readonly BtfType[],
    private readonly options: VmlinuxOptions,
  ) {
    this.index = new BrandIndex(types);
    this.ctype = new CTypePrinter(types, (id) => this.index.cName(id));
    this.allocateNames();
  }

  // ------------------------------------------------------------------ names

  /**
   * Names are allocated over the whole BTF, whatever subset is emitted, so a
   * type has the same TypeScript name in every file generated from one BTF.
   */
  private allocateNames(): void {
    const types = this.types;
    const typeNames = NameTable.forTypes();
    const valueNames = NameTable.forValues();
    const claimType = (key: number, preferred: string): string => {
      const name = typeNames.claim(preferred);
      this.tsNames.set(key, name);
      this.tsNameToKey.set(name, key);
      return name;
    };

    // 1. struct/union/enum tags: DSL context names, then fewer leading underscores, then type id.
    const tags: number[] = [];
    for (let id = 1; id < types.length; id++) {
      const t = types[id]!;
      if ((t.kind === BTF_KIND_STRUCT || t.kind === BTF_KIND_UNION || t.kind === BTF_KIND_ENUM || t.kind === BTF_KIND_ENUM64) && t.name) {
        tags.push(id);
      }
    }
    const rank = (id: number): number => {
      const t = types[id] as { name: string; kind: number };
      if (t.kind === BTF_KIND_STRUCT && CONTEXT_STRUCTS.includes(t.name) && this.index.ordinal(id) === 1) return -1;
      return /^_*/.exec(t.name)![0].length;
    };
    const ranks = new Map(tags.map((id) => [id, rank(id)]));
    tags.sort((a, b) => ranks.get(a)! - ranks.get(b)! || a - b);
    for (const id of tags) claimType(id, pascalCase((types[id] as { name: string }).name));

    // 2. forward declarations the BTF never defines: opaque interfaces.
    for (let id = 1; id < types.length; id++) {
      const t = types[id]!;
      if (t.kind !== BTF_KIND_FWD || this.index.fwdTarget(id) !== undefined) continue;
      if (this.index.fwdNamed(t.union ? "union" : "struct", t.name) !== id) continue;
      claimType(id, pascalCase(t.name));
    }

    // 3. typedefs, verbatim.
    const builtins = new Set<string>(["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "bool"]);
    for (let id = 1; id < types.length; id++) {
      const t = types[id]!;
      if (t.kind !== BTF_KIND_TYPEDEF) continue;
      if (t.name.startsWith(TRACE_PREFIX)) this.tracepointIds.set(t.name.slice(TRACE_PREFIX.length), id);
      if (builtins.has(t.name)) {
        const r = types[resolveType(types, id)];
        if (r?.kind === BTF_KIND_INT && this.intName(r, false) === t.name) {
          this.typedefs.set(id, { form: "builtin", ref: t.name });
          continue;
        }
      }
      let target = skipModifiers(types, t.type);
      const tt = types[target];
      if (tt?.kind === BTF_KIND_FWD) target = this.index.fwdTarget(target) ?? target;
      const targetName = this.tsNames.get(target);
      if (targetName !== undefined && targetName === sanitize(t.name)) {
        this.typedefs.set(id, { form: "same", target });
        continue;
      }
      const name = claimType(id, sanitize(t.name));
      const anonStruct = tt && (tt.kind === BTF_KIND_STRUCT || tt.kind === BTF_KIND_UNION) && !tt.name;
      this.typedefs.set(id, anonStruct ? { form: "interface", name } : { form: "alias", name });
    }

    // 4. tracepoint argument tuples, 5. functions.
    for (const [tp, id] of [...this.tracepointIds].sort((a, b) => a[1] - b[1])) {
      if (!this.traceProto(id)) {
        this.tracepointIds.delete(tp);
        continue;
      }
      claimType(TP_BASE + id, `${pascalCase(tp)}Args`);
    }
    for (let id = 1; id < types.length; id++) {
      const t = types[id]!;
      if (t.kind === BTF_KIND_DECL_TAG && t.name === KFUNC_TAG && t.componentIdx === -1) this.kfuncIds.add(t.type);
      if (t.kind !== BTF_KIND_FUNC) continue;
      let list = this.funcIdsByName.get(t.name);
      if (!list) this.funcIdsByName.set(t.name, (list = []));
      list.push(id);
      if (t.name.startsWith(PROBESTUB_PREFIX)) this.probestubs.set(t.name.slice(PROBESTUB_PREFIX.length), id);
      claimType(FUNC_BASE + id, sanitize(t.name));
    }

    // Enumerators: one value namespace, in type-id order.
    for (let id = 1; id < types.length; id++) {
      const t = types[id]!;
      if (t.kind !== BTF_KIND_ENUM && t.kind !== BTF_KIND_ENUM64) continue;
      this.valueNames.set(id, t.values.map((v) => valueNames.claim(sanitize(v.name))));
    }
  }

  /** The FUNC_PROTO of a `btf_trace_<tp>` typedef (a pointer to a prototype whose first parameter is `void *`). */
  private traceProto(typedefId: number): BtfFuncProto | undefined {
    const p = this.types[resolveType(this.types, typedefId)];
    if (p?.kind !== BTF_KIND_PTR) return undefined;
    const proto = this.types[skipModifiers(this.types, p.type)];
    if (proto?.kind !== BTF_KIND_FUNC_PROTO || proto.params.length === 0) return undefined;
    return proto;
  }

  // ------------------------------------------------------------ the closure

  private need(key: number, level: 1 | 2): void {
    if ((this.level.get(key) ?? 0) >= level) return;
    this.level.set(key, level);
    this.queue.push(key);
  }

  run(): VmlinuxResult {
    const { types: wanted, funcs, kfuncs, tracepoints } = this.options;
    const types = this.types;
    if (wanted === undefined) {
      for (let id = 1; id < types.length; id++) {
        const t = types[id]!;
        switch (t.kind) {
          case BTF_KIND_STRUCT:
          case BTF_KIND_UNION:
            if (t.name) this.need(id, 2);
            break;
          case BTF_KIND_ENUM:
          case BTF_KIND_ENUM64:
            this.need(id, 2);
            break;
          case BTF_KIND_TYPEDEF: {
            const f = this.typedefs.get(id)!;
            if (f.form === "alias" || f.form === "interface") this.need(id, 2);
            break;
          }
          case BTF_KIND_FWD:
            if (this.tsNames.has(id)) this.need(id, 1);
            break;
        }
      }
      for (const id of this.tracepointIds.values()) this.need(TP_BASE + id, 2);
    } else {
      const missing: string[] = [];
      for (const name of wanted) if (!this.requestType(name)) missing.push(name);
      if (missing.length) throw new VmlinuxNameError("types", missing);
    }
    if (tracepoints) {
      const missing: string[] = [];
      for (const tp of tracepoints) {
        const id = this.tracepointIds.get(tp.startsWith(TRACE_PREFIX) ? tp.slice(TRACE_PREFIX.length) : tp);
        if (id === undefined) missing.push(tp);
        else this.need(TP_BASE + id, 2);
      }
      if (missing.length) throw new VmlinuxNameError("tracepoints", missing);
    }
    if (funcs) {
      const missing: string[] = [];
      for (const f of funcs) {
        const ids = this.funcIdsByName.get(f);
        if (!ids) missing.push(f);
        else for (const id of ids) this.need(FUNC_BASE + id, 2);
      }
      if (missing.length) throw new VmlinuxNameError("functions", missing);
    }
    if (kfuncs) for (const id of this.kfuncIds) this.need(FUNC_BASE + id, 2);

    while (this.queue.length) {
      const key = this.queue.pop()!;
      this.out.set(key, this.render(key, this.level.get(key) as 1 | 2));
    }
    return { text: this.assemble(), stats: this.count() };
  }

  /** Marks what a requested name stands for; false when nothing matches. */
  private requestType(name: string): boolean {
    let found = false;
    for (const id of this.index.tagsNamed(name)) {
      this.need(id, 2);
      found = true;
    }
    for (const id of this.index.typedefsNamed(name)) {
      this.typeExpr(id, false, "");
      found = true;
    }
    if (!found) {
      for (const [enumId, names] of this.valueNames) {
        const e = this.types[enumId] as BtfEnum | BtfEnum64;
        if (e.values.some((v) => v.name === name) || names.includes(name)) {
          this.need(enumId, 2);
          found = true;
        }
      }
    }
    if (!found) {
      const key = this.tsNameToKey.get(name);
      if (key !== undefined && key < TP_BASE) {
        this.need(key, 2);
        found = true;
      }
    }
    if (!found) {
      const fwd = this.index.fwdNamed("struct", name) ?? this.index.fwdNamed("union", name);
      if (fwd !== undefined && this.tsNames.has(fwd)) {
        this.need(fwd, 1);
        found = true;
      }
    }
    return found;
  }

  // ------------------------------------------------------------ type mapping

  private use(name: TsbpfImport): string {
    this.used.add(name);
    return name;
  }

  /** tsbpf's name for an integer; undefined for sizes it has none for. */
  private intName(t: { size: number; encoding?: number; signed?: boolean }, mark = true): string | undefined {
    if (t.encoding !== undefined && t.encoding & BTF_INT_BOOL) return mark ? this.use("bool") : "bool";
    const signed = t.signed ?? ((t.encoding ?? 0) & BTF_INT_SIGNED) !== 0;
    if (![1, 2, 4, 8].includes(t.size)) return undefined;
    const name = `${signed ? "i" : "u"}${t.size * 8}` as TsbpfImport;
    return mark ? this.use(name) : name;
  }

  private intType(t: BtfInt | BtfEnum | BtfEnum64): string {
    const name = this.intName(t);
    if (name) return name;
    this.use("FixedArray");
    if (t.size % 8 === 0) return `FixedArray<${this.use("u64")}, ${t.size / 8}>`;
    return `FixedArray<${this.use("u8")}, ${t.size}>`;
  }

  /** True when a pointer to `id` is a struct reference (the pointer is implicit). */
  private isStructLike(id: number): boolean {
    const t = this.types[resolveType(this.types, id)];
    return !!t && (t.kind === BTF_KIND_STRUCT || t.kind === BTF_KIND_UNION || t.kind === BTF_KIND_FWD);
  }

  /**
   * The TypeScript type of BTF type `id`. `behindPointer`: the type is reached
   * through a pointer, so a named struct it names is needed only as an opaque
   * interface. `indent` is the indentation of the line the type is written on
   * (for inline anonymous structs).
   */
  private typeExpr(id: number, behindPointer: boolean, indent: string): string {
    id = skipModifiers(this.types, id);
    const t = this.types[id];
    if (!t) return "unknown";
    switch (t.kind) {
      case BTF_KIND_UNKN:
      case BTF_KIND_FLOAT:
        return "unknown";
      case BTF_KIND_INT:
        return this.intType(t);
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
        this.need(id, 2);
        return t.name ? this.tsNames.get(id)! : this.intType(t);
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        if (!t.name) return this.inlineStruct(id, indent);
        this.need(id, behindPointer ? 1 : 2);
        return this.tsNames.get(id)!;
      case BTF_KIND_FWD: {
        const def = this.index.fwdTarget(id);
        if (def !== undefined) return this.typeExpr(def, behindPointer, indent);
        const first = this.index.fwdNamed(t.union ? "union" : "struct", t.name)!;
        this.need(first, 1);
        return this.tsNames.get(first)!;
      }
      case BTF_KIND_TYPEDEF: {
        const f = this.typedefs.get(id)!;
        if (f.form === "builtin") return this.use(f.ref as TsbpfImport);
        if (f.form === "same") return this.typeExpr(f.target, behindPointer, indent);
        this.need(id, behindPointer ? 1 : 2);
        return f.name;
      }
      case BTF_KIND_PTR: {
        const target = skipModifiers(this.types, t.type);
        const tt = this.types[target];
        if (!tt || tt.kind === BTF_KIND_UNKN) return "unknown";
        if (this.isStructLike(target)) return this.typeExpr(target, true, indent);
        if (tt.kind === BTF_KIND_FUNC_PROTO) return this.funcType(tt, { indent });
        return `${this.use("Ptr")}<${this.typeExpr(target, true, indent)}>`;
      }
      case BTF_KIND_ARRAY:
        return `${this.use("FixedArray")}<${this.typeExpr(t.type, behindPointer, indent)}, ${t.nelems}>`;
      case BTF_KIND_FUNC_PROTO:
        return this.funcType(t, { indent });
      default:
        return "unknown";
    }
  }

  /** `(a: A, b: B) => R` for a prototype; pointer returns may be null. */
  private funcType(
    proto: BtfFuncProto,
    opts: { indent: string; names?: readonly (string | undefined)[]; kfunc?: boolean; dropFirst?: boolean; roots?: boolean },
  ): string {
    const params = this.params(proto, opts);
    const ret = this.retType(proto.ret, opts.indent);
    return `(${params.join(", ")}) => ${ret}`;
  }

  private retType(ret: number, indent: string): string {
    if (ret === 0 || this.types[skipModifiers(this.types, ret)]?.kind === BTF_KIND_UNKN) return "void";
    const text = this.typeExpr(ret, false, indent);
    return this.types[resolveType(this.types, ret)]?.kind === BTF_KIND_PTR ? nullable(text) : text;
  }

  /** `name: Type` for each parameter (labels for tuples too). */
  private params(
    proto: BtfFuncProto,
    opts: { indent: string; names?: readonly (string | undefined)[]; kfunc?: boolean; dropFirst?: boolean; roots?: boolean },
  ): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    const first = opts.dropFirst ? 1 : 0;
    for (let i = first; i < proto.params.length; i++) {
      const p = proto.params[i]!;
      if (p.type === 0 && i === proto.params.length - 1) {
        out.push("...args: unknown[]");
        break;
      }
      const cName = opts.names?.[i] || p.name;
      let name = paramName(cName, i - first);
      while (seen.has(name)) name = `${name}_${i}`;
      seen.add(name);
      if (opts.roots) {
        // The structs a function or tracepoint takes pointers to are what a program reads: in full.
        const r = this.types[resolveType(this.types, p.type)];
        if (r?.kind === BTF_KIND_PTR && this.isStructLike(r.type)) this.typeExpr(r.type, false, opts.indent);
      }
      out.push(`${name}: ${this.paramType(p.type, cName, opts)}`);
    }
    return out;
  }

  private paramType(type: number, cName: string | undefined, opts: { indent: string; kfunc?: boolean }): string {
    if (opts.kfunc && cName) {
      if (cName.endsWith("__str")) return "string";
      if (cName.endsWith("__map")) return this.use("AnyMap");
      const text = this.typeExpr(type, false, opts.indent);
      if ((cName.endsWith("__nullable") || cName.endsWith("__opt")) && this.types[resolveType(this.types, type)]?.kind === BTF_KIND_PTR) {
        return nullable(text);
      }
      return text;
    }
    return this.typeExpr(type, false, opts.indent);
  }

  /** An anonymous struct/union used as a type: an object type literal. */
  private inlineStruct(id: number, indent: string): string {
    const lines = this.memberLines(id, `${indent}  `);
    return lines.length ? `{\n${lines.join("\n")}\n${indent}}` : "{}";
  }

  private memberLines(id: number, indent: string): string[] {
    const lines: string[] = [];
    for (const m of flattenMembers(this.types, id)) {
      const byte = Math.floor(m.bitOffset / 8);
      let note = `@offset ${byte}`;
      if (m.bitfieldSize) note += ` @bitOffset ${m.bitOffset} @bitSize ${m.bitfieldSize}`;
      note += ` \`${this.ctype.decl(m.type)}\``;
      if (m.viaAnonymous) note += " (anonymous member)";
      lines.push(`${indent}/** ${doc(note)} */`);
      lines.push(`${indent}${m.readonly ? "readonly " : ""}${propertyName(m.name)}: ${this.typeExpr(m.type, false, indent)};`);
    }
    return lines;
  }

  // ------------------------------------------------------------- rendering

  private render(key: number, level: 1 | 2): string {
    if (key >= FUNC_BASE) return this.renderFunc(key - FUNC_BASE);
    if (key >= TP_BASE) return this.renderTracepoint(key - TP_BASE);
    const t = this.types[key]!;
    switch (t.kind) {
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION: {
        const kind = t.kind === BTF_KIND_UNION ? "union" : "struct";
        const brand = formatBrand({ kind, name: t.name!, ordinal: this.index.ordinal(key) });
        return this.renderInterface(this.tsNames.get(key)!, brand, `\`${kind} ${this.index.cName(key)}\``, level === 2 ? key : undefined, t);
      }
      case BTF_KIND_FWD: {
        const kind = t.union ? "union" : "struct";
        return this.renderInterface(this.tsNames.get(key)!, `${kind} ${t.name}`, `\`${kind} ${t.name}\`, declared but never defined in this BTF`, undefined);
      }
      case BTF_KIND_TYPEDEF:
        return this.renderTypedef(key, level);
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
        return this.renderEnum(key, t);
      default:
        throw new Error(`tsbpf vmlinux: nothing to render for type [${key}]`);
    }
  }

  private renderInterface(name: string, brand: string, what: string, membersOf: number | undefined, s?: BtfStruct): string {
    const lines = ["/**"];
    if (membersOf !== undefined) {
      lines.push(` * ${doc(what)}, ${s!.size} bytes.`);
    } else {
      const cname = /^(?:struct|union|typedef) (.*?)(?:___\d+)?$/.exec(brand)![1];
      lines.push(` * ${doc(what)}${what.includes("never defined") ? "" : `: opaque here (emit it with \`--types ${cname}\` for its members)`}.`);
    }
    lines.push(` * @btf ${brand}`, " */", `export interface ${name} {`, `  readonly ${JSON.stringify(BTF_BRAND)}: ${JSON.stringify(brand)};`);
    if (membersOf !== undefined) lines.push(...this.memberLines(membersOf, "  "));
    lines.push("}");
    return lines.join("\n");
  }

  private renderTypedef(id: number, level: 1 | 2): string {
    const t = this.types[id] as { name: string; type: number };
    const f = this.typedefs.get(id)!;
    const cDecl = `typedef ${this.ctype.decl(t.type, this.index.cName(id))}`;
    const brand = formatBrand({ kind: "typedef", name: t.name, ordinal: this.index.ordinal(id) });
    if (f.form === "interface") {
      const target = skipModifiers(this.types, t.type);
      const s = this.types[target] as BtfStruct;
      return this.renderInterface(f.name, brand, `\`${cDecl}\``, level === 2 ? target : undefined, s);
    }
    if (f.form !== "alias") throw new Error(`tsbpf vmlinux: typedef [${id}] has no declaration`);
    const body = this.typeExpr(t.type, level === 1, "");
    return `/**\n * \`${doc(cDecl)}\`\n * @btf ${brand}\n */\nexport type ${f.name} = ${body};`;
  }

  private renderEnum(id: number, t: BtfEnum | BtfEnum64): string {
    const names = this.valueNames.get(id)!;
    const intType = this.intType(t);
    const cName = t.name ? `enum ${this.index.cName(id)}` : "anonymous enum";
    const lines = ["/**", ` * \`${doc(cName)}\`, ${t.size} bytes, ${t.signed ? "signed" : "unsigned"}.`];
    if (t.name) {
      lines.push(` * @btf enum ${this.index.cName(id)}`, " */", `export type ${this.tsNames.get(id)} = ${intType};`);
    } else {
      lines.push(" */");
    }
    t.values.forEach((v, i) => {
      const value = typeof v.value === "bigint" ? bigLiteral(v.value) : String(v.value);
      if (names[i] !== v.name) lines.push(`/** \`${doc(v.name)}\` of \`${doc(cName)}\` */`);
      lines.push(`export declare const ${names[i]} = ${value};`);
    });
    return lines.join("\n");
  }

  private renderTracepoint(typedefId: number): string {
    const t = this.types[typedefId] as { name: string };
    const tp = t.name.slice(TRACE_PREFIX.length);
    const proto = this.traceProto(typedefId)!;
    // Parameter names come from the tracepoint's probe stub, `__probestub_<tp>(void *__data, proto)`.
    let names: (string | undefined)[] | undefined;
    const stub = this.probestubs.get(tp);
    if (stub !== undefined) {
      const sp = this.types[(this.types[stub] as { type: number }).type];
      if (sp?.kind === BTF_KIND_FUNC_PROTO && sp.params.length === proto.params.length) names = sp.params.map((p) => p.name);
    }
    const params = this.params(proto, { indent: "", names, dropFirst: true, roots: true });
    const cParams = proto.params.slice(1).map((p, i) => this.ctype.decl(p.type, names?.[i + 1] ?? p.name ?? "")).join(", ");
    return [
      "/**",
      ` * Arguments of the raw tracepoint \`${doc(tp)}\` (\`tpBtf("${doc(tp)}", …)\`), in order: \`${doc(t.name)}\``,
      ` * without its leading \`void *__data\`: (${doc(cParams)}).`,
      ` * @btf tracepoint ${doc(tp)}`,
      " */",
      `export type ${this.tsNames.get(TP_BASE + typedefId)} = [${params.join(", ")}];`,
    ].join("\n");
  }

  private renderFunc(funcId: number): string {
    const f = this.types[funcId] as { name: string; type: number };
    const proto = this.types[f.type];
    if (proto?.kind !== BTF_KIND_FUNC_PROTO) throw new Error(`tsbpf vmlinux: function [${funcId}] has no prototype`);
    const kfunc = this.kfuncIds.has(funcId);
    const text = this.funcType(proto, { indent: "", kfunc, roots: true });
    return [
      "/**",
      ` * \`${doc(this.ctype.decl(f.type, f.name))}\`${kfunc ? " (kfunc)" : ""}`,
      ` * @btf func ${doc(f.name)}`,
      " */",
      `export type ${this.tsNames.get(FUNC_BASE + funcId)} = ${text};`,
    ].join("\n");
  }

  private count(): VmlinuxStats {
    const stats: VmlinuxStats = { structs: 0, opaque: 0, typedefs: 0, enums: 0, constants: 0, tracepoints: 0, funcs: 0 };
    for (const [key, level] of this.level) {
      if (key >= FUNC_BASE) stats.funcs++;
      else if (key >= TP_BASE) stats.tracepoints++;
      else {
        const t = this.types[key]!;
        if (t.kind === BTF_KIND_ENUM || t.kind === BTF_KIND_ENUM64) {
          if (t.name) stats.enums++;
          stats.constants += t.values.length;
        } else if (t.kind === BTF_KIND_TYPEDEF && this.typedefs.get(key)!.form === "alias") stats.typedefs++;
        else if (level === 2 && t.kind !== BTF_KIND_FWD) stats.structs++;
        else stats.opaque++;
      }
    }
    return stats;
  }

  private assemble(): string {
    const keys = [...this.out.keys()].sort((a, b) => a - b);
    const head = [
      "// Kernel types for tsbpf programs, generated by `tsbpf vmlinux` from BTF. Do not edit.",
      `// ${this.describeOptions()}`,
      "// Interfaces carry their kernel type as `readonly \"@btf\": \"struct name\"`; member comments give",
      "// byte offsets (and bit offsets/sizes of bitfields) in the BTF this file was generated from.",
      "",
    ];
    const imports = TSBPF_IMPORTS.filter((n) => this.used.has(n));
    if (imports.length) head.push(`import type { ${imports.join(", ")} } from "tsbpf";`, "");
    const parts = [head.join("\n")];
    for (const k of keys) parts.push(this.out.get(k)!, "");
    return parts.join("\n");
  }

  private describeOptions(): string {
    const { types, funcs, kfuncs, tracepoints } = this.options;
    const list = (xs: readonly string[]) => [...new Set(xs)].sort().join(",");
    const parts = [types === undefined ? "every named type" : `--types ${list(types)}`];
    if (tracepoints?.length) parts.push(`--tracepoints ${list(tracepoints)}`);
    if (funcs?.length) parts.push(`--funcs ${list(funcs)}`);
    if (kfuncs) parts.push("--kfuncs");
    const digest = this.options.digest ? `, sha256 ${this.options.digest}` : "";
    return `${this.types.length - 1} BTF types${digest}; ${parts.join(" ")}.`;
  }
}

/** `T | null` (a pointer that may be NULL); `unknown` already includes null. */
function nullable(text: string): string {
  if (text === "unknown") return text;
  return text.includes("=>") ? `(${text}) | null` : `${text} | null`;
}
