/**
 * Decoder for raw `.BTF` and `.BTF.ext` section bytes (little-endian, as
 * clang and libbpf write them), back into the type model of types.ts.
 *
 * Malformed input is reported with an Error naming the offending offset or
 * type id; nothing is silently dropped.
 */
import { BtfBuilder, btfTypeEncodedSize } from "./builder.js";
import {
  BTF_CORE_RELO_SIZE,
  BTF_EXT_INFO_SEC_SIZE,
  BTF_FUNC_INFO_SIZE,
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
  BTF_KIND_PTR,
  BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_UNION,
  BTF_KIND_UNKN,
  BTF_KIND_VAR,
  BTF_KIND_VOLATILE,
  BTF_LINE_INFO_SIZE,
  BTF_MAGIC,
  BTF_TYPE_SIZE,
  BTF_VERSION,
} from "./kinds.js";
import type { BtfMember, BtfNonVoidType, BtfType } from "./types.js";

const utf8 = new TextDecoder("utf-8", { fatal: false });

export interface BtfHeader {
  magic: number;
  version: number;
  flags: number;
  hdrLen: number;
  typeOff: number;
  typeLen: number;
  strOff: number;
  strLen: number;
}

export interface BtfStringEntry {
  offset: number;
  value: string;
}

export interface ParsedBtf {
  header: BtfHeader;
  /** Indexed by type id; types[0] is void ({ kind: BTF_KIND_UNKN }). */
  types: BtfType[];
  /** Every NUL-terminated string of the string section, in offset order (first is "" at 0). */
  strings: BtfStringEntry[];
  /** The string starting at a string-section offset (may be a suffix of a listed string). */
  stringAt(offset: number): string | undefined;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decode a raw `.BTF` section. */
export function parseBtf(bytes: Uint8Array): ParsedBtf {
  const dv = view(bytes);
  if (bytes.length < 24) throw new Error(`.BTF: ${bytes.length} bytes, shorter than a header`);
  const header: BtfHeader = {
    magic: dv.getUint16(0, true),
    version: dv.getUint8(2),
    flags: dv.getUint8(3),
    hdrLen: dv.getUint32(4, true),
    typeOff: dv.getUint32(8, true),
    typeLen: dv.getUint32(12, true),
    strOff: dv.getUint32(16, true),
    strLen: dv.getUint32(20, true),
  };
  if (header.magic !== BTF_MAGIC) throw new Error(`.BTF: bad magic 0x${header.magic.toString(16)}`);
  if (header.version !== BTF_VERSION) throw new Error(`.BTF: unsupported version ${header.version}`);
  if (header.hdrLen < 24 || header.hdrLen > bytes.length) throw new Error(`.BTF: bad hdr_len ${header.hdrLen}`);
  const typeStart = header.hdrLen + header.typeOff;
  const strStart = header.hdrLen + header.strOff;
  if (typeStart + header.typeLen > bytes.length) throw new Error(".BTF: type section beyond end of data");
  if (strStart + header.strLen > bytes.length) throw new Error(".BTF: string section beyond end of data");

  // strings
  const strBytes = bytes.subarray(strStart, strStart + header.strLen);
  if (header.strLen === 0 || strBytes[0] !== 0 || strBytes[header.strLen - 1] !== 0) {
    throw new Error(".BTF: string section must start and end with NUL");
  }
  const strings: BtfStringEntry[] = [];
  for (let off = 0; off < strBytes.length; ) {
    let end = off;
    while (strBytes[end] !== 0) end++;
    strings.push({ offset: off, value: utf8.decode(strBytes.subarray(off, end)) });
    off = end + 1;
  }
  const byOffset = new Map(strings.map((s) => [s.offset, s.value]));
  const stringAt = (off: number): string | undefined => {
    const known = byOffset.get(off);
    if (known !== undefined) return known;
    if (off < 0 || off >= strBytes.length) return undefined;
    let end = off;
    while (strBytes[end] !== 0) end++;
    return utf8.decode(strBytes.subarray(off, end));
  };

  // types
  const types: BtfType[] = [{ kind: BTF_KIND_UNKN }];
  let p = typeStart;
  const end = typeStart + header.typeLen;
  const u32 = () => {
    if (p + 4 > end) throw new Error(`.BTF: type [${types.length}] truncated`);
    const v = dv.getUint32(p, true);
    p += 4;
    return v;
  };
  const i32 = () => u32() | 0;
  const str = (off: number): string => {
    const s = stringAt(off);
    if (s === undefined) throw new Error(`.BTF: type [${types.length}] has invalid name offset ${off}`);
    return s;
  };
  while (p < end) {
    const id = types.length;
    const nameOff = u32();
    const info = u32();
    const sizeOrType = u32();
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    const name = str(nameOff);
    let t: BtfNonVoidType;
    switch (kind) {
      case BTF_KIND_INT: {
        const v = u32();
        t = { kind, name, size: sizeOrType, encoding: (v >>> 24) & 0x0f, bitsOffset: (v >>> 16) & 0xff, bits: v & 0xff };
        break;
      }
      case BTF_KIND_PTR:
      case BTF_KIND_CONST:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_RESTRICT:
        t = { kind, type: sizeOrType };
        break;
      case BTF_KIND_TYPEDEF:
        t = { kind, name, type: sizeOrType };
        break;
      case BTF_KIND_TYPE_TAG:
        t = kflag ? { kind, name, type: sizeOrType, attr: true } : { kind, name, type: sizeOrType };
        break;
      case BTF_KIND_ARRAY: {
        const type = u32();
        const indexType = u32();
        const nelems = u32();
        t = { kind, type, indexType, nelems };
        break;
      }
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION: {
        const members: BtfMember[] = [];
        for (let i = 0; i < vlen; i++) {
          const mName = str(u32());
          const type = u32();
          const off = u32();
          members.push(
            kflag
              ? { name: mName, type, bitOffset: off & 0xffffff, bitfieldSize: off >>> 24 }
              : { name: mName, type, bitOffset: off },
          );
        }
        t = { kind, name, size: sizeOrType, members };
        break;
      }
      case BTF_KIND_ENUM: {
        const values = [];
        for (let i = 0; i < vlen; i++) {
          const vName = str(u32());
          const raw = u32();
          values.push({ name: vName, value: kflag ? raw | 0 : raw });
        }
        t = { kind, name, size: sizeOrType, values, signed: kflag };
        break;
      }
      case BTF_KIND_ENUM64: {
        const values = [];
        for (let i = 0; i < vlen; i++) {
          const vName = str(u32());
          const lo = BigInt(u32());
          const hi = BigInt(u32());
          const raw = (hi << 32n) | lo;
          values.push({ name: vName, value: kflag ? BigInt.asIntN(64, raw) : raw });
        }
        t = { kind, name, size: sizeOrType, values, signed: kflag };
        break;
      }
      case BTF_KIND_FWD:
        t = { kind, name, union: kflag };
        break;
      case BTF_KIND_FUNC:
        t = { kind, name, type: sizeOrType, linkage: vlen };
        break;
      case BTF_KIND_FUNC_PROTO: {
        const params = [];
        for (let i = 0; i < vlen; i++) {
          const pName = str(u32());
          params.push({ name: pName, type: u32() });
        }
        t = { kind, ret: sizeOrType, params };
        break;
      }
      case BTF_KIND_VAR:
        t = { kind, name, type: sizeOrType, linkage: u32() };
        break;
      case BTF_KIND_DATASEC: {
        const vars = [];
        for (let i = 0; i < vlen; i++) {
          const type = u32();
          const offset = u32();
          const size = u32();
          vars.push({ type, offset, size });
        }
        t = { kind, name, size: sizeOrType, vars };
        break;
      }
      case BTF_KIND_FLOAT:
        t = { kind, name, size: sizeOrType };
        break;
      case BTF_KIND_DECL_TAG: {
        const componentIdx = i32();
        t = kflag
          ? { kind, name, type: sizeOrType, componentIdx, attr: true }
          : { kind, name, type: sizeOrType, componentIdx };
        break;
      }
      default:
        throw new Error(`.BTF: type [${id}] at offset ${p - BTF_TYPE_SIZE} has unknown kind ${kind}`);
    }
    types.push(t);
  }
  return { header, types, strings, stringAt };
}

/**
 * A builder holding the same strings (in the same order) and types as a
 * parsed table, so that `encode()` reproduces the original bytes when the
 * string table has no duplicate strings and names do not point into the
 * middle of strings (true of clang's and of BtfBuilder's output).
 */
export function builderFromParsed(parsed: ParsedBtf): BtfBuilder {
  const b = new BtfBuilder();
  for (const s of parsed.strings) b.addString(s.value);
  for (let id = 1; id < parsed.types.length; id++) b.add(parsed.types[id] as BtfNonVoidType);
  return b;
}

// ------------------------------------------------------------------ .BTF.ext

export interface BtfExtHeader {
  magic: number;
  version: number;
  flags: number;
  hdrLen: number;
  funcInfoOff: number;
  funcInfoLen: number;
  lineInfoOff: number;
  lineInfoLen: number;
  /** absent when hdr_len < 32 */
  coreReloOff?: number;
  coreReloLen?: number;
}

export interface ParsedFuncInfo {
  /** bytes from the start of the ELF section */
  insnOff: number;
  typeId: number;
}

export interface ParsedLineInfo {
  insnOff: number;
  fileName: string;
  lineText: string;
  line: number;
  col: number;
  fileNameOff: number;
  lineOff: number;
}

export interface ParsedCoreRelo {
  insnOff: number;
  typeId: number;
  accessStr: string;
  kind: number;
  accessStrOff: number;
}

export interface ParsedExtSection<R> {
  section: string;
  sectionNameOff: number;
  records: R[];
}

export interface ParsedBtfExt {
  header: BtfExtHeader;
  /** rec_size of each subsection (0 when the subsection is empty) */
  funcInfoRecSize: number;
  lineInfoRecSize: number;
  coreReloRecSize: number;
  funcInfo: ParsedExtSection<ParsedFuncInfo>[];
  lineInfo: ParsedExtSection<ParsedLineInfo>[];
  coreRelo: ParsedExtSection<ParsedCoreRelo>[];
}

/**
 * Decode a raw `.BTF.ext` section. String offsets are resolved against the
 * `.BTF` string table (a parsed table, or raw `.BTF` bytes).
 */
export function parseBtfExt(bytes: Uint8Array, btf: ParsedBtf | Uint8Array): ParsedBtfExt {
  const table = btf instanceof Uint8Array ? parseBtf(btf) : btf;
  const dv = view(bytes);
  if (bytes.length < 8) throw new Error(`.BTF.ext: ${bytes.length} bytes, shorter than a header`);
  const hdrLen = dv.getUint32(4, true);
  if (hdrLen < 24 || hdrLen > bytes.length) throw new Error(`.BTF.ext: bad hdr_len ${hdrLen}`);
  const header: BtfExtHeader = {
    magic: dv.getUint16(0, true),
    version: dv.getUint8(2),
    flags: dv.getUint8(3),
    hdrLen,
    funcInfoOff: dv.getUint32(8, true),
    funcInfoLen: dv.getUint32(12, true),
    lineInfoOff: dv.getUint32(16, true),
    lineInfoLen: dv.getUint32(20, true),
  };
  if (hdrLen >= 32) {
    header.coreReloOff = dv.getUint32(24, true);
    header.coreReloLen = dv.getUint32(28, true);
  }
  if (header.magic !== BTF_MAGIC) throw new Error(`.BTF.ext: bad magic 0x${header.magic.toString(16)}`);
  if (header.version !== BTF_VERSION) throw new Error(`.BTF.ext: unsupported version ${header.version}`);

  const str = (off: number, what: string): string => {
    const s = table.stringAt(off);
    if (s === undefined) throw new Error(`.BTF.ext: ${what} has invalid string offset ${off}`);
    return s;
  };

  function sub<R>(
    what: string,
    off: number,
    len: number,
    minRec: number,
    rec: (p: number) => R,
  ): { recSize: number; secs: ParsedExtSection<R>[] } {
    if (len === 0) return { recSize: 0, secs: [] };
    const start = hdrLen + off;
    const end = start + len;
    if (off % 4 !== 0) throw new Error(`.BTF.ext: ${what} not 4-byte aligned`);
    if (end > bytes.length || len < 4) throw new Error(`.BTF.ext: ${what} (off ${off} len ${len}) beyond end of section`);
    const recSize = dv.getUint32(start, true);
    if (recSize < minRec || recSize % 4 !== 0) throw new Error(`.BTF.ext: ${what} has invalid record size ${recSize}`);
    const secs: ParsedExtSection<R>[] = [];
    let p = start + 4;
    while (p < end) {
      if (p + BTF_EXT_INFO_SEC_SIZE > end) throw new Error(`.BTF.ext: ${what} section header truncated`);
      const sectionNameOff = dv.getUint32(p, true);
      const n = dv.getUint32(p + 4, true);
      p += BTF_EXT_INFO_SEC_SIZE;
      if (p + n * recSize > end) throw new Error(`.BTF.ext: ${what} section has too many records (${n})`);
      const records: R[] = [];
      for (let i = 0; i < n; i++, p += recSize) records.push(rec(p));
      secs.push({ section: str(sectionNameOff, `${what} section name`), sectionNameOff, records });
    }
    return { recSize, secs };
  }

  const fi = sub("func_info", header.funcInfoOff, header.funcInfoLen, BTF_FUNC_INFO_SIZE, (p) => ({
    insnOff: dv.getUint32(p, true),
    typeId: dv.getUint32(p + 4, true),
  }));
  const li = sub("line_info", header.lineInfoOff, header.lineInfoLen, BTF_LINE_INFO_SIZE, (p) => {
    const fileNameOff = dv.getUint32(p + 4, true);
    const lineOff = dv.getUint32(p + 8, true);
    const lineCol = dv.getUint32(p + 12, true);
    return {
      insnOff: dv.getUint32(p, true),
      fileName: str(fileNameOff, "line_info file name"),
      lineText: str(lineOff, "line_info line"),
      line: lineCol >>> 10,
      col: lineCol & 0x3ff,
      fileNameOff,
      lineOff,
    };
  });
  const cr =
    header.coreReloLen !== undefined
      ? sub("core_relo", header.coreReloOff ?? 0, header.coreReloLen, BTF_CORE_RELO_SIZE, (p) => {
          const accessStrOff = dv.getUint32(p + 8, true);
          return {
            insnOff: dv.getUint32(p, true),
            typeId: dv.getUint32(p + 4, true),
            accessStr: str(accessStrOff, "core_relo access string"),
            kind: dv.getUint32(p + 12, true),
            accessStrOff,
          };
        })
      : { recSize: 0, secs: [] };
  return {
    header,
    funcInfoRecSize: fi.recSize,
    lineInfoRecSize: li.recSize,
    coreReloRecSize: cr.recSize,
    funcInfo: fi.secs,
    lineInfo: li.secs,
    coreRelo: cr.secs,
  };
}

/** Byte offset of each type record within the type section (index = type id; [0] unused). */
export function btfTypeOffsets(parsed: ParsedBtf): number[] {
  const offs = [0];
  let p = 0;
  for (let id = 1; id < parsed.types.length; id++) {
    offs.push(p);
    p += btfTypeEncodedSize(parsed.types[id] as BtfNonVoidType);
  }
  return offs;
}
