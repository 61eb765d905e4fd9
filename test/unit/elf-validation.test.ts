/**
 * compiler/elf writer: input validation (compiler bugs must fail loudly,
 * before libbpf does), string table, special symbols, reader robustness.
 */
import { describe, expect, it } from "vitest";
import {
  R_BPF_64_32,
  R_BPF_64_64,
  R_BPF_64_ABS64,
  R_BPF_64_NODYLD32,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_WRITE,
  SHN_ABS,
  SHT_NOBITS,
  SHT_PROGBITS,
  STB_GLOBAL,
  STB_LOCAL,
  STB_WEAK,
  STT_FILE,
  STT_FUNC,
  STT_NOTYPE,
  STT_OBJECT,
  STT_SECTION,
  STV_HIDDEN,
} from "../../compiler/elf/constants.js";
import { readElf } from "../../compiler/elf/reader.js";
import { buildStringTable, writeElf, type ElfInput, type ElfSectionInput } from "../../compiler/elf/writer.js";

const hex = (s: string): number[] => s.trim().split(/\s+/).map((b) => parseInt(b, 16));
const insns = (...lines: string[]): Uint8Array => new Uint8Array(lines.flatMap(hex));
const EXIT = "95 00 00 00 00 00 00 00";
const R0_0 = "b7 00 00 00 00 00 00 00";
const LD_IMM64 = "18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00";
const CALL_PSEUDO = "85 10 00 00 ff ff ff ff";
const CALL_HELPER = "85 00 00 00 01 00 00 00";

const exec = (name: string, data: Uint8Array): ElfSectionInput => ({
  name,
  type: SHT_PROGBITS,
  flags: SHF_ALLOC | SHF_EXECINSTR,
  data,
  align: 8,
});
const dataSec = (name: string, size: number): ElfSectionInput => ({
  name,
  type: SHT_PROGBITS,
  flags: SHF_ALLOC | SHF_WRITE,
  data: new Uint8Array(size),
  align: 8,
});
const bss = (size: number): ElfSectionInput => ({
  name: ".bss",
  type: SHT_NOBITS,
  flags: SHF_ALLOC | SHF_WRITE,
  data: new Uint8Array(0),
  size,
  align: 8,
});

/** One program in "xdp" whose first instruction is `code`, plus .text with a subprogram. */
function base(code: string): ElfInput {
  const prog = insns(code, R0_0, EXIT);
  return {
    sections: [exec(".text", insns(R0_0, EXIT, R0_0, EXIT)), exec("xdp", prog), dataSec(".data", 8), bss(8), dataSec(".maps", 32), dataSec("license", 4)],
    symbols: [
      { name: "sub", section: ".text", value: 0, size: 16, type: STT_FUNC, bind: STB_LOCAL },
      { name: "gsub", section: ".text", value: 16, size: 16, type: STT_FUNC, bind: STB_GLOBAL },
      { name: "prog", section: "xdp", value: 0, size: prog.length, type: STT_FUNC, bind: STB_GLOBAL },
      { name: "gdata", section: ".data", value: 0, size: 8, type: STT_OBJECT, bind: STB_GLOBAL },
      { name: "gbss", section: ".bss", value: 0, size: 8, type: STT_OBJECT, bind: STB_GLOBAL },
      { name: "mymap", section: ".maps", value: 0, size: 32, type: STT_OBJECT, bind: STB_GLOBAL },
      { name: "_license", section: "license", value: 0, size: 4, type: STT_OBJECT, bind: STB_GLOBAL },
      { name: "kfunc", value: 0, size: 0, type: STT_NOTYPE, bind: STB_GLOBAL },
    ],
    relocations: [],
  };
}
const withReloc = (code: string, symbol: string | { section: string }, type = R_BPF_64_64, offset = 0): ElfInput => {
  const input = base(code);
  input.relocations.push({ section: "xdp", offset, symbol, type });
  return input;
};

describe("writeElf accepts what libbpf accepts", () => {
  it.each([
    ["map reference through the map's symbol", withReloc(LD_IMM64, "mymap")],
    ["global variable through its symbol", withReloc(LD_IMM64, "gdata")],
    ["static variable through the .bss section symbol", withReloc(LD_IMM64, { section: ".bss" })],
    ["subprogram address through the .text section symbol (BPF_PSEUDO_FUNC)", withReloc(LD_IMM64, { section: ".text" })],
    ["subprogram address through a GLOBAL FUNC symbol", withReloc(LD_IMM64, "gsub")],
    ["static call through the .text section symbol", withReloc(CALL_PSEUDO, { section: ".text" }, R_BPF_64_32)],
    ["call through a LOCAL FUNC symbol in .text", withReloc(CALL_PSEUDO, "sub", R_BPF_64_32)],
    ["extern (kfunc) call", withReloc(CALL_PSEUDO, "kfunc", R_BPF_64_32)],
    ["extern variable load", withReloc(LD_IMM64, "kfunc")],
  ])("%s", (_what, input) => {
    const obj = readElf(writeElf(input));
    expect(obj.relocations).toHaveLength(1);
  });

  it("writes an empty object (null section, .symtab, .strtab)", () => {
    const obj = readElf(writeElf({ sections: [], symbols: [], relocations: [] }));
    expect(obj.sections.map((s) => s.name)).toEqual([".symtab", ".strtab"]);
    expect(obj.symbols).toEqual([]);
  });

  it("puts STT_FILE (SHN_ABS) first and honours explicit STT_SECTION, WEAK and HIDDEN symbols", () => {
    const input = base(R0_0);
    input.symbols.push(
      { name: "w", section: ".data", value: 4, size: 4, type: STT_OBJECT, bind: STB_WEAK, visibility: STV_HIDDEN },
      { name: "prog.c", value: 0, size: 0, type: STT_FILE, bind: STB_LOCAL, shndx: SHN_ABS },
      { name: "", section: "license", value: 0, size: 0, type: STT_SECTION, bind: STB_LOCAL },
    );
    const obj = readElf(writeElf(input));
    expect(obj.symbols[0]).toMatchObject({ name: "prog.c", type: STT_FILE, shndx: SHN_ABS });
    expect(obj.symbols[0]!.section).toBeUndefined();
    expect(obj.symbols.filter((s) => s.type === STT_SECTION).map((s) => s.section)).toEqual([".text", "xdp", "license"]);
    expect(obj.symbols.find((s) => s.name === "w")).toMatchObject({ bind: STB_WEAK, visibility: STV_HIDDEN, section: ".data" });
    expect(obj.symbols.find((s) => s.name === "kfunc")).toMatchObject({ shndx: 0 });
    expect(obj.symbols.find((s) => s.name === "kfunc")!.section).toBeUndefined();
  });

  it("does not depend on object identity or string insertion order (deterministic)", () => {
    const a = writeElf(withReloc(LD_IMM64, "gdata"));
    const b = writeElf(structuredClone(withReloc(LD_IMM64, "gdata")));
    expect(b).toEqual(a);
  });

  it("libbpfChecks: false only relaxes libbpf policy, not ELF structure", () => {
    const input = withReloc(R0_0, "gdata"); // R_BPF_64_64 on a non-ld_imm64 insn
    expect(() => writeElf(input)).toThrow(/ld_imm64/);
    expect(() => writeElf(input, { libbpfChecks: false })).not.toThrow();
    const bad = withReloc(LD_IMM64, "nope");
    expect(() => writeElf(bad, { libbpfChecks: false })).toThrow(/unknown symbol 'nope'/);
  });
});

describe("writeElf rejects compiler bugs", () => {
  const cases: [string, () => ElfInput, RegExp][] = [
    ["relocation against an unknown symbol", () => withReloc(LD_IMM64, "nope"), /unknown symbol 'nope'/],
    ["relocation against an unknown section symbol", () => withReloc(LD_IMM64, { section: ".rodata" }), /unknown section '.rodata'/],
    [
      "relocation patching an unknown section",
      () => ({ ...base(LD_IMM64), relocations: [{ section: "tc", offset: 0, symbol: "gdata", type: R_BPF_64_64 }] }),
      /unknown section 'tc'/,
    ],
    ["relocation past the end of the section", () => withReloc(LD_IMM64, "gdata", R_BPF_64_64, 24), /past the end/],
    ["misaligned relocation in code", () => withReloc(LD_IMM64, "gdata", R_BPF_64_64, 4), /past the end|not instruction aligned|opcode/],
    ["R_BPF_64_64 on something other than ld_imm64", () => withReloc(CALL_PSEUDO, "gdata"), /ld_imm64/],
    ["R_BPF_64_32 on something other than call", () => withReloc(LD_IMM64, { section: ".text" }, R_BPF_64_32), /call instruction/],
    ["bpf-to-bpf call without BPF_PSEUDO_CALL", () => withReloc(CALL_HELPER, { section: ".text" }, R_BPF_64_32), /BPF_PSEUDO_CALL/],
    ["call into a non-.text section", () => withReloc(CALL_PSEUDO, "prog", R_BPF_64_32), /subprograms in \.text/],
    ["ld_imm64 of a LOCAL FUNC (libbpf wants the section symbol)", () => withReloc(LD_IMM64, "sub"), /section symbol or a GLOBAL FUNC/],
    ["map reference through the .maps section symbol", () => withReloc(LD_IMM64, { section: ".maps" }), /map's own symbol/],
    ["ld_imm64 of a non-data section", () => withReloc(LD_IMM64, "_license"), /not 'license'/],
    ["data relocation type in code", () => withReloc(LD_IMM64, "gdata", R_BPF_64_ABS64), /not valid in an executable section/],
    [
      "two relocations at the same offset",
      () => {
        const i = withReloc(LD_IMM64, "gdata");
        i.relocations.push({ ...i.relocations[0]! });
        return i;
      },
      /two relocations/,
    ],
    [
      "NODYLD32 outside .BTF/.BTF.ext/.debug_*",
      () => ({ ...base(R0_0), relocations: [{ section: ".data", offset: 0, symbol: "gdata", type: R_BPF_64_NODYLD32 }] }),
      /NODYLD32/,
    ],
    [
      "overlapping functions",
      () => {
        const i = base(R0_0);
        i.symbols.push({ name: "alias", section: ".text", value: 8, size: 16, type: STT_FUNC, bind: STB_LOCAL });
        return i;
      },
      /overlap/,
    ],
    [
      "relocation outside every function",
      () => {
        const i = withReloc(R0_0, "gdata");
        i.sections[1] = exec("xdp", insns(R0_0, EXIT, LD_IMM64));
        i.symbols.find((s) => s.name === "prog")!.size = 16;
        i.relocations[0]!.offset = 16;
        return i;
      },
      /outside every STT_FUNC/,
    ],
    [
      "bpf-to-bpf call from a program section without relocation",
      () => base(CALL_PSEUDO),
      /has no relocation/,
    ],
    [
      "duplicate global symbols",
      () => {
        const i = base(R0_0);
        i.symbols.push({ ...i.symbols.find((s) => s.name === "gdata")!, bind: STB_WEAK });
        return i;
      },
      /duplicate global symbol 'gdata'/,
    ],
    [
      "ambiguous local name used by a relocation",
      () => {
        const i = withReloc(LD_IMM64, "x");
        i.symbols.push(
          { name: "x", section: ".data", value: 0, size: 4, type: STT_OBJECT, bind: STB_LOCAL },
          { name: "x", section: ".data", value: 4, size: 4, type: STT_OBJECT, bind: STB_LOCAL },
        );
        return i;
      },
      /ambiguous/,
    ],
    [
      "duplicate sections",
      () => {
        const i = base(R0_0);
        i.sections.push(dataSec(".data", 4));
        return i;
      },
      /duplicate section '.data'/,
    ],
    [
      "a section clashing with a generated .rel section",
      () => {
        const i = withReloc(LD_IMM64, "gdata");
        i.sections.push(dataSec(".relxdp", 4));
        return i;
      },
      /clashes/,
    ],
    [
      "symbol outside its section",
      () => {
        const i = base(R0_0);
        i.symbols.push({ name: "big", section: ".bss", value: 4, size: 8, type: STT_OBJECT, bind: STB_GLOBAL });
        return i;
      },
      /outside section '.bss'/,
    ],
    [
      "symbol in an unknown section",
      () => {
        const i = base(R0_0);
        i.symbols.push({ name: "s", section: ".rodata", value: 0, size: 0, type: STT_OBJECT, bind: STB_GLOBAL });
        return i;
      },
      /unknown section '.rodata'/,
    ],
    [
      "program symbol without a size",
      () => {
        const i = base(R0_0);
        i.symbols.find((s) => s.name === "prog")!.size = 0;
        return i;
      },
      /non-zero size/,
    ],
    [
      "static program outside .text",
      () => {
        const i = base(R0_0);
        i.symbols.find((s) => s.name === "prog")!.bind = STB_LOCAL;
        return i;
      },
      /static \(LOCAL\) programs/,
    ],
    [
      "code section not a multiple of 8 bytes",
      () => {
        const i = base(R0_0);
        i.sections[1] = exec("xdp", new Uint8Array(12));
        i.symbols = i.symbols.filter((s) => s.name !== "prog");
        return i;
      },
      /multiple of 8/,
    ],
    [
      "undefined LOCAL symbol",
      () => {
        const i = base(R0_0);
        i.symbols.push({ name: "u", value: 0, size: 0, type: STT_NOTYPE, bind: STB_LOCAL });
        return i;
      },
      /GLOBAL or WEAK/,
    ],
    [
      "extern that is not STT_NOTYPE",
      () => {
        const i = base(R0_0);
        i.symbols.push({ name: "u", value: 0, size: 0, type: STT_FUNC, bind: STB_GLOBAL });
        return i;
      },
      /STT_NOTYPE/,
    ],
    [
      "NOBITS with contents",
      () => {
        const i = base(R0_0);
        i.sections[3] = { ...bss(4), data: new Uint8Array([1, 0, 0, 0]) };
        return i;
      },
      /non-zero data/,
    ],
    [
      "non power-of-two alignment",
      () => {
        const i = base(R0_0);
        i.sections[2] = { ...dataSec(".data", 8), align: 3 };
        return i;
      },
      /power of two/,
    ],
    [
      "STT_SECTION symbol with a value",
      () => {
        const i = base(R0_0);
        i.symbols.push({ name: "", section: ".data", value: 4, size: 0, type: STT_SECTION, bind: STB_LOCAL });
        return i;
      },
      /STT_SECTION symbols must be/,
    ],
  ];
  it.each(cases)("%s", (_what, make, message) => {
    expect(() => writeElf(make())).toThrow(message);
  });
});

describe("string table", () => {
  it("tail-merges suffixes and is independent of insertion order", () => {
    const a = buildStringTable([".text", ".rel.text", "xdp", ".relxdp", "", "gsub", "sub"]);
    const b = buildStringTable(["sub", ".relxdp", "gsub", ".rel.text", "xdp", ".text"]);
    expect(b.bytes).toEqual(a.bytes);
    const str = (t: typeof a, s: string) => {
      const off = t.offsets.get(s)!;
      return new TextDecoder().decode(t.bytes.subarray(off, t.bytes.indexOf(0, off)));
    };
    for (const s of [".text", ".rel.text", "xdp", ".relxdp", "gsub", "sub"]) expect(str(a, s)).toBe(s);
    expect(a.offsets.get(".text")).toBe(a.offsets.get(".rel.text")! + 4);
    expect(a.offsets.get("sub")).toBe(a.offsets.get("gsub")! + 1);
    expect(a.offsets.get("")).toBe(0);
    expect(a.bytes[0]).toBe(0);
    expect(a.bytes.length).toBe(1 + ".rel.text\0".length + ".relxdp\0".length + "gsub\0".length);
  });
});

describe("readElf", () => {
  it("rejects non-ELF and truncated input", () => {
    expect(() => readElf(new Uint8Array(10))).toThrow(/too short/);
    expect(() => readElf(new Uint8Array(64))).toThrow(/magic/);
    const good = writeElf(base(R0_0));
    expect(() => readElf(good.subarray(0, good.length - 8))).toThrow(/out of bounds/);
  });

  it("reads from a Uint8Array view with a non-zero byteOffset", () => {
    const good = writeElf(withReloc(LD_IMM64, "gdata"));
    const padded = new Uint8Array(good.length + 3);
    padded.set(good, 3);
    const view = padded.subarray(3);
    expect(readElf(view)).toEqual(readElf(good));
  });
});
