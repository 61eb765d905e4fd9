/**
 * `tsbpf build --skeleton`: a TypeScript module for a BPF object, generated
 * from the object itself (its symbols and BTF), so it works for clang's objects
 * as well as tsbpf's. It declares the object's types as interfaces with codecs,
 * and a class that opens/loads the object through `tsbpf/loader` and exposes
 * the programs, the maps with typed keys and values, and the global variables
 * of `.bss`/`.data`/`.rodata` as properties.
 */
import * as path from "node:path";
import type { ParsedBtf } from "../btf/parse.js";
import {
  BTF_INT_BOOL, BTF_INT_SIGNED, BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_ENUM, BTF_KIND_ENUM64,
  BTF_KIND_FLOAT, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG,
  BTF_KIND_UNION, BTF_KIND_VAR, BTF_KIND_VOLATILE, BTF_VAR_STATIC,
} from "../btf/kinds.js";
import type { BtfStruct, BtfType } from "../btf/types.js";
import { SHF_EXECINSTR, STB_GLOBAL, STT_FUNC } from "../elf/constants.js";
import { readElf, type ElfObject } from "../elf/reader.js";
import { readObjectBtf } from "./lineinfo.js";

export interface SkeletonOptions {
  /** Where the generated module imports the loader from (default "tsbpf/loader"). */
  loaderImport?: string;
  /** The object's path relative to the skeleton module (default: its basename, i.e. next to it). */
  objectPath?: string;
  /** Shown in the header comment. */
  source?: string;
}

/** Kernel objects inside map values that user space treats as opaque bytes. */
const KERNEL_OBJECTS = new Set([
  "bpf_wq", "bpf_timer", "bpf_spin_lock", "bpf_res_spin_lock", "bpf_list_head", "bpf_list_node", "bpf_rb_root",
  "bpf_rb_node", "bpf_refcount", "bpf_dynptr", "bpf_task_work",
]);

const MAP_TYPE_NAMES: Record<number, string> = {
  1: "hash", 2: "array", 3: "prog_array", 4: "perf_event_array", 5: "percpu_hash", 6: "percpu_array", 7: "stack_trace",
  8: "cgroup_array", 9: "lru_hash", 10: "lru_percpu_hash", 11: "lpm_trie", 12: "array_of_maps", 13: "hash_of_maps",
  14: "devmap", 15: "sockmap", 16: "cpumap", 17: "xskmap", 18: "sockhash", 19: "cgroup_storage", 20: "reuseport_sockarray",
  21: "percpu_cgroup_storage", 22: "queue", 23: "stack", 24: "sk_storage", 25: "devmap_hash", 26: "struct_ops", 27: "ringbuf",
  28: "inode_storage", 29: "task_storage", 30: "bloom_filter", 31: "user_ringbuf", 32: "cgrp_storage", 33: "arena",
};

const RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "import in instanceof new null return super switch this throw true try typeof var void while with yield let static " +
    "implements interface package private protected public await any boolean number string symbol bigint object never unknown undefined")
    .split(" "),
);

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function propName(name: string): string {
  return IDENT.test(name) ? name : JSON.stringify(name);
}

function pascal(s: string): string {
  const p = s.replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ? ch.toUpperCase() : "")).replace(/^./, (c) => c.toUpperCase());
  return /^[0-9]/.test(p) ? `_${p}` : p || "Object";
}

interface TsCodec {
  /** The TypeScript type. */
  ts: string;
  /** An expression of type Codec<ts>. */
  codec: string;
}

class Generator {
  private readonly decls: string[] = [];
  private readonly named = new Map<number, TsCodec>();
  private readonly inProgress = new Set<number>();
  readonly used = new Set<string>();

  constructor(private readonly btf: ParsedBtf, reserved: string[]) {
    for (const r of reserved) this.used.add(r);
  }

  declarations(): string {
    return this.decls.join("\n");
  }

  /** A fresh top-level name based on `want`. */
  fresh(want: string): string {
    let base = IDENT.test(want) ? want : want.replace(/[^A-Za-z0-9_$]/g, "_");
    if (/^[0-9]/.test(base)) base = `_${base}`;
    if (RESERVED.has(base)) base += "_";
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  type(id: number): BtfType {
    const t = this.btf.types[id];
    if (!t) throw new Error(`BTF type id ${id} out of range`);
    return t;
  }

  /** Skips typedefs and qualifiers. */
  resolve(id: number): number {
    for (let guard = 0; guard < 64; guard++) {
      const t = this.type(id);
      if (t.kind === BTF_KIND_TYPEDEF || t.kind === BTF_KIND_CONST || t.kind === BTF_KIND_VOLATILE || t.kind === BTF_KIND_RESTRICT || t.kind === BTF_KIND_TYPE_TAG) {
        id = t.type;
        continue;
      }
      return id;
    }
    return id;
  }

  sizeOf(id: number): number {
    const t = this.type(this.resolve(id));
    switch (t.kind) {
      case BTF_KIND_INT:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
      case BTF_KIND_FLOAT:
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        return t.size;
      case BTF_KIND_PTR:
        return 8;
      case BTF_KIND_ARRAY:
        return this.sizeOf(t.type) * t.nelems;
      default:
        return 0;
    }
  }

  /** The TypeScript type and codec of a BTF type. */
  of(id: number): TsCodec {
    const rid = this.resolve(id);
    const t = this.type(rid);
    switch (t.kind) {
      case BTF_KIND_INT: {
        if (t.encoding & BTF_INT_BOOL && t.size === 1) return { ts: "boolean", codec: "c.bool" };
        const signed = (t.encoding & BTF_INT_SIGNED) !== 0;
        if (t.size === 8) return { ts: "bigint", codec: signed ? "c.i64" : "c.u64" };
        if (t.size === 1 || t.size === 2 || t.size === 4) return { ts: "number", codec: `c.${signed ? "i" : "u"}${t.size * 8}` };
        return { ts: "Uint8Array", codec: `c.bytes(${t.size})` };
      }
      case BTF_KIND_ENUM: {
        if (t.size === 8) return { ts: "bigint", codec: t.signed ? "c.i64" : "c.u64" };
        if (t.size === 1 || t.size === 2 || t.size === 4) return { ts: "number", codec: `c.${t.signed ? "i" : "u"}${t.size * 8}` };
        return { ts: "Uint8Array", codec: `c.bytes(${t.size})` };
      }
      case BTF_KIND_ENUM64:
        return { ts: "bigint", codec: t.signed ? "c.i64" : "c.u64" };
      case BTF_KIND_FLOAT:
        return t.size === 4 ? { ts: "number", codec: "c.f32" } : t.size === 8 ? { ts: "number", codec: "c.f64" } : { ts: "Uint8Array", codec: `c.bytes(${t.size})` };
      case BTF_KIND_PTR:
        return { ts: "bigint", codec: "c.u64" };
      case BTF_KIND_ARRAY: {
        const elemId = this.resolve(t.type);
        const elem = this.type(elemId);
        if (elem.kind === BTF_KIND_INT && elem.size === 1 && !(elem.encoding & BTF_INT_BOOL)) return { ts: "Uint8Array", codec: `c.bytes(${t.nelems})` };
        const e = this.of(elemId);
        return { ts: `${e.ts.includes(" ") || e.ts.includes("{") ? `(${e.ts})` : e.ts}[]`, codec: `c.array(${e.codec}, ${t.nelems})` };
      }
      case BTF_KIND_STRUCT:
        if (t.name && KERNEL_OBJECTS.has(t.name)) return { ts: "Uint8Array", codec: `c.bytes(${t.size})` };
        return this.struct(rid, t);
      case BTF_KIND_UNION:
        return { ts: "Uint8Array", codec: `c.bytes(${t.size})` };
      default:
        return { ts: "Uint8Array", codec: `c.bytes(${this.sizeOf(rid)})` };
    }
  }

  private struct(id: number, t: BtfStruct): TsCodec {
    const known = this.named.get(id);
    if (known) return known;
    if (this.inProgress.has(id)) return { ts: "Uint8Array", codec: `c.bytes(${t.size})` }; // cannot recurse by value; defensive
    this.inProgress.add(id);
    const fields: string[] = [];
    const codecs: string[] = [];
    let anon = 0;
    for (const m of t.members) {
      const name = m.name || `_anon${anon++}`;
      let f: TsCodec;
      let offset = m.bitOffset / 8;
      if (m.bitfieldSize) {
        const mt = this.type(this.resolve(m.type));
        const signed = mt.kind === BTF_KIND_INT ? (mt.encoding & BTF_INT_SIGNED) !== 0 : mt.kind === BTF_KIND_ENUM ? !!mt.signed : false;
        f = { ts: "number", codec: `c.bitfield(${m.bitOffset}, ${m.bitfieldSize}${signed ? ", true" : ""})` };
        offset = 0;
      } else if (m.bitOffset % 8 !== 0) {
        f = { ts: "number", codec: `c.bitfield(${m.bitOffset}, ${this.sizeOf(m.type) * 8})` };
        offset = 0;
      } else {
        f = this.of(m.type);
      }
      fields.push(`${propName(name)}: ${f.ts};`);
      codecs.push(`${propName(name)}: [${offset}, ${f.codec}]`);
    }
    this.inProgress.delete(id);
    if (!t.name) {
      const ts = `{ ${fields.join(" ")} }`;
      return { ts, codec: `c.struct<${ts}>(${t.size}, { ${codecs.join(", ")} })` };
    }
    const name = this.fresh(pascalIfLower(t.name));
    const out = { ts: name, codec: name };
    this.named.set(id, out);
    this.decls.push(
      `/** \`struct ${t.name}\` (${t.size} bytes) */\n` +
        `export interface ${name} {\n${fields.map((f) => `  ${f}`).join("\n")}\n}\n` +
        `export const ${name}: Codec<${name}> = c.struct<${name}>(${t.size}, {\n${codecs.map((x) => `  ${x},`).join("\n")}\n});\n`,
    );
    return out;
  }
}

/** tsbpf keeps TypeScript's names (`HmapElem`); C's `struct elem` becomes `Elem`. */
function pascalIfLower(name: string): string {
  return /^[a-z]/.test(name) ? pascal(name) : name;
}

interface MapInfo {
  name: string;
  type?: number;
  key?: number;
  value?: number;
  keySize?: number;
  valueSize?: number;
  maxEntries?: number;
}

function readMaps(btf: ParsedBtf, gen: Generator): MapInfo[] {
  const maps: MapInfo[] = [];
  for (const t of btf.types) {
    if (t.kind !== BTF_KIND_DATASEC || t.name !== ".maps") continue;
    for (const v of t.vars) {
      const variable = btf.types[v.type];
      if (!variable || variable.kind !== BTF_KIND_VAR) continue;
      const def = gen.type(gen.resolve(variable.type));
      const info: MapInfo = { name: variable.name };
      if (def.kind === BTF_KIND_STRUCT) {
        for (const m of def.members) {
          const mt = gen.type(gen.resolve(m.type));
          const target = mt.kind === BTF_KIND_PTR ? gen.type(gen.resolve(mt.type)) : undefined;
          const nelems = target && target.kind === BTF_KIND_ARRAY ? target.nelems : undefined;
          switch (m.name) {
            case "type": info.type = nelems; break;
            case "max_entries": info.maxEntries = nelems; break;
            case "key_size": info.keySize = nelems; break;
            case "value_size": info.valueSize = nelems; break;
            case "key": if (mt.kind === BTF_KIND_PTR) info.key = mt.type; break;
            case "value": if (mt.kind === BTF_KIND_PTR) info.value = mt.type; break;
          }
        }
      }
      maps.push(info);
    }
  }
  return maps;
}

interface GlobalVar {
  name: string;
  offset: number;
  type: number;
}

interface GlobalSection {
  section: string;
  size: number;
  vars: GlobalVar[];
}

function readGlobals(btf: ParsedBtf): GlobalSection[] {
  const out: GlobalSection[] = [];
  for (const t of btf.types) {
    if (t.kind !== BTF_KIND_DATASEC || !/^\.(bss|data|rodata)(\.|$)/.test(t.name)) continue;
    const vars: GlobalVar[] = [];
    for (const v of t.vars) {
      const variable = btf.types[v.type];
      if (!variable || variable.kind !== BTF_KIND_VAR) continue;
      // Statics made by compilers (format strings: tsbpf's locals, clang's ____fmt) are not the program's variables.
      if (variable.linkage === BTF_VAR_STATIC && (!IDENT.test(variable.name) || variable.name.startsWith("__") || variable.name.startsWith("."))) continue;
      if (!IDENT.test(variable.name)) continue;
      vars.push({ name: variable.name, offset: v.offset, type: variable.type });
    }
    if (vars.length) out.push({ section: t.name, size: t.size, vars });
  }
  return out;
}

function sectionProperty(section: string): string {
  // .bss → bss, .data → data, .rodata → rodata, .data.cfg → data_cfg
  return section.slice(1).replace(/[^A-Za-z0-9_$]/g, "_");
}

interface ProgramInfo {
  name: string;
  section: string;
}

function readPrograms(elf: ElfObject): ProgramInfo[] {
  const exec = new Set(elf.sections.filter((s) => (s.flags & SHF_EXECINSTR) !== 0 && s.name !== ".text").map((s) => s.name));
  return elf.symbols
    .filter((s) => s.type === STT_FUNC && s.bind === STB_GLOBAL && s.section !== undefined && exec.has(s.section))
    .map((s) => ({ name: s.name, section: s.section! }));
}

/** The skeleton class's name for an object file: `wq.bpf.o` → `WqSkeleton`. */
export function skeletonClassName(objectPath: string): string {
  return `${pascal(path.basename(objectPath).replace(/(\.bpf)?\.o$/, ""))}Skeleton`;
}

/** The skeleton module's path for an object: `dist/wq.bpf.o` → `dist/wq.skel.ts`. */
export function skeletonPath(objectPath: string): string {
  return path.join(path.dirname(objectPath), `${path.basename(objectPath).replace(/(\.bpf)?\.o$/, "")}.skel.ts`);
}

/** Generates the skeleton module's text for the object `bytes` found at `objectPath`. */
export function generateSkeleton(bytes: Uint8Array, objectPath: string, opts: SkeletonOptions = {}): string {
  const elf = readElf(bytes);
  const { btf, error } = readObjectBtf(elf);
  if (!btf) throw new Error(`${objectPath}: no usable .BTF section${error ? ` (${error})` : ""}: a skeleton needs the object's BTF`);
  const className = skeletonClassName(objectPath);
  const gen = new Generator(btf, ["c", "L", "Codec", className, "OBJECT_FILE"]);
  const programs = readPrograms(elf);
  const maps = readMaps(btf, gen);
  const globals = readGlobals(btf);

  const mapLines: { decl: string; init: string; doc: string }[] = [];
  const scalarCodec = (size: number | undefined): TsCodec | undefined =>
    size === 4 ? { ts: "number", codec: "c.u32" } : size === 8 ? { ts: "bigint", codec: "c.u64" } : size ? { ts: "Uint8Array", codec: `c.bytes(${size})` } : undefined;
  for (const m of maps) {
    const kind = m.type !== undefined ? (MAP_TYPE_NAMES[m.type] ?? `type ${m.type}`) : "map";
    const key = m.key !== undefined ? gen.of(m.key) : scalarCodec(m.keySize);
    const value = m.value !== undefined ? gen.of(m.value) : scalarCodec(m.valueSize);
    const raw = `object.map(${JSON.stringify(m.name)})`;
    const size = m.maxEntries === undefined ? "" : kind === "ringbuf" || kind === "user_ringbuf" ? `, ${m.maxEntries} bytes` : `, ${m.maxEntries} entries`;
    const doc = `/** \`${kind}\`${size} */`;
    let decl: string;
    let init: string;
    if (kind === "ringbuf") {
      decl = "L.RingBufReader";
      init = `new L.RingBufReader(${raw})`;
    } else if ((kind === "queue" || kind === "stack" || kind === "bloom_filter") && value) {
      decl = `L.ValueStore<${value.ts}>`;
      init = `new L.ValueStore(${raw}, ${value.codec})`;
    } else if (kind.includes("percpu") && key && value) {
      decl = `L.PerCpuMap<${key.ts}, ${value.ts}>`;
      init = `new L.PerCpuMap(${raw}, ${key.codec}, ${value.codec})`;
    } else if (key && value) {
      decl = `L.TypedMap<${key.ts}, ${value.ts}>`;
      init = `new L.TypedMap(${raw}, ${key.codec}, ${value.codec})`;
    } else {
      decl = "L.BpfMap";
      init = raw;
    }
    mapLines.push({ decl: `readonly ${propName(m.name)}: ${decl}`, init: `${propName(m.name)}: ${init}`, doc });
  }

  const globalLines: { prop: string; iface: string; section: string; fields: string[] }[] = [];
  for (const g of globals) {
    const prop = sectionProperty(g.section);
    const iface = gen.fresh(pascal(prop));
    const fields: string[] = [];
    const codecs: string[] = [];
    for (const v of g.vars) {
      const tc = gen.of(v.type);
      fields.push(`  ${propName(v.name)}: ${tc.ts};`);
      codecs.push(`${propName(v.name)}: [${v.offset}, ${tc.codec}]`);
    }
    globalLines.push({ prop, iface, section: g.section, fields: [`export interface ${iface} {\n${fields.join("\n")}\n}\n`, codecs.join(", ")] });
  }

  const rel = opts.objectPath ?? `./${path.basename(objectPath)}`;
  const lines: string[] = [];
  lines.push(`// Generated by tsbpf from ${path.basename(objectPath)}${opts.source ? ` (${opts.source})` : ""}. Do not edit: rebuild instead.`);
  lines.push(`import * as L from ${JSON.stringify(opts.loaderImport ?? "tsbpf/loader")};`);
  lines.push(`import { codec as c, type Codec } from ${JSON.stringify(opts.loaderImport ?? "tsbpf/loader")};`);
  lines.push("");
  const decls = gen.declarations();
  if (decls) lines.push(decls);
  for (const g of globalLines) lines.push(`/** The variables of \`${g.section}\`. */\n${g.fields[0]}`);
  lines.push(`/** The object this module was generated from. */`);
  lines.push(`export const OBJECT_FILE = new URL(${JSON.stringify(rel)}, import.meta.url);`);
  lines.push("");
  lines.push(`/** ${path.basename(objectPath)}: open/load it, then drive its programs, maps and globals with their types. */`);
  lines.push(`export class ${className} {`);
  lines.push(`  /** Program name → ELF section (which sets the program type). */`);
  lines.push(`  static readonly sections = {${programs.map((p) => ` ${propName(p.name)}: ${JSON.stringify(p.section)}`).join(",")} } as const;`);
  lines.push("");
  lines.push(`  /** The programs (test-run, attach, info) — valid until close(). */`);
  lines.push(`  readonly progs: {`);
  for (const p of programs) lines.push(`    /** \`SEC("${p.section}")\` */\n    readonly ${propName(p.name)}: L.BpfProgram;`);
  lines.push(`  };`);
  lines.push(`  /** The maps, with typed keys and values (usable once loaded). */`);
  lines.push(`  readonly maps: {`);
  for (const m of mapLines) lines.push(`    ${m.doc}\n    ${m.decl};`);
  lines.push(`  };`);
  for (const g of globalLines) {
    lines.push(`  /** \`${g.section}\`: reading a property reads the kernel's value, assigning writes it (before load: the initial value). */`);
    lines.push(`  readonly ${g.prop}: ${g.iface};`);
  }
  lines.push("");
  lines.push(`  private constructor(readonly object: L.BpfObject) {`);
  lines.push(`    this.progs = {${programs.map((p) => `\n      ${propName(p.name)}: object.program(${JSON.stringify(p.name)}),`).join("")}\n    };`);
  lines.push(`    this.maps = {${mapLines.map((m) => `\n      ${m.init},`).join("")}\n    };`);
  for (const g of globalLines) lines.push(`    this.${g.prop} = L.globalsView<${g.iface}>(() => this.object, ${JSON.stringify(g.section)}, { ${g.fields[1]} });`);
  lines.push(`  }`);
  lines.push("");
  lines.push(`  /** Opens the object without loading it: set \`.rodata\` values or program options first, then load(). */`);
  lines.push(`  static open(opts: L.OpenOptions & { file?: string | URL | Uint8Array } = {}): ${className} {`);
  lines.push(`    return new ${className}(L.BpfObject.open(opts.file ?? OBJECT_FILE, opts));`);
  lines.push(`  }`);
  lines.push("");
  lines.push(`  /** Opens and loads the object (the verifier checks every program now). */`);
  lines.push(`  static load(opts: L.OpenOptions & { file?: string | URL | Uint8Array } = {}): ${className} {`);
  lines.push(`    return ${className}.open(opts).load();`);
  lines.push(`  }`);
  lines.push("");
  lines.push(`  load(): this {`);
  lines.push(`    this.object.load();`);
  lines.push(`    return this;`);
  lines.push(`  }`);
  lines.push("");
  lines.push(`  /** Detaches, unloads and frees everything. */`);
  lines.push(`  close(): void {`);
  lines.push(`    this.object.close();`);
  lines.push(`  }`);
  lines.push(`}`);
  lines.push("");
  lines.push(`export default ${className};`);
  lines.push("");
  return lines.join("\n");
}
