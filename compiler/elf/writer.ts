/**
 * ELF64 little-endian relocatable object writer for BPF, modelled on the
 * objects clang emits for `-target bpf`, so that libbpf (bpf_object__open)
 * and bpftool load them exactly as they load clang's.
 *
 * File layout produced:
 *   ELF header
 *   contents of every section, in section-header order, each aligned
 *   section header table (8-byte aligned)
 *
 * Section header table:
 *   [0]      SHT_NULL
 *   [1..]    the input sections in input order, each immediately followed by
 *            its `.rel<name>` section (SHT_REL) when it has relocations
 *   [n-2]    .symtab
 *   [n-1]    .strtab (serves as both section-name and symbol-name table)
 *
 * Symbol table:
 *   null symbol, STT_FILE locals, STT_SECTION locals (every SHF_EXECINSTR
 *   section, every section targeted by a `{ section }` relocation, every
 *   section named by an explicit STT_SECTION input symbol), the other locals
 *   (input order), then GLOBAL/WEAK symbols (input order).
 *
 * Inconsistent input is a compiler bug, reported with a plain `Error`.
 */
import {
  BPF_INSN_SIZE,
  BPF_OP_CALL,
  BPF_OP_LD_IMM64,
  BPF_PSEUDO_CALL,
  EI_CLASS,
  EI_DATA,
  EI_OSABI,
  EI_VERSION,
  ELF64_EHDR_SIZE,
  ELF64_REL_SIZE,
  ELF64_SHDR_SIZE,
  ELF64_ST_INFO,
  ELF64_SYM_SIZE,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFMAG,
  ELFOSABI_NONE,
  EM_BPF,
  ET_REL,
  EV_CURRENT,
  R_BPF_64_32,
  R_BPF_64_64,
  R_BPF_64_ABS32,
  R_BPF_64_ABS64,
  R_BPF_64_NODYLD32,
  R_BPF_NAMES,
  R_BPF_NONE,
  SHF_EXECINSTR,
  SHF_INFO_LINK,
  SHN_LORESERVE,
  SHN_UNDEF,
  SHT_LLVM_ADDRSIG,
  SHT_NOBITS,
  SHT_NULL,
  SHT_PROGBITS,
  SHT_REL,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_GLOBAL,
  STB_LOCAL,
  STB_WEAK,
  STT_FILE,
  STT_FUNC,
  STT_NOTYPE,
  STT_SECTION,
  STV_DEFAULT,
  STV_HIDDEN,
} from "./constants.js";

export interface ElfSectionInput {
  name: string;
  /** SHT_* */
  type: number;
  /** SHF_* */
  flags: number;
  /** Contents; for SHT_NOBITS leave empty and give `size`. */
  data: Uint8Array;
  /** Section size. Required for SHT_NOBITS; for other types must equal data.length if given. */
  size?: number;
  /** sh_addralign: a power of two (>= 1). */
  align: number;
  /** sh_entsize (default 0). */
  entsize?: number;
}

export interface ElfSymbolInput {
  name: string;
  /** Name of the defining section; undefined = SHN_UNDEF (or `shndx`). */
  section?: string;
  value: number;
  size: number;
  /** STT_* */
  type: number;
  /** STB_* */
  bind: number;
  /** STV_* (default STV_DEFAULT) */
  visibility?: number;
  /**
   * Special section index for a symbol without `section`, e.g. SHN_ABS for an
   * STT_FILE symbol. Must be SHN_UNDEF or >= SHN_LORESERVE. Default SHN_UNDEF.
   */
  shndx?: number;
}

export interface ElfRelocInput {
  /** The section being patched. */
  section: string;
  /** Byte offset inside `section`. */
  offset: number;
  /** A named symbol, or the STT_SECTION symbol of a section. */
  symbol: string | { section: string };
  /** R_BPF_* */
  type: number;
}

export interface ElfInput {
  sections: ElfSectionInput[];
  symbols: ElfSymbolInput[];
  relocations: ElfRelocInput[];
}

export interface WriteElfOptions {
  /**
   * Also enforce what libbpf 1.x (bpf_object__open, and the BPF static
   * linker behind `bpftool gen object`) requires of a BPF object: program
   * symbols, relocation instructions and targets, extern symbols...
   * Default true. Turn off only to write non-BPF-loadable test objects.
   */
  libbpfChecks?: boolean;
}

interface PlacedSection {
  name: string;
  type: number;
  flags: number;
  data: Uint8Array; // empty for NOBITS
  size: number;
  align: number;
  entsize: number;
  link: number;
  info: number;
  nameOff: number;
  offset: number;
}

interface BuiltSymbol {
  name: string;
  info: number;
  other: number;
  shndx: number;
  value: number;
  size: number;
}

interface ResolvedReloc {
  offset: number;
  symIndex: number;
  type: number;
  order: number;
}

function fail(msg: string): never {
  throw new Error(`writeElf: ${msg}`);
}

function checkUInt(what: string, v: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(v) || v < 0 || v > max) fail(`${what} must be an integer in [0, ${max}], got ${v}`);
}

function isPow2(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1 && (n & (n - 1)) === 0 && n <= 2 ** 30;
}

function alignUp(v: number, a: number): number {
  return a <= 1 ? v : Math.ceil(v / a) * a;
}

/** Width in bytes of the field(s) a relocation patches, for bounds checking. */
function relocWidth(type: number, exec: boolean): number {
  switch (type) {
    case R_BPF_NONE:
      return 0;
    case R_BPF_64_64:
      return exec ? 16 : 8; // ld_imm64 is an instruction pair
    case R_BPF_64_ABS64:
      return 8;
    case R_BPF_64_ABS32:
    case R_BPF_64_NODYLD32:
      return 4;
    case R_BPF_64_32:
      return exec ? BPF_INSN_SIZE : 4;
    default:
      return fail(`unknown relocation type ${type}`);
  }
}

function isDataSectionName(name: string, base: string): boolean {
  return name === base || name.startsWith(base + ".");
}

/** Sections whose relocations libbpf and its linker never look at. */
function isIgnoredRelocTarget(name: string): boolean {
  return name === ".BTF" || name === ".BTF.ext" || name.startsWith(".debug_");
}

/**
 * Build a string table with tail merging (".text" shares ".rel.text"'s
 * bytes, as in LLVM's tables). Deterministic: depends only on the set of
 * strings. Offset 0 is the empty string.
 */
export function buildStringTable(strings: Iterable<string>): { bytes: Uint8Array; offsets: Map<string, number> } {
  const enc = new TextEncoder();
  const uniq = [...new Set(strings)].filter((s) => s !== "");
  for (const s of uniq) if (s.includes("\0")) fail(`string ${JSON.stringify(s)} contains NUL`);
  const encoded = new Map<string, Uint8Array>(uniq.map((s) => [s, enc.encode(s)]));
  // Sort by reversed bytes, descending: a string that is a suffix of another
  // sorts right after it (or after another string it is also a suffix of).
  const reversedCmp = (a: Uint8Array, b: Uint8Array): number => {
    for (let i = 1; i <= Math.min(a.length, b.length); i++) {
      const d = a[a.length - i]! - b[b.length - i]!;
      if (d !== 0) return d;
    }
    return a.length - b.length;
  };
  const sorted = [...uniq].sort((x, y) => reversedCmp(encoded.get(y)!, encoded.get(x)!));
  const offsets = new Map<string, number>([["", 0]]);
  const chunks: Uint8Array[] = [new Uint8Array(1)];
  let size = 1;
  let prev: Uint8Array | undefined;
  let prevOff = 0;
  for (const s of sorted) {
    const b = encoded.get(s)!;
    if (prev && prev.length >= b.length && reversedCmp(prev.subarray(prev.length - b.length), b) === 0) {
      offsets.set(s, prevOff + prev.length - b.length);
      continue;
    }
    offsets.set(s, size);
    const chunk = new Uint8Array(b.length + 1);
    chunk.set(b);
    chunks.push(chunk);
    prev = b;
    prevOff = size;
    size += chunk.length;
  }
  const bytes = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    bytes.set(c, o);
    o += c.length;
  }
  return { bytes, offsets };
}

export function writeElf(input: ElfInput, options: WriteElfOptions = {}): Uint8Array {
  const libbpf = options.libbpfChecks !== false;

  // ---- sections ------------------------------------------------------------
  const secByName = new Map<string, { input: ElfSectionInput; size: number; pos: number }>();
  input.sections.forEach((s, pos) => {
    if (typeof s.name !== "string" || s.name === "") fail(`section #${pos} has an empty name`);
    if (secByName.has(s.name)) fail(`duplicate section '${s.name}'`);
    if (s.name === ".symtab" || s.name === ".strtab") fail(`section '${s.name}' is generated, do not pass it`);
    checkUInt(`section '${s.name}' type`, s.type, 0xffffffff);
    checkUInt(`section '${s.name}' flags`, s.flags, 0xffffffff);
    if (s.type === SHT_NULL || s.type === SHT_SYMTAB || s.type === SHT_STRTAB || s.type === SHT_REL || s.type === SHT_RELA)
      fail(`section '${s.name}': type ${s.type} is generated by the writer or unsupported`);
    if (libbpf && s.type !== SHT_PROGBITS && s.type !== SHT_NOBITS && s.type !== SHT_LLVM_ADDRSIG)
      fail(`section '${s.name}': libbpf only accepts SHT_PROGBITS/SHT_NOBITS sections, got type ${s.type}`);
    if (!isPow2(s.align)) fail(`section '${s.name}': align must be a power of two >= 1, got ${s.align}`);
    if (s.entsize !== undefined) checkUInt(`section '${s.name}' entsize`, s.entsize);
    let size: number;
    if (s.type === SHT_NOBITS) {
      size = s.size ?? s.data.length;
      checkUInt(`section '${s.name}' size`, size);
      if (s.data.length !== 0 && s.data.length !== size)
        fail(`NOBITS section '${s.name}': data length ${s.data.length} != size ${size}`);
      if (s.data.some((b) => b !== 0)) fail(`NOBITS section '${s.name}' has non-zero data`);
    } else {
      size = s.data.length;
      if (s.size !== undefined && s.size !== size) fail(`section '${s.name}': size ${s.size} != data length ${size}`);
    }
    if (libbpf && s.flags & SHF_EXECINSTR) {
      if (s.type !== SHT_PROGBITS) fail(`executable section '${s.name}' must be SHT_PROGBITS`);
      if (size % BPF_INSN_SIZE !== 0) fail(`executable section '${s.name}': size ${size} is not a multiple of 8`);
    }
    secByName.set(s.name, { input: s, size, pos });
  });

  // ---- group relocations by section ------------------------------------------
  const relocsBySec = new Map<string, ElfRelocInput[]>();
  input.relocations.forEach((r, i) => {
    const target = secByName.get(r.section);
    if (!target) fail(`relocation #${i} patches unknown section '${r.section}'`);
    let list = relocsBySec.get(r.section);
    if (!list) relocsBySec.set(r.section, (list = []));
    list.push(r);
  });
  for (const name of relocsBySec.keys()) {
    if (secByName.has(".rel" + name)) fail(`section '.rel${name}' clashes with the generated relocation section`);
  }

  // ---- section indexes ---------------------------------------------------------
  const secIndex = new Map<string, number>();
  const relIndex = new Map<string, number>();
  let nextIdx = 1;
  for (const s of input.sections) {
    secIndex.set(s.name, nextIdx++);
    if (relocsBySec.has(s.name)) relIndex.set(s.name, nextIdx++);
  }
  const symtabIdx = nextIdx++;
  const strtabIdx = nextIdx++;
  const shnum = nextIdx;
  if (shnum >= SHN_LORESERVE) fail(`too many sections (${shnum})`);

  // ---- symbols -------------------------------------------------------------------
  const needSecSym = new Set<string>();
  for (const s of input.sections) if (s.flags & SHF_EXECINSTR) needSecSym.add(s.name);
  input.relocations.forEach((r, i) => {
    if (typeof r.symbol === "object") {
      if (!r.symbol || typeof r.symbol.section !== "string" || !secByName.has(r.symbol.section))
        fail(`relocation #${i} refers to the section symbol of unknown section '${(r.symbol as { section?: unknown })?.section}'`);
      needSecSym.add(r.symbol.section);
    } else if (typeof r.symbol !== "string" || r.symbol === "") {
      fail(`relocation #${i} has no symbol`);
    }
  });

  const fileSyms: BuiltSymbol[] = [];
  const localSyms: { sym: BuiltSymbol; name: string }[] = [];
  const globalSyms: { sym: BuiltSymbol; name: string }[] = [];
  const globalNames = new Set<string>();

  input.symbols.forEach((sym, i) => {
    const what = `symbol #${i} '${sym.name}'`;
    if (typeof sym.name !== "string") fail(`${what}: name must be a string`);
    if (sym.name.includes("\0")) fail(`${what}: name contains NUL`);
    checkUInt(`${what} value`, sym.value);
    checkUInt(`${what} size`, sym.size);
    checkUInt(`${what} type`, sym.type, 15);
    checkUInt(`${what} bind`, sym.bind, 15);
    const vis = sym.visibility ?? STV_DEFAULT;
    checkUInt(`${what} visibility`, vis, 3);
    if (sym.bind !== STB_LOCAL && sym.bind !== STB_GLOBAL && sym.bind !== STB_WEAK) fail(`${what}: unsupported binding ${sym.bind}`);
    if (libbpf && vis !== STV_DEFAULT && vis !== STV_HIDDEN) fail(`${what}: libbpf only accepts STV_DEFAULT/STV_HIDDEN`);

    let shndx: number;
    let sec: { input: ElfSectionInput; size: number } | undefined;
    if (sym.section !== undefined) {
      if (sym.shndx !== undefined && sym.shndx !== secIndex.get(sym.section))
        fail(`${what}: give either section or shndx, not both`);
      sec = secByName.get(sym.section);
      if (!sec) fail(`${what}: unknown section '${sym.section}'`);
      shndx = secIndex.get(sym.section)!;
    } else {
      shndx = sym.shndx ?? SHN_UNDEF;
      checkUInt(`${what} shndx`, shndx, 0xffff);
      if (shndx !== SHN_UNDEF && shndx < SHN_LORESERVE) fail(`${what}: use 'section' for ordinary section indexes`);
    }

    if (sym.type === STT_SECTION) {
      if (!sec) fail(`${what}: STT_SECTION symbol needs a section`);
      if (sym.bind !== STB_LOCAL || sym.value !== 0 || sym.size !== 0 || (sym.name !== "" && sym.name !== sym.section))
        fail(`${what}: STT_SECTION symbols must be LOCAL, unnamed, with value 0 and size 0`);
      needSecSym.add(sym.section!);
      return;
    }

    if (sec && sym.value + sym.size > sec.size)
      fail(`${what}: [${sym.value}, ${sym.value + sym.size}) is outside section '${sym.section}' (size ${sec.size})`);

    if (shndx === SHN_UNDEF) {
      if (sym.bind === STB_LOCAL) fail(`${what}: undefined symbols must be GLOBAL or WEAK`);
      if (libbpf && (sym.type !== STT_NOTYPE || sym.value !== 0 || sym.size !== 0))
        fail(`${what}: libbpf externs must be STT_NOTYPE with value 0 and size 0`);
    }
    if (sym.name === "" && sym.bind !== STB_LOCAL) fail(`${what}: global symbols need a name`);

    if (libbpf && sec && sym.type === STT_FUNC && sec.input.flags & SHF_EXECINSTR) {
      if (sym.value % BPF_INSN_SIZE !== 0 || sym.size % BPF_INSN_SIZE !== 0 || sym.size === 0)
        fail(`${what}: BPF function symbols need an 8-byte aligned offset and a non-zero size multiple of 8`);
      if (sym.bind === STB_LOCAL && sym.section !== ".text")
        fail(`${what}: libbpf rejects static (LOCAL) programs outside .text`);
    }

    const built: BuiltSymbol = {
      name: sym.name,
      info: ELF64_ST_INFO(sym.bind, sym.type),
      other: vis,
      shndx,
      value: sym.value,
      size: sym.size,
    };
    if (sym.bind === STB_LOCAL) {
      if (sym.type === STT_FILE) fileSyms.push(built);
      else localSyms.push({ sym: built, name: sym.name });
    } else {
      if (globalNames.has(sym.name)) fail(`duplicate global symbol '${sym.name}'`);
      globalNames.add(sym.name);
      globalSyms.push({ sym: built, name: sym.name });
    }
  });

  const symbols: BuiltSymbol[] = [{ name: "", info: 0, other: 0, shndx: 0, value: 0, size: 0 }];
  symbols.push(...fileSyms);
  const secSymIndex = new Map<string, number>();
  for (const s of input.sections) {
    if (!needSecSym.has(s.name)) continue;
    secSymIndex.set(s.name, symbols.length);
    symbols.push({ name: "", info: ELF64_ST_INFO(STB_LOCAL, STT_SECTION), other: 0, shndx: secIndex.get(s.name)!, value: 0, size: 0 });
  }
  // name -> symbol index; -1 marks a name shared by several symbols
  const symByName = new Map<string, number>();
  const addNamed = (name: string, sym: BuiltSymbol): void => {
    const idx = symbols.length;
    symbols.push(sym);
    if (name === "") return;
    symByName.set(name, symByName.has(name) ? -1 : idx);
  };
  for (const { sym, name } of localSyms) addNamed(name, sym);
  const firstNonLocal = symbols.length;
  for (const { sym, name } of globalSyms) addNamed(name, sym);
  // STT_FILE symbols are deliberately not resolvable by name: they are never relocation targets.

  // ---- relocations -----------------------------------------------------------------
  const textIdx = secIndex.get(".text");
  const secNameByIndex = new Map<number, string>([...secIndex].map(([n, i]) => [i, n]));
  const resolvedBySec = new Map<string, ResolvedReloc[]>();
  input.relocations.forEach((r, i) => {
    const target = secByName.get(r.section)!;
    const exec = (target.input.flags & SHF_EXECINSTR) !== 0;
    const symDesc = typeof r.symbol === "string" ? `'${r.symbol}'` : `section symbol of '${r.symbol.section}'`;
    const what = `relocation #${i} (${r.section}+${r.offset} against ${symDesc})`;
    checkUInt(`${what} offset`, r.offset);
    checkUInt(`${what} type`, r.type, 0xffffffff);
    if (!(r.type in R_BPF_NAMES)) fail(`${what}: unknown relocation type ${r.type}`);
    if (target.input.type === SHT_NOBITS) fail(`${what}: cannot patch a NOBITS section`);
    const width = relocWidth(r.type, exec);
    if (r.offset + width > target.size) fail(`${what}: patches bytes past the end of the section (size ${target.size})`);

    let symIndex: number;
    if (typeof r.symbol === "string") {
      const idx = symByName.get(r.symbol);
      if (idx === undefined) fail(`${what}: unknown symbol '${r.symbol}'`);
      if (idx === -1) fail(`${what}: symbol name '${r.symbol}' is ambiguous`);
      symIndex = idx;
    } else {
      symIndex = secSymIndex.get(r.symbol.section)!;
    }

    if (libbpf) checkLibbpfReloc(what, r, target, exec, symbols[symIndex]!, textIdx, secByName, secNameByIndex);

    let list = resolvedBySec.get(r.section);
    if (!list) resolvedBySec.set(r.section, (list = []));
    list.push({ offset: r.offset, symIndex, type: r.type, order: i });
  });
  for (const [name, list] of resolvedBySec) {
    list.sort((a, b) => a.offset - b.offset || a.order - b.order);
    for (let k = 1; k < list.length; k++)
      if (list[k]!.offset === list[k - 1]!.offset) fail(`two relocations patch '${name}' at offset ${list[k]!.offset}`);
  }
  if (libbpf) checkLibbpfPrograms(input, resolvedBySec);

  // ---- string table ------------------------------------------------------------------
  const strings: string[] = [".symtab", ".strtab"];
  for (const s of input.sections) {
    strings.push(s.name);
    if (relocsBySec.has(s.name)) strings.push(".rel" + s.name);
  }
  for (const s of symbols) strings.push(s.name);
  const strtab = buildStringTable(strings);
  const str = (s: string): number => strtab.offsets.get(s)!;

  // ---- symtab / rel bytes --------------------------------------------------------------
  const symtabBytes = new Uint8Array(symbols.length * ELF64_SYM_SIZE);
  {
    const dv = new DataView(symtabBytes.buffer);
    symbols.forEach((s, i) => {
      const o = i * ELF64_SYM_SIZE;
      dv.setUint32(o, str(s.name), true);
      dv.setUint8(o + 4, s.info);
      dv.setUint8(o + 5, s.other);
      dv.setUint16(o + 6, s.shndx, true);
      dv.setBigUint64(o + 8, BigInt(s.value), true);
      dv.setBigUint64(o + 16, BigInt(s.size), true);
    });
  }
  const relBytes = new Map<string, Uint8Array>();
  for (const [name, list] of resolvedBySec) {
    const bytes = new Uint8Array(list.length * ELF64_REL_SIZE);
    const dv = new DataView(bytes.buffer);
    list.forEach((r, i) => {
      dv.setBigUint64(i * ELF64_REL_SIZE, BigInt(r.offset), true);
      dv.setBigUint64(i * ELF64_REL_SIZE + 8, (BigInt(r.symIndex) << 32n) | BigInt(r.type), true);
    });
    relBytes.set(name, bytes);
  }

  // ---- place sections ----------------------------------------------------------------
  const placed: PlacedSection[] = [];
  for (const s of input.sections) {
    const info = secByName.get(s.name)!;
    placed.push({
      name: s.name,
      type: s.type,
      flags: s.flags,
      data: s.type === SHT_NOBITS ? new Uint8Array(0) : s.data,
      size: info.size,
      align: s.align,
      entsize: s.entsize ?? 0,
      link: s.type === SHT_LLVM_ADDRSIG ? symtabIdx : 0,
      info: 0,
      nameOff: str(s.name),
      offset: 0,
    });
    const rb = relBytes.get(s.name);
    if (rb) {
      placed.push({
        name: ".rel" + s.name,
        type: SHT_REL,
        flags: SHF_INFO_LINK,
        data: rb,
        size: rb.length,
        align: 8,
        entsize: ELF64_REL_SIZE,
        link: symtabIdx,
        info: secIndex.get(s.name)!,
        nameOff: str(".rel" + s.name),
        offset: 0,
      });
    }
  }
  placed.push({
    name: ".symtab",
    type: SHT_SYMTAB,
    flags: 0,
    data: symtabBytes,
    size: symtabBytes.length,
    align: 8,
    entsize: ELF64_SYM_SIZE,
    link: strtabIdx,
    info: firstNonLocal,
    nameOff: str(".symtab"),
    offset: 0,
  });
  placed.push({
    name: ".strtab",
    type: SHT_STRTAB,
    flags: 0,
    data: strtab.bytes,
    size: strtab.bytes.length,
    align: 1,
    entsize: 0,
    link: 0,
    info: 0,
    nameOff: str(".strtab"),
    offset: 0,
  });
  if (placed.length + 1 !== shnum) fail(`internal error: section count mismatch`);

  let off = ELF64_EHDR_SIZE;
  for (const p of placed) {
    off = alignUp(off, p.align);
    p.offset = off;
    off += p.data.length;
  }
  const shoff = alignUp(off, 8);
  const total = shoff + shnum * ELF64_SHDR_SIZE;

  // ---- emit ----------------------------------------------------------------------------
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(ELFMAG, 0);
  out[EI_CLASS] = ELFCLASS64;
  out[EI_DATA] = ELFDATA2LSB;
  out[EI_VERSION] = EV_CURRENT;
  out[EI_OSABI] = ELFOSABI_NONE;
  dv.setUint16(16, ET_REL, true); // e_type
  dv.setUint16(18, EM_BPF, true); // e_machine
  dv.setUint32(20, EV_CURRENT, true); // e_version
  dv.setBigUint64(24, 0n, true); // e_entry
  dv.setBigUint64(32, 0n, true); // e_phoff
  dv.setBigUint64(40, BigInt(shoff), true); // e_shoff
  dv.setUint32(48, 0, true); // e_flags
  dv.setUint16(52, ELF64_EHDR_SIZE, true); // e_ehsize
  dv.setUint16(54, 0, true); // e_phentsize
  dv.setUint16(56, 0, true); // e_phnum
  dv.setUint16(58, ELF64_SHDR_SIZE, true); // e_shentsize
  dv.setUint16(60, shnum, true); // e_shnum
  dv.setUint16(62, strtabIdx, true); // e_shstrndx

  placed.forEach((p, i) => {
    out.set(p.data, p.offset);
    const h = shoff + (i + 1) * ELF64_SHDR_SIZE;
    dv.setUint32(h, p.nameOff, true);
    dv.setUint32(h + 4, p.type, true);
    dv.setBigUint64(h + 8, BigInt(p.flags), true);
    dv.setBigUint64(h + 16, 0n, true); // sh_addr
    dv.setBigUint64(h + 24, BigInt(p.offset), true);
    dv.setBigUint64(h + 32, BigInt(p.size), true);
    dv.setUint32(h + 40, p.link, true);
    dv.setUint32(h + 44, p.info, true);
    dv.setBigUint64(h + 48, BigInt(p.align), true);
    dv.setBigUint64(h + 56, BigInt(p.entsize), true);
  });
  return out;
}

/** What libbpf's bpf_object__collect_prog_relos / record_reloc and the BPF linker accept. */
function checkLibbpfReloc(
  what: string,
  r: ElfRelocInput,
  target: { input: ElfSectionInput; size: number },
  exec: boolean,
  sym: BuiltSymbol,
  textIdx: number | undefined,
  secByName: Map<string, { input: ElfSectionInput; size: number }>,
  secNameByIndex: Map<number, string>,
): void {
  const isSectionSym = typeof r.symbol === "object";
  const symSecName = secNameByIndex.get(sym.shndx);
  if (!exec) {
    if (r.type === R_BPF_NONE) fail(`${what}: R_BPF_NONE is not accepted by libbpf's linker`);
    if (r.type === R_BPF_64_NODYLD32 && !isIgnoredRelocTarget(r.section))
      fail(`${what}: R_BPF_64_NODYLD32 is only accepted in .BTF, .BTF.ext and .debug_* sections`);
    return;
  }
  if (r.offset % BPF_INSN_SIZE !== 0) fail(`${what}: offset is not instruction aligned`);
  const code = target.input.data[r.offset]!;
  const regs = target.input.data[r.offset + 1]!;
  const srcReg = regs >> 4;
  const undef = sym.shndx === SHN_UNDEF;
  if (sym.shndx >= SHN_LORESERVE) fail(`${what}: libbpf rejects relocations against special-section symbols`);
  if (r.type === R_BPF_64_32) {
    if (code !== BPF_OP_CALL) fail(`${what}: R_BPF_64_32 must patch a call instruction (opcode 0x85), found 0x${code.toString(16)}`);
    if (undef) return; // extern (kfunc) call
    if (srcReg !== BPF_PSEUDO_CALL) fail(`${what}: a bpf-to-bpf call must have src_reg = BPF_PSEUDO_CALL (1)`);
    if (sym.shndx !== textIdx) fail(`${what}: libbpf only resolves calls to subprograms in .text`);
    if (sym.value % BPF_INSN_SIZE !== 0) fail(`${what}: call target symbol is not instruction aligned`);
    return;
  }
  if (r.type === R_BPF_64_64) {
    if (code !== BPF_OP_LD_IMM64) fail(`${what}: R_BPF_64_64 must patch an ld_imm64 instruction (opcode 0x18), found 0x${code.toString(16)}`);
    if (undef) return; // extern variable / ksym
    const symType = sym.info & 0xf;
    const symBind = sym.info >> 4;
    if (sym.shndx === textIdx) {
      // subprogram address (BPF_PSEUDO_FUNC): libbpf's sym_is_subprog
      if (!(symType === STT_SECTION && symBind === STB_LOCAL) && !(symType === STT_FUNC && symBind === STB_GLOBAL))
        fail(`${what}: a subprogram address must be loaded through the .text section symbol or a GLOBAL FUNC symbol`);
      return;
    }
    const sec = secByName.get(symSecName!)!;
    if (symSecName === ".maps") {
      if (isSectionSym) fail(`${what}: map references must use the map's own symbol, not the .maps section symbol`);
      return;
    }
    const isData =
      (sec.input.type === SHT_PROGBITS && (isDataSectionName(symSecName!, ".data") || isDataSectionName(symSecName!, ".rodata"))) ||
      (sec.input.type === SHT_NOBITS && isDataSectionName(symSecName!, ".bss"));
    if (!isData) fail(`${what}: libbpf only resolves ld_imm64 against .maps, .data*, .rodata*, .bss* or .text, not '${symSecName}'`);
    if (sec.size === 0) fail(`${what}: libbpf creates no map for the empty section '${symSecName}'`);
    return;
  }
  fail(`${what}: ${R_BPF_NAMES[r.type]} is not valid in an executable section (use R_BPF_64_64 or R_BPF_64_32)`);
}

/**
 * libbpf splits every executable section into programs using its STT_FUNC
 * symbols (bpf_object__add_programs): they must not overlap, relocations
 * outside every function are silently dropped, and a bpf-to-bpf call without
 * relocation is resolved as if it were relative to .text.
 */
function checkLibbpfPrograms(input: ElfInput, resolvedBySec: Map<string, ResolvedReloc[]>): void {
  for (const sec of input.sections) {
    if (!(sec.flags & SHF_EXECINSTR)) continue;
    const funcs = input.symbols
      .filter((s) => s.section === sec.name && s.type === STT_FUNC)
      .map((s) => ({ name: s.name, start: s.value, end: s.value + s.size }))
      .sort((a, b) => a.start - b.start || a.end - b.end);
    for (let k = 1; k < funcs.length; k++) {
      const p = funcs[k - 1]!;
      const f = funcs[k]!;
      if (f.start < p.end) fail(`functions '${p.name}' and '${f.name}' overlap in section '${sec.name}'`);
    }
    const inFunc = (off: number): boolean => {
      let lo = 0;
      let hi = funcs.length - 1;
      while (lo <= hi) {
        const m = (lo + hi) >> 1;
        const f = funcs[m]!;
        if (off < f.start) hi = m - 1;
        else if (off >= f.end) lo = m + 1;
        else return true;
      }
      return false;
    };
    const relocs = resolvedBySec.get(sec.name) ?? [];
    for (const r of relocs)
      if (!inFunc(r.offset))
        fail(`relocation at ${sec.name}+${r.offset} is outside every STT_FUNC symbol; libbpf would silently ignore it`);
    if (sec.name === ".text") continue;
    const relocated = new Set(relocs.map((r) => r.offset));
    for (let off = 0; off + BPF_INSN_SIZE <= sec.data.length; off += BPF_INSN_SIZE) {
      const code = sec.data[off]!;
      if (code === BPF_OP_LD_IMM64) {
        off += BPF_INSN_SIZE; // skip the second half of the pair
        continue;
      }
      if (code === BPF_OP_CALL && sec.data[off + 1]! >> 4 === BPF_PSEUDO_CALL && !relocated.has(off))
        fail(`bpf-to-bpf call at ${sec.name}+${off} has no relocation; calls out of a program section need R_BPF_64_32`);
    }
  }
}
