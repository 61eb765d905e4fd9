/**
 * `.BTF.ext` encoder (layout of libbpf's struct btf_ext_header /
 * btf_ext_info_sec, as clang writes it):
 *
 *   header (32 bytes): u16 magic=0xeb9f; u8 version=1; u8 flags=0; u32 hdr_len=32;
 *                      u32 func_info_off, func_info_len;
 *                      u32 line_info_off, line_info_len;
 *                      u32 core_relo_off, core_relo_len;   (offsets from the end of the header)
 *   func_info: u32 rec_size=8,  then per ELF section { u32 sec_name_off; u32 num_info; records }
 *              record { u32 insn_off (bytes); u32 type_id (a FUNC) }
 *   line_info: u32 rec_size=16, then per ELF section { … }
 *              record { u32 insn_off; u32 file_name_off; u32 line_off; u32 line << 10 | col }
 *   core_relo: u32 rec_size=16, then per ELF section { … }
 *              record { u32 insn_off; u32 type_id; u32 access_str_off; u32 kind }
 *
 * Subsections are contiguous in that order. An empty subsection is written
 * with length 0 (no rec_size word): libbpf 1.1 rejects a subsection that has
 * a rec_size but no records, and one whose per-section record count is 0.
 * Sections without records are therefore left out.
 *
 * All string offsets (section names, file names, source lines, CO-RE access
 * strings) point into the `.BTF` string table, so encoding the `.BTF.ext`
 * adds those strings to the builder; the builder refuses new strings once
 * `encode()` ran, and `encodeBtfAndExt` does both in the right order.
 */
import type { BtfBuilder, BtfEncodeOptions } from "./builder.js";
import {
  BPF_INSN_SIZE,
  BTF_CORE_RELO_SIZE,
  BTF_EXT_HEADER_SIZE,
  BTF_EXT_INFO_SEC_SIZE,
  BTF_FUNC_INFO_SIZE,
  BTF_KIND_FUNC,
  BTF_LINE_INFO_SIZE,
  BTF_MAGIC,
  BTF_VERSION,
} from "./kinds.js";

export interface BtfExtFuncInfoRecord {
  /** bytes from the start of the ELF section, as in an ELF object (libbpf divides by 8) */
  insnOff: number;
  /** a BTF_KIND_FUNC */
  typeId: number;
}

export interface BtfExtLineInfoRecord {
  /** bytes from the start of the ELF section */
  insnOff: number;
  fileName: string;
  /** the source line's text */
  lineText: string;
  /** 1-based line; at most 2^22 - 1 */
  line: number;
  /** 1-based column, 0 if unknown; values above 1023 are written as 1023 */
  col: number;
}

export interface BtfExtCoreReloRecord {
  insnOff: number;
  /** root type of the access (a STRUCT/UNION/…, not a PTR) */
  typeId: number;
  /** e.g. "0:1:2" */
  accessStr: string;
  /** BPF_CORE_* */
  kind: number;
}

export interface BtfExtSection<R> {
  /** ELF section name: "tc", ".text", "syscall", … */
  section: string;
  /** sorted by insnOff (strictly increasing for func/line info) */
  records: R[];
}

export interface BtfExtInfo {
  funcInfo: BtfExtSection<BtfExtFuncInfoRecord>[];
  lineInfo: BtfExtSection<BtfExtLineInfoRecord>[];
  coreRelo?: BtfExtSection<BtfExtCoreReloRecord>[];
}

const MAX_LINE = (1 << 22) - 1;
const MAX_COL = (1 << 10) - 1;

/** True when `info` holds at least one record (else no `.BTF.ext` should be emitted). */
export function btfExtHasRecords(info: BtfExtInfo): boolean {
  const any = (secs: BtfExtSection<unknown>[] | undefined) => (secs ?? []).some((s) => s.records.length > 0);
  return any(info.funcInfo) || any(info.lineInfo) || any(info.coreRelo);
}

function checkSections<R extends { insnOff: number }>(
  what: string,
  secs: BtfExtSection<R>[],
  strictlyIncreasing: boolean,
): BtfExtSection<R>[] {
  const seen = new Set<string>();
  const kept: BtfExtSection<R>[] = [];
  for (const s of secs) {
    if (s.records.length === 0) continue;
    if (!s.section) throw new Error(`.BTF.ext ${what}: empty section name`);
    if (seen.has(s.section)) {
      throw new Error(`.BTF.ext ${what}: section '${s.section}' listed twice (libbpf only reads the first)`);
    }
    seen.add(s.section);
    let prev = -1;
    for (const r of s.records) {
      if (!Number.isInteger(r.insnOff) || r.insnOff < 0 || r.insnOff > 0xffffffff || r.insnOff % BPF_INSN_SIZE !== 0) {
        throw new Error(`.BTF.ext ${what} '${s.section}': insn_off ${r.insnOff} is not a byte offset of an instruction`);
      }
      if (strictlyIncreasing ? r.insnOff <= prev : r.insnOff < prev) {
        throw new Error(`.BTF.ext ${what} '${s.section}': records not sorted by insn_off (${r.insnOff} after ${prev})`);
      }
      prev = r.insnOff;
    }
    kept.push(s);
  }
  return kept;
}

/**
 * Encode `.BTF.ext`, adding its strings to `btf`. Must run before
 * `btf.encode()` (afterwards the builder is sealed and this throws).
 * Throws if `info` has no record at all: emit no `.BTF.ext` then
 * (libbpf 1.1 rejects a `.BTF.ext` that is only a header).
 */
export function encodeBtfExt(btf: BtfBuilder, info: BtfExtInfo): Uint8Array {
  if (btf.sealed) {
    throw new Error("encodeBtfExt: the BTF builder is already encoded; encode .BTF.ext first (or use encodeBtfAndExt)");
  }
  if (!btfExtHasRecords(info)) throw new Error("encodeBtfExt: no records; omit the .BTF.ext section");
  const funcSecs = checkSections("func_info", info.funcInfo, true);
  const lineSecs = checkSections("line_info", info.lineInfo, true);
  const reloSecs = checkSections("core_relo", info.coreRelo ?? [], false);

  for (const s of funcSecs) {
    for (const r of s.records) {
      const t = btf.get(r.typeId);
      if (r.typeId <= 0 || r.typeId >= btf.typeCount) {
        throw new Error(`.BTF.ext func_info '${s.section}': type id ${r.typeId} out of range`);
      }
      if (t !== undefined && t.kind !== BTF_KIND_FUNC) {
        throw new Error(`.BTF.ext func_info '${s.section}': type id ${r.typeId} is not a FUNC`);
      }
    }
  }
  for (const s of lineSecs) {
    for (const r of s.records) {
      if (!Number.isInteger(r.line) || r.line < 0 || r.line > MAX_LINE) {
        throw new Error(`.BTF.ext line_info '${s.section}': line ${r.line} out of range`);
      }
      if (!Number.isInteger(r.col) || r.col < 0) throw new Error(`.BTF.ext line_info '${s.section}': column ${r.col}`);
    }
  }
  for (const s of reloSecs) {
    for (const r of s.records) {
      if (r.typeId < 0 || r.typeId >= btf.typeCount) {
        throw new Error(`.BTF.ext core_relo '${s.section}': type id ${r.typeId} out of range`);
      }
    }
  }

  const subLen = (secs: BtfExtSection<unknown>[], recSize: number) =>
    secs.length === 0 ? 0 : 4 + secs.reduce((n, s) => n + BTF_EXT_INFO_SEC_SIZE + s.records.length * recSize, 0);
  const funcLen = subLen(funcSecs, BTF_FUNC_INFO_SIZE);
  const lineLen = subLen(lineSecs, BTF_LINE_INFO_SIZE);
  const reloLen = subLen(reloSecs, BTF_CORE_RELO_SIZE);

  const out = new Uint8Array(BTF_EXT_HEADER_SIZE + funcLen + lineLen + reloLen);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, BTF_MAGIC, true);
  dv.setUint8(2, BTF_VERSION);
  dv.setUint8(3, 0);
  dv.setUint32(4, BTF_EXT_HEADER_SIZE, true);
  dv.setUint32(8, 0, true);
  dv.setUint32(12, funcLen, true);
  dv.setUint32(16, funcLen, true);
  dv.setUint32(20, lineLen, true);
  dv.setUint32(24, funcLen + lineLen, true);
  dv.setUint32(28, reloLen, true);

  let p = BTF_EXT_HEADER_SIZE;
  const u32 = (v: number) => {
    dv.setUint32(p, v >>> 0, true);
    p += 4;
  };
  // Strings are added in record order: section name, then each record's strings.
  if (funcSecs.length) {
    u32(BTF_FUNC_INFO_SIZE);
    for (const s of funcSecs) {
      u32(btf.addString(s.section));
      u32(s.records.length);
      for (const r of s.records) {
        u32(r.insnOff);
        u32(r.typeId);
      }
    }
  }
  if (lineSecs.length) {
    u32(BTF_LINE_INFO_SIZE);
    for (const s of lineSecs) {
      u32(btf.addString(s.section));
      u32(s.records.length);
      for (const r of s.records) {
        u32(r.insnOff);
        u32(btf.addString(r.fileName));
        u32(btf.addString(r.lineText));
        u32((r.line << 10) | Math.min(r.col, MAX_COL));
      }
    }
  }
  if (reloSecs.length) {
    u32(BTF_CORE_RELO_SIZE);
    for (const s of reloSecs) {
      u32(btf.addString(s.section));
      u32(s.records.length);
      for (const r of s.records) {
        u32(r.insnOff);
        u32(r.typeId);
        u32(btf.addString(r.accessStr));
        u32(r.kind);
      }
    }
  }
  if (p !== out.length) throw new Error(`.BTF.ext encoder size mismatch: ${p} != ${out.length}`);
  return out;
}

/**
 * Encode `.BTF.ext` (when there are records) and then `.BTF`, in the only
 * order that works. `ext` is undefined when `info` has no records: the
 * object then carries no `.BTF.ext` section.
 */
export function encodeBtfAndExt(
  btf: BtfBuilder,
  info: BtfExtInfo,
  options?: BtfEncodeOptions,
): { btf: Uint8Array; ext: Uint8Array | undefined } {
  const ext = btfExtHasRecords(info) ? encodeBtfExt(btf, info) : undefined;
  return { btf: btf.encode(options), ext };
}
