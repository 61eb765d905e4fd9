/**
 * Text dumps of BTF tables.
 *
 * `printBtf` produces exactly what `bpftool btf dump file X` (bpftool 7.1,
 * raw format) prints for the same table, e.g.
 *
 *   [1] PTR '(anon)' type_id=3
 *   [2] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED
 *   [7] STRUCT 'elem' size=16 vlen=1
 *   	'w' type_id=8 bits_offset=0
 *
 * `printBtfExt` is a plain listing of .BTF.ext records (bpftool has no
 * equivalent for raw .BTF.ext).
 */
import { BtfBuilder } from "./builder.js";
import {
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_DATASEC,
  BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_FWD,
  BTF_KIND_INT,
  BTF_KIND_NAMES,
  BTF_KIND_PTR,
  BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_UNION,
  BTF_KIND_VAR,
  BTF_KIND_VOLATILE,
} from "./kinds.js";
import { parseBtf, type ParsedBtf, type ParsedBtfExt } from "./parse.js";
import type { BtfType } from "./types.js";

function anon(s: string | undefined): string {
  return s ? s : "(anon)";
}

function intEnc(e: number): string {
  switch (e) {
    case 0:
      return "(none)";
    case BTF_INT_SIGNED:
      return "SIGNED";
    case BTF_INT_CHAR:
      return "CHAR";
    case BTF_INT_BOOL:
      return "BOOL";
    default:
      return "UNKN";
  }
}

function funcLinkage(l: number): string {
  return ["static", "global", "extern"][l] ?? "(unknown)";
}

function varLinkage(l: number): string {
  return ["static", "global", "extern"][l] ?? "(unknown)";
}

function typeName(t: BtfType): string | undefined {
  return "name" in t ? t.name : undefined;
}

/** One type in bpftool's raw format, without the trailing newline. */
export function printBtfType(id: number, t: BtfType, lookup: (id: number) => BtfType | undefined): string {
  let s = `[${id}] ${BTF_KIND_NAMES[t.kind] ?? "UNKNOWN"} '${anon(typeName(t))}'`;
  switch (t.kind) {
    case BTF_KIND_INT:
      s += ` size=${t.size} bits_offset=${t.bitsOffset ?? 0} nr_bits=${t.bits ?? t.size * 8} encoding=${intEnc(t.encoding)}`;
      break;
    case BTF_KIND_PTR:
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_TYPE_TAG:
      s += ` type_id=${t.type}`;
      break;
    case BTF_KIND_ARRAY:
      s += ` type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
      break;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
      s += ` size=${t.size} vlen=${t.members.length}`;
      for (const m of t.members) {
        s += `\n\t'${anon(m.name)}' type_id=${m.type} bits_offset=${m.bitOffset}`;
        if (m.bitfieldSize) s += ` bitfield_size=${m.bitfieldSize}`;
      }
      break;
    }
    case BTF_KIND_ENUM:
      s += ` encoding=${t.signed ? "SIGNED" : "UNSIGNED"} size=${t.size} vlen=${t.values.length}`;
      for (const v of t.values) s += `\n\t'${anon(v.name)}' val=${t.signed ? v.value | 0 : v.value >>> 0}`;
      break;
    case BTF_KIND_ENUM64:
      s += ` encoding=${t.signed ? "SIGNED" : "UNSIGNED"} size=${t.size} vlen=${t.values.length}`;
      for (const v of t.values) {
        s += t.signed
          ? `\n\t'${anon(v.name)}' val=${BigInt.asIntN(64, v.value)}LL`
          : `\n\t'${anon(v.name)}' val=${BigInt.asUintN(64, v.value)}ULL`;
      }
      break;
    case BTF_KIND_FWD:
      s += ` fwd_kind=${t.union ? "union" : "struct"}`;
      break;
    case BTF_KIND_FUNC:
      s += ` type_id=${t.type} linkage=${funcLinkage(t.linkage)}`;
      break;
    case BTF_KIND_FUNC_PROTO:
      s += ` ret_type_id=${t.ret} vlen=${t.params.length}`;
      for (const p of t.params) s += `\n\t'${anon(p.name)}' type_id=${p.type}`;
      break;
    case BTF_KIND_VAR:
      s += ` type_id=${t.type}, linkage=${varLinkage(t.linkage)}`;
      break;
    case BTF_KIND_DATASEC:
      s += ` size=${t.size} vlen=${t.vars.length}`;
      for (const v of t.vars) {
        s += `\n\ttype_id=${v.type} offset=${v.offset} size=${v.size}`;
        const vt = lookup(v.type);
        if (vt) s += ` (${BTF_KIND_NAMES[vt.kind] ?? "UNKNOWN"} '${anon(typeName(vt))}')`;
      }
      break;
    case BTF_KIND_FLOAT:
      s += ` size=${t.size}`;
      break;
    case BTF_KIND_DECL_TAG:
      s += ` type_id=${t.type} component_idx=${t.componentIdx | 0}`;
      break;
  }
  return s;
}

/**
 * The text `bpftool btf dump file X` prints for a table: raw `.BTF` bytes,
 * a parsed table, or a builder (printed as it stands; it is not sealed).
 */
export function printBtf(source: Uint8Array | ParsedBtf | BtfBuilder): string {
  let count: number;
  let lookup: (id: number) => BtfType | undefined;
  if (source instanceof BtfBuilder) {
    count = source.typeCount;
    lookup = (id) => source.get(id);
  } else {
    const parsed = source instanceof Uint8Array ? parseBtf(source) : source;
    count = parsed.types.length;
    lookup = (id) => parsed.types[id];
  }
  let out = "";
  for (let id = 1; id < count; id++) {
    const t = lookup(id);
    if (!t) throw new Error(`printBtf: type id ${id} is not defined`);
    out += printBtfType(id, t, (ref) => (ref < count ? lookup(ref) : undefined)) + "\n";
  }
  return out;
}

/** A readable listing of a parsed .BTF.ext. */
export function printBtfExt(ext: ParsedBtfExt, btf?: ParsedBtf): string {
  const h = ext.header;
  let out =
    `.BTF.ext hdr_len=${h.hdrLen} func_info off=${h.funcInfoOff} len=${h.funcInfoLen}` +
    ` line_info off=${h.lineInfoOff} len=${h.lineInfoLen}`;
  if (h.coreReloLen !== undefined) out += ` core_relo off=${h.coreReloOff} len=${h.coreReloLen}`;
  out += "\n";
  const fname = (id: number) => {
    const t = btf?.types[id];
    return t && "name" in t ? ` '${anon(t.name)}'` : "";
  };
  if (ext.funcInfo.length) {
    out += `func_info rec_size=${ext.funcInfoRecSize}\n`;
    for (const s of ext.funcInfo) {
      out += `  section '${s.section}' nr=${s.records.length}\n`;
      for (const r of s.records) out += `    insn_off=${r.insnOff} type_id=${r.typeId}${fname(r.typeId)}\n`;
    }
  }
  if (ext.lineInfo.length) {
    out += `line_info rec_size=${ext.lineInfoRecSize}\n`;
    for (const s of ext.lineInfo) {
      out += `  section '${s.section}' nr=${s.records.length}\n`;
      for (const r of s.records) {
        out += `    insn_off=${r.insnOff} ${r.fileName}:${r.line}:${r.col} ${JSON.stringify(r.lineText)}\n`;
      }
    }
  }
  if (ext.coreRelo.length) {
    out += `core_relo rec_size=${ext.coreReloRecSize}\n`;
    for (const s of ext.coreRelo) {
      out += `  section '${s.section}' nr=${s.records.length}\n`;
      for (const r of s.records) {
        out += `    insn_off=${r.insnOff} type_id=${r.typeId}${fname(r.typeId)} access='${r.accessStr}' kind=${r.kind}\n`;
      }
    }
  }
  return out;
}
