/**
 * `tsbpf objdump` and `tsbpf build --emit asm`: a listing of any BPF object
 * (tsbpf's or clang's) in the format of
 *
 *   llvm-objdump -h -t -d -r -S [-l] --no-show-raw-insn --mcpu=v4 obj.o
 *
 * byte for byte: section headers, the symbol table, and the disassembly of
 * each code section with relocations under the instructions they patch and
 * the source lines of `.BTF.ext` line_info above the instructions they start at.
 */
import * as path from "node:path";
import { decodeInsns, type BpfInsn } from "../bpf/insn.js";
import { formatIndex, formatInsn } from "../bpf/disasm.js";
import { BPF_CALL, BPF_CLASS, BPF_EXIT, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_OP } from "../bpf/opcodes.js";
import {
  R_BPF_NAMES, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHN_ABS, SHN_COMMON, SHT_NOBITS, SHT_PROGBITS,
  STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FILE, STT_FUNC, STT_OBJECT, STT_SECTION, STV_HIDDEN, STV_INTERNAL, STV_PROTECTED,
} from "../elf/constants.js";
import { readElf, type ElfObject, type ElfSection, type ElfSymbol } from "../elf/reader.js";
import { readObjectBtf, type LineRecord, type LineTable } from "./lineinfo.js";

export interface ObjdumpOptions {
  /** The name printed in the `file format` line (default "a.o"). */
  fileName?: string;
  /** `-h`: the section headers. */
  headers?: boolean;
  /** `-t`: the symbol table. */
  symbols?: boolean;
  /** `-d`: disassemble the code sections (default true). */
  disassemble?: boolean;
  /** `-r`: relocations under the instructions they patch (default true). */
  relocations?: boolean;
  /** `-S`: source lines from line_info (default true). */
  source?: boolean;
  /** `-l`: `; file:line` above each source line. */
  lineNumbers?: boolean;
  /** Only these sections (names); default all code sections. */
  sections?: string[];
}

const hex16 = (n: number) => n.toString(16).padStart(16, "0");
const hex8 = (n: number) => n.toString(16).padStart(8, "0");

function isText(s: ElfSection): boolean {
  return (s.flags & SHF_EXECINSTR) !== 0;
}

/** llvm-objdump's Type column: TEXT, DATA, BSS, DEBUG (comma-joined). */
function sectionType(s: ElfSection): string {
  const kinds: string[] = [];
  if (isText(s)) kinds.push("TEXT");
  if (s.type === SHT_PROGBITS && (s.flags & SHF_ALLOC) !== 0 && !isText(s)) kinds.push("DATA");
  if (s.type === SHT_NOBITS && (s.flags & SHF_ALLOC) !== 0 && (s.flags & SHF_WRITE) !== 0) kinds.push("BSS");
  if (s.name.startsWith(".debug") || s.name.startsWith(".zdebug") || s.name === ".gdb_index") kinds.push("DEBUG");
  return kinds.join(", ");
}

function printHeaders(elf: ElfObject): string {
  const width = Math.max(13, ...elf.sections.map((s) => s.name.length));
  let out = "\nSections:\n";
  out += `Idx ${"Name".padEnd(width)} Size     ${"VMA".padEnd(16)} Type\n`;
  out += `${"0".padStart(3)} ${"".padEnd(width)} ${hex8(0)} ${hex16(0)} \n`;
  for (const s of elf.sections) {
    out += `${String(s.index).padStart(3)} ${s.name.padEnd(width)} ${hex8(s.size)} ${hex16(0)} ${sectionType(s)}\n`;
  }
  return out;
}

function symbolName(sym: ElfSymbol): string {
  return sym.type === STT_SECTION && sym.name === "" ? (sym.section ?? "") : sym.name;
}

function printSymbols(elf: ElfObject): string {
  let out = "\nSYMBOL TABLE:\n";
  for (const sym of elf.symbols) {
    const absolute = sym.shndx === SHN_ABS;
    const common = sym.shndx === SHN_COMMON;
    const defined = sym.section !== undefined;
    const weak = sym.bind === STB_WEAK;
    let globLoc = " ";
    if ((defined || absolute) && !weak) globLoc = sym.bind === STB_LOCAL ? "l" : sym.bind === STB_GLOBAL ? "g" : "l";
    const debug = sym.type === STT_SECTION || sym.type === STT_FILE ? "d" : " ";
    const fileFunc = sym.type === STT_FILE ? "f" : sym.type === STT_FUNC ? "F" : sym.type === STT_OBJECT ? "O" : " ";
    const where = absolute ? "*ABS*" : common ? "*COM*" : defined ? sym.section! : "*UND*";
    let vis = "";
    if (sym.visibility === STV_INTERNAL) vis = " .internal";
    else if (sym.visibility === STV_HIDDEN) vis = " .hidden";
    else if (sym.visibility === STV_PROTECTED) vis = " .protected";
    out += `${hex16(sym.value)} ${globLoc}${weak ? "w" : " "}  ${" "}${debug}${fileFunc} ${where}\t${hex16(sym.size)}${vis} ${symbolName(sym)}\n`;
  }
  return out;
}

function isBranch(i: BpfInsn): boolean {
  const cls = BPF_CLASS(i.code);
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return false;
  const op = BPF_OP(i.code);
  return op !== BPF_CALL && op !== BPF_EXIT && (op !== BPF_JCOND || cls === BPF_JMP);
}

/** Target instruction index of a branch at `idx`. */
function branchTarget(i: BpfInsn, idx: number): number {
  const cls = BPF_CLASS(i.code);
  const op = BPF_OP(i.code);
  if (op === BPF_JA && cls === BPF_JMP32) return idx + 1 + i.imm; // gotol
  return idx + 1 + i.off;
}

interface Label {
  addr: number;
  name: string;
}

function disassembleSection(elf: ElfObject, sec: ElfSection, lines: LineTable, opts: ObjdumpOptions): string {
  const insns = decodeInsns(sec.data.subarray(0, sec.data.length - (sec.data.length % 8)));
  // Labels: every symbol defined in the section except section and file symbols, by address (stable).
  const labels: Label[] = elf.symbols
    .filter((s) => s.section === sec.name && s.type !== STT_SECTION && s.type !== STT_FILE)
    .map((s) => ({ addr: s.value, name: s.name }))
    .sort((a, b) => a.addr - b.addr);
  if (labels.length === 0 || labels[0]!.addr > 0) labels.unshift({ addr: 0, name: sec.name });
  const relocs = elf.relocations.filter((r) => r.section === sec.name).sort((a, b) => a.offset - b.offset);
  const recs = opts.source === false ? [] : (lines.get(sec.name) ?? []);
  const recAt = new Map(recs.map((r) => [r.insn, r]));
  const containing = (addr: number): Label | undefined => {
    let found: Label | undefined;
    for (const l of labels) if (l.addr <= addr) found = l;
    return found;
  };

  let out = `\nDisassembly of section ${sec.name}:\n`;
  let labelIdx = 0;
  let relIdx = 0;
  // llvm-objdump's rule: a record is printed unless the previous instruction had a
  // record with the same file and line (an instruction without one resets that).
  let prev: LineRecord | undefined;
  for (let idx = 0; idx < insns.length; ) {
    const addr = idx * 8;
    while (labelIdx < labels.length && labels[labelIdx]!.addr <= addr) {
      const l = labels[labelIdx++]!;
      if (l.addr === addr) out += `\n${hex16(addr)} <${l.name}>:\n`;
    }
    const rec = recAt.get(idx);
    if (rec && rec.line !== 0 && !(prev && prev.line === rec.line && prev.file === rec.file)) {
      if (opts.lineNumbers) out += `; ${rec.file}:${rec.line}\n`;
      out += `; ${rec.text}\n`;
    }
    prev = rec;
    const { text, slots } = formatInsn(insns, idx, { alu32: true });
    const i = insns[idx]!;
    let suffix = "";
    if (text !== "<unknown>" && isBranch(i)) {
      const target = branchTarget(i, idx) * 8;
      const l = containing(target);
      if (l) suffix = target === l.addr ? ` <${l.name}>` : ` <${l.name}+0x${(target - l.addr).toString(16)}>`;
    }
    out += `${formatIndex(idx)}${text}${suffix}\n`;
    const end = (idx + slots) * 8;
    if (opts.relocations !== false) {
      while (relIdx < relocs.length && relocs[relIdx]!.offset < end) {
        const r = relocs[relIdx++]!;
        const type = R_BPF_NAMES[r.type] ?? `Unknown (${r.type})`;
        const addend = r.addend ? (r.addend < 0 ? `-0x${(-r.addend).toString(16)}` : `+0x${r.addend.toString(16)}`) : "";
        out += `\t\t${hex16(r.offset)}:  ${type}\t${r.symbol}${addend}\n`;
      }
    } else {
      while (relIdx < relocs.length && relocs[relIdx]!.offset < end) relIdx++;
    }
    idx += slots;
  }
  return out;
}

/** The listing of an object already read. */
export function objdumpElf(elf: ElfObject, opts: ObjdumpOptions = {}): string {
  const { lines } = readObjectBtf(elf);
  let out = `\n${opts.fileName ?? "a.o"}:\tfile format elf64-bpf\n`;
  if (opts.headers) out += printHeaders(elf);
  if (opts.symbols) out += printSymbols(elf);
  if (opts.disassemble !== false) {
    for (const sec of elf.sections) {
      if (opts.sections ? !opts.sections.includes(sec.name) : !isText(sec) || sec.type === SHT_NOBITS) continue;
      if (sec.size === 0) continue;
      out += disassembleSection(elf, sec, lines, opts);
    }
  }
  return out;
}

/** The listing of an object's bytes; `fileName` defaults to the basename llvm-objdump would print. */
export function objdump(bytes: Uint8Array, opts: ObjdumpOptions = {}): string {
  return objdumpElf(readElf(bytes), { ...opts, fileName: opts.fileName ?? "a.o" });
}

/** What `tsbpf build --emit asm` writes: the disassembly with relocations and `; file:line` + source lines. */
export function asmListing(bytes: Uint8Array, objectPath: string): string {
  return objdump(bytes, { fileName: path.basename(objectPath), lineNumbers: true });
}
