/**
 * Naming rules of `tsbpf vmlinux`: C names → TypeScript names, and the
 * deterministic allocation that resolves collisions (see README.md, "Names").
 */

/**
 * The names the generated module imports from "tsbpf". A kernel typedef with
 * one of these names is that builtin when it resolves to the same integer
 * (`typedef __u32 u32`); otherwise it is renamed.
 */
export const TSBPF_IMPORTS = ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "bool", "Ptr", "FixedArray", "AnyMap"] as const;
export type TsbpfImport = (typeof TSBPF_IMPORTS)[number];

/** Reserved words of JavaScript (strict mode) and TypeScript: never a declaration or parameter name. */
const RESERVED_WORDS = [
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else",
  "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof",
  "new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void",
  "while", "with", "implements", "interface", "let", "package", "private", "protected", "public",
  "static", "yield", "await", "arguments", "eval",
];

/** Names that cannot name a type alias or interface (predefined types, type operators, lib.d.ts globals). */
const RESERVED_TYPE_NAMES = [
  "any", "unknown", "never", "number", "bigint", "boolean", "string", "symbol", "object", "undefined",
  "keyof", "infer", "readonly", "unique", "asserts", "is", "satisfies", "as", "declare", "module",
  "namespace", "type", "abstract", "global", "require", "out", "accessor", "intrinsic",
  // runtime-types/lib.d.ts globals (shadowing them in the module would confuse readers)
  "Array", "ReadonlyArray", "Boolean", "Function", "CallableFunction", "NewableFunction", "IArguments",
  "Number", "BigInt", "Object", "RegExp", "String", "Symbol", "TemplateStringsArray", "PromiseLike",
  "Promise", "Partial", "Readonly", "Record",
];

const RESERVED_WORD_SET = new Set(RESERVED_WORDS);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function isIdentifier(s: string): boolean {
  return IDENTIFIER.test(s);
}

export function isReservedWord(s: string): boolean {
  return RESERVED_WORD_SET.has(s);
}

/** Any C (or Rust-mangled) name as a TypeScript identifier: other characters become `_`. */
export function sanitize(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_$]/g, "_");
  if (s === "") s = "_";
  if (/^[0-9]/.test(s)) s = "_" + s;
  return s;
}

/**
 * A struct, union or enum tag in PascalCase: leading and trailing underscores
 * are dropped, each `_`-separated word is capitalised, and a run of two or more
 * underscores inside the name is kept as one `_` (`bpf_iter__task` →
 * `BpfIter_Task`, distinct from `bpf_iter_task` → `BpfIterTask`).
 * `task_struct` → `TaskStruct`, `__sk_buff` → `SkBuff`, `ZSTD_MatchState_t` → `ZSTDMatchStateT`.
 */
export function pascalCase(cName: string): string {
  const s = cName.replace(/[^A-Za-z0-9_$]/g, "_").replace(/^_+/, "").replace(/_+$/, "");
  let out = "";
  for (const piece of s.split(/(_+)/)) {
    if (piece === "") continue;
    if (piece[0] === "_") {
      if (piece.length >= 2) out += "_";
      continue;
    }
    out += piece[0]!.toUpperCase() + piece.slice(1);
  }
  if (out === "") out = "Anon";
  if (/^[0-9]/.test(out)) out = "_" + out;
  return out;
}

/**
 * The suffix libbpf's `btf_dump` (and so bpftool's vmlinux.h) gives the second,
 * third, … type of the same name: `workspace`, `workspace___2`, `workspace___3`.
 */
export function dupSuffix(ordinal: number): string {
  return ordinal <= 1 ? "" : `___${ordinal}`;
}

/**
 * One TypeScript namespace (types, or values) being filled in a fixed order:
 * the first claim of a name gets it, later claims get `name___2`, `name___3`, …
 * (reserved names count as already claimed).
 */
export class NameTable {
  private readonly counts = new Map<string, number>();
  private readonly taken = new Set<string>();

  constructor(reserved: Iterable<string>) {
    for (const r of reserved) {
      this.taken.add(r);
      this.counts.set(r, 1);
    }
  }

  static forTypes(): NameTable {
    return new NameTable([...RESERVED_WORDS, ...RESERVED_TYPE_NAMES, ...TSBPF_IMPORTS]);
  }

  static forValues(): NameTable {
    return new NameTable([...RESERVED_WORDS, ...TSBPF_IMPORTS]);
  }

  has(name: string): boolean {
    return this.taken.has(name);
  }

  /** Claim `preferred` (a valid identifier) or its first free `___N` variant. */
  claim(preferred: string): string {
    let n = this.counts.get(preferred) ?? 0;
    let name = preferred;
    while (this.taken.has(name)) {
      n++;
      name = `${preferred}${dupSuffix(n)}`;
    }
    this.counts.set(preferred, Math.max(n, 1));
    this.taken.add(name);
    return name;
  }
}

/** A parameter or tuple label: an identifier that is not a reserved word. */
export function paramName(name: string | undefined, index: number): string {
  if (!name) return `arg${index}`;
  const s = sanitize(name);
  return isReservedWord(s) ? `${s}_` : s;
}

/** A property name: bare when it is an identifier, else quoted. */
export function propertyName(name: string): string {
  return isIdentifier(name) ? name : JSON.stringify(name);
}
