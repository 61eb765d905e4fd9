/**
 * ELF64 little-endian relocatable object reader: enough to inspect clang's
 * BPF objects and ours (tests, `tsbpf objdump`). Malformed input raises an
 * Error; it never reads out of bounds.
 */
import {
  EI_CLASS,
  EI_DATA,
  ELF64_EHDR_SIZE,
  ELF64_REL_SIZE,
  ELF64_RELA_SIZE,
  ELF64_SHDR_SIZE,
  ELF64_ST_BIND,
  ELF64_ST_TYPE,
  ELF64_ST_VISIBILITY,
  ELF64_SYM_SIZE,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFMAG,
  SHN_LORESERVE,
  SHN_UNDEF,
  SHN_XINDEX,
  SHT_LLVM_ADDRSIG,
  SHT_NOBITS,
  SHT_NULL,
  SHT_REL,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_LOCAL,
  STT_SECTION,
} from "./constants.js";
import type { ElfInput, ElfRelocInput, ElfSectionInput, ElfSymbolInput } from "./writer.js";

export interface ElfSection {
  /** Section header index. */
  index: number;
  name: string;
  type: number;
  flags: number;
  /** File contents (empty for SHT_NOBITS). A view into the input bytes. */
  data: Uint8Array;
  /** sh_size (for SHT_NOBITS the in-memory size). */
  size: number;
  align: number;
  entsize: number;
  link: number;
  info: number;
  /** sh_offset */
  offset: number;
}

export interface ElfSymbol {
  /** Index in the symbol table (the null symbol, index 0, is not listed). */
  index: number;
  /** st_name string ("" for STT_SECTION symbols, as clang writes them). */
  name: string;
  /** Defining section's name; undefined for SHN_UNDEF and special indexes (SHN_ABS...). */
  section?: string;
  /** Raw st_shndx. */
  shndx: number;
  value: number;
  size: number;
  type: number;
  bind: number;
  visibility: number;
}

export interface ElfRelocation {
  /** The section being patched (the REL section's sh_info target). */
  section: string;
  offset: number;
  /** Symbol name; for an unnamed STT_SECTION symbol, the section's name (as llvm-readelf shows it). */
  symbol: string;
  symbolIndex: number;
  /** True when the symbol is an STT_SECTION symbol. */
  sectionSymbol: boolean;
  type: number;
  /** Only for SHT_RELA sections (BPF objects use SHT_REL). */
  addend?: number;
}

export interface ElfObject {
  /** e_type */
  type: number;
  /** e_machine */
  machine: number;
  /** e_flags */
  flags: number;
  /** Every section except the null section 0, in header order. */
  sections: ElfSection[];
  /** Symbols of the (single) SHT_SYMTAB, without the null symbol. */
  symbols: ElfSymbol[];
  /** Relocations of every SHT_REL/SHT_RELA section, in file order. */
  relocations: ElfRelocation[];
}

function bad(msg: string): never {
  throw new Error(`readElf: ${msg}`);
}

function u64(dv: DataView, off: number, what: string): number {
  const v = dv.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) bad(`${what} is too large (${v})`);
  return Number(v);
}

export function readElf(bytes: Uint8Array): ElfObject {
  if (bytes.length < ELF64_EHDR_SIZE) bad("file too short for an ELF header");
  for (let i = 0; i < 4; i++) if (bytes[i] !== ELFMAG[i]) bad("bad ELF magic");
  if (bytes[EI_CLASS] !== ELFCLASS64) bad("not ELFCLASS64");
  if (bytes[EI_DATA] !== ELFDATA2LSB) bad("not little-endian (ELFDATA2LSB)");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const eType = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  const eFlags = dv.getUint32(48, true);
  const shoff = u64(dv, 40, "e_shoff");
  const shentsize = dv.getUint16(58, true);
  let shnum = dv.getUint16(60, true);
  let shstrndx = dv.getUint16(62, true);
  if (shoff === 0) return { type: eType, machine, flags: eFlags, sections: [], symbols: [], relocations: [] };
  if (shentsize !== ELF64_SHDR_SIZE) bad(`unexpected e_shentsize ${shentsize}`);
  if (shoff + ELF64_SHDR_SIZE > bytes.length) bad("section header table out of bounds");
  // Extended numbering: real counts live in section header 0.
  if (shnum === 0) shnum = u64(dv, shoff + 32, "section count");
  if (shstrndx === SHN_XINDEX) shstrndx = dv.getUint32(shoff + 40, true);
  if (shoff + shnum * ELF64_SHDR_SIZE > bytes.length) bad("section header table out of bounds");

  interface RawSh {
    nameOff: number;
    type: number;
    flags: number;
    offset: number;
    size: number;
    link: number;
    info: number;
    align: number;
    entsize: number;
    data: Uint8Array;
  }
  const raw: RawSh[] = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * ELF64_SHDR_SIZE;
    const type = dv.getUint32(h + 4, true);
    const offset = u64(dv, h + 24, `section #${i} offset`);
    const size = u64(dv, h + 32, `section #${i} size`);
    let data: Uint8Array = new Uint8Array(0);
    if (type !== SHT_NOBITS && type !== SHT_NULL && size > 0) {
      if (offset + size > bytes.length) bad(`section #${i} contents out of bounds`);
      data = bytes.subarray(offset, offset + size);
    }
    raw.push({
      nameOff: dv.getUint32(h, true),
      type,
      flags: u64(dv, h + 8, `section #${i} flags`),
      offset,
      size,
      link: dv.getUint32(h + 40, true),
      info: dv.getUint32(h + 44, true),
      align: u64(dv, h + 48, `section #${i} align`),
      entsize: u64(dv, h + 56, `section #${i} entsize`),
      data,
    });
  }

  const dec = new TextDecoder();
  const cstr = (table: Uint8Array, off: number, what: string): string => {
    if (off >= table.length) {
      if (off === 0) return "";
      bad(`${what}: string offset ${off} out of bounds`);
    }
    let end = off;
    while (end < table.length && table[end] !== 0) end++;
    if (end >= table.length) bad(`${what}: unterminated string`);
    return dec.decode(table.subarray(off, end));
  };

  if (shstrndx >= shnum) bad(`e_shstrndx ${shstrndx} out of range`);
  const shstr = shstrndx === SHN_UNDEF ? new Uint8Array(0) : raw[shstrndx]!.data;
  const names = raw.map((s, i) => (i === 0 ? "" : cstr(shstr, s.nameOff, `section #${i} name`)));

  const sections: ElfSection[] = raw.slice(1).map((s, k) => ({
    index: k + 1,
    name: names[k + 1]!,
    type: s.type,
    flags: s.flags,
    data: s.data,
    size: s.size,
    align: s.align,
    entsize: s.entsize,
    link: s.link,
    info: s.info,
    offset: s.offset,
  }));

  // ---- symbols -------------------------------------------------------------
  const symtabIdx = raw.findIndex((s) => s.type === SHT_SYMTAB);
  const symbols: ElfSymbol[] = [];
  const symByIndex: (ElfSymbol | undefined)[] = [undefined];
  if (symtabIdx > 0) {
    const st = raw[symtabIdx]!;
    if (st.entsize !== ELF64_SYM_SIZE) bad(`.symtab entsize ${st.entsize}`);
    if (st.size % ELF64_SYM_SIZE !== 0) bad(`.symtab size ${st.size} is not a multiple of ${ELF64_SYM_SIZE}`);
    if (st.link === 0 || st.link >= shnum || raw[st.link]!.type !== SHT_STRTAB) bad(".symtab sh_link is not a string table");
    const strs = raw[st.link]!.data;
    const sdv = new DataView(st.data.buffer, st.data.byteOffset, st.data.byteLength);
    const n = st.size / ELF64_SYM_SIZE;
    for (let i = 1; i < n; i++) {
      const o = i * ELF64_SYM_SIZE;
      const info = sdv.getUint8(o + 4);
      const shndx = sdv.getUint16(o + 6, true);
      const sym: ElfSymbol = {
        index: i,
        name: cstr(strs, sdv.getUint32(o, true), `symbol #${i} name`),
        shndx,
        value: u64(sdv, o + 8, `symbol #${i} value`),
        size: u64(sdv, o + 16, `symbol #${i} size`),
        type: ELF64_ST_TYPE(info),
        bind: ELF64_ST_BIND(info),
        visibility: ELF64_ST_VISIBILITY(sdv.getUint8(o + 5)),
      };
      if (shndx !== SHN_UNDEF && shndx < SHN_LORESERVE) {
        if (shndx >= shnum) bad(`symbol #${i} refers to section #${shndx} out of range`);
        sym.section = names[shndx];
      }
      symbols.push(sym);
      symByIndex.push(sym);
    }
  }

  // ---- relocations -------------------------------------------------------------
  const relocations: ElfRelocation[] = [];
  raw.forEach((s, i) => {
    if (s.type !== SHT_REL && s.type !== SHT_RELA) return;
    const rela = s.type === SHT_RELA;
    const esz = rela ? ELF64_RELA_SIZE : ELF64_REL_SIZE;
    if (s.entsize !== esz) bad(`section '${names[i]}' entsize ${s.entsize}, expected ${esz}`);
    if (s.size % esz !== 0) bad(`section '${names[i]}' size is not a multiple of ${esz}`);
    if (s.info === 0 || s.info >= shnum) bad(`section '${names[i]}' sh_info ${s.info} out of range`);
    if (s.link !== symtabIdx) bad(`section '${names[i]}' sh_link ${s.link} is not the symbol table`);
    const rdv = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    for (let k = 0; k < s.size / esz; k++) {
      const o = k * esz;
      const infoHi = rdv.getUint32(o + 12, true);
      const infoLo = rdv.getUint32(o + 8, true);
      const sym = symByIndex[infoHi];
      if (infoHi !== 0 && !sym) bad(`relocation #${k} of '${names[i]}' refers to symbol #${infoHi} out of range`);
      const sectionSymbol = sym?.type === STT_SECTION;
      const rel: ElfRelocation = {
        section: names[s.info]!,
        offset: u64(rdv, o, "r_offset"),
        symbol: sym ? (sectionSymbol && sym.name === "" ? (sym.section ?? "") : sym.name) : "",
        symbolIndex: infoHi,
        sectionSymbol,
        type: infoLo,
      };
      if (rela) rel.addend = Number(rdv.getBigInt64(o + 16, true));
      relocations.push(rel);
    }
  });

  return { type: eType, machine, flags: eFlags, sections, symbols, relocations };
}

/**
 * Turn a parsed object back into writer input (for round trips and tools):
 * drops the generated sections (.symtab, .strtab, relocation sections) and
 * .llvm_addrsig (its contents are symbol indexes the writer would renumber),
 * keeps STT_SECTION symbols as explicit section symbols, and expresses
 * relocations against section symbols as `{ section }`.
 */
export function toElfInput(obj: ElfObject): ElfInput {
  const dropped = (s: ElfSection): boolean =>
    s.type === SHT_SYMTAB || s.type === SHT_STRTAB || s.type === SHT_REL || s.type === SHT_RELA || s.type === SHT_LLVM_ADDRSIG;
  const kept = new Set<string>();
  const sections: ElfSectionInput[] = [];
  for (const s of obj.sections) {
    if (dropped(s)) continue;
    kept.add(s.name);
    const sec: ElfSectionInput = { name: s.name, type: s.type, flags: s.flags, data: s.data, align: Math.max(1, s.align) };
    if (s.type === SHT_NOBITS) sec.size = s.size;
    if (s.entsize) sec.entsize = s.entsize;
    sections.push(sec);
  }
  const symbols: ElfSymbolInput[] = [];
  const byIndex = new Map<number, ElfSymbol>();
  for (const sym of obj.symbols) {
    byIndex.set(sym.index, sym);
    if (sym.section !== undefined && !kept.has(sym.section)) continue;
    if (sym.type === STT_SECTION) {
      symbols.push({ name: "", section: sym.section, value: 0, size: 0, type: STT_SECTION, bind: STB_LOCAL });
      continue;
    }
    const out: ElfSymbolInput = { name: sym.name, value: sym.value, size: sym.size, type: sym.type, bind: sym.bind };
    if (sym.visibility) out.visibility = sym.visibility;
    if (sym.section !== undefined) out.section = sym.section;
    else if (sym.shndx !== SHN_UNDEF) out.shndx = sym.shndx;
    symbols.push(out);
  }
  const relocations: ElfRelocInput[] = [];
  for (const r of obj.relocations) {
    if (!kept.has(r.section)) continue;
    const sym = byIndex.get(r.symbolIndex);
    if (!sym) throw new Error(`toElfInput: relocation at ${r.section}+${r.offset} has no symbol`);
    if (r.addend) throw new Error(`toElfInput: RELA addends are not supported by the writer`);
    relocations.push({
      section: r.section,
      offset: r.offset,
      symbol: sym.type === STT_SECTION ? { section: sym.section! } : sym.name,
      type: r.type,
    });
  }
  return { sections, symbols, relocations };
}
