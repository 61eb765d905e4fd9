/**
 * Source lines of a BPF object from its `.BTF.ext` line_info: the records of
 * each code section by instruction index, as clang and tsbpf write them and as
 * llvm-objdump -S and the verifier read them.
 */
import { parseBtf, parseBtfExt, type ParsedBtf, type ParsedLineInfo } from "../btf/parse.js";
import type { ElfObject } from "../elf/reader.js";

export interface LineRecord {
  /** Instruction index within the section (insn_off / 8). */
  insn: number;
  /** The file name as recorded (relative to the project root for tsbpf, as given to clang for C). */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column (0 when the producer records none). */
  col: number;
  /** The source line's text as recorded in BTF. */
  text: string;
}

/** line_info records by section name, sorted by instruction index. */
export type LineTable = Map<string, LineRecord[]>;

export interface ObjectBtf {
  btf?: ParsedBtf;
  lines: LineTable;
  /** Why .BTF or .BTF.ext could not be read (the object is still usable without them). */
  error?: string;
}

function fromParsed(rec: ParsedLineInfo): LineRecord {
  return { insn: rec.insnOff / 8, file: rec.fileName, line: rec.line, col: rec.col, text: rec.lineText };
}

/** Parses `.BTF` and `.BTF.ext` of an object; missing sections give empty tables. */
export function readObjectBtf(elf: ElfObject): ObjectBtf {
  const lines: LineTable = new Map();
  const btfSec = elf.sections.find((s) => s.name === ".BTF");
  if (!btfSec) return { lines };
  let btf: ParsedBtf;
  try {
    btf = parseBtf(btfSec.data);
  } catch (err) {
    return { lines, error: (err as Error).message };
  }
  const extSec = elf.sections.find((s) => s.name === ".BTF.ext");
  if (!extSec) return { btf, lines };
  try {
    const ext = parseBtfExt(extSec.data, btf);
    for (const sec of ext.lineInfo) {
      const recs = sec.records.map(fromParsed).sort((a, b) => a.insn - b.insn);
      lines.set(sec.section, recs);
    }
  } catch (err) {
    return { btf, lines, error: (err as Error).message };
  }
  return { btf, lines };
}

/** The record in effect at `insn` (the last one at or before it), or undefined. */
export function lineAt(records: readonly LineRecord[] | undefined, insn: number): LineRecord | undefined {
  if (!records || records.length === 0) return undefined;
  let lo = 0;
  let hi = records.length - 1;
  let found: LineRecord | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (records[mid]!.insn <= insn) {
      found = records[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
