/**
 * compiler/elf writer: a hand-built BPF object checked by our reader, by
 * llvm-readelf / llvm-objdump, by bpftool (kernel load) and by libbpf itself
 * (libbpf.so.1 through the loader's koffi binding: open, load, test-run, read
 * back .bss).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  R_BPF_64_32,
  R_BPF_64_64,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_INFO_LINK,
  SHF_WRITE,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_REL,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_GLOBAL,
  STB_LOCAL,
  STT_FUNC,
  STT_OBJECT,
  STT_SECTION,
} from "../../compiler/elf/constants.js";
import { readElf } from "../../compiler/elf/reader.js";
import { writeElf, type ElfInput } from "../../compiler/elf/writer.js";

const inCI = !!process.env.CI;
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
function hasTool(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).status === 0;
}
const haveReadelf = hasTool("llvm-readelf-19");
const haveObjdump = hasTool("llvm-objdump-19");
const haveBpftool = hasTool("bpftool");
const libbpfPath = ["/usr/lib/x86_64-linux-gnu/libbpf.so.1", "/usr/lib64/libbpf.so.1", "/usr/lib/libbpf.so.1"].find((p) =>
  fs.existsSync(p),
);

const hex = (s: string): number[] => s.trim().split(/\s+/).map((b) => parseInt(b, 16));
const insns = (...lines: string[]): Uint8Array => new Uint8Array(lines.flatMap(hex));

/**
 * socket "prog":                       .text:
 *   0: call sub_store (static, via      0: sub0:      r0 = 1; exit
 *      R_BPF_64_32 against .text)       16: sub_store: r1 = gbss ll (R_BPF_64_64 gbss)
 *   1: call gsub (global, R_BPF_64_32               *(u32 *)(r1 + 0) = 42
 *      against gsub, imm -1)                         r1 = .bss+4 ll (R_BPF_64_64 .bss section symbol, imm 4)
 *   2: exit            (returns 7)                   *(u32 *)(r1 + 0) = 43
 *                                                    r0 = 0; exit
 *                                       80: gsub:   r0 = 7; exit
 */
function handObject(): ElfInput {
  const text = insns(
    "b7 00 00 00 01 00 00 00", // sub0: r0 = 1
    "95 00 00 00 00 00 00 00", //       exit
    "18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00", // sub_store: r1 = gbss ll
    "62 01 00 00 2a 00 00 00", // *(u32 *)(r1 + 0) = 42
    "18 01 00 00 04 00 00 00 00 00 00 00 00 00 00 00", // r1 = .bss + 4 ll
    "62 01 00 00 2b 00 00 00", // *(u32 *)(r1 + 0) = 43
    "b7 00 00 00 00 00 00 00", // r0 = 0
    "95 00 00 00 00 00 00 00", // exit
    "b7 00 00 00 07 00 00 00", // gsub: r0 = 7
    "95 00 00 00 00 00 00 00", //       exit
  );
  const socket = insns(
    "85 10 00 00 01 00 00 00", // call sub_store: st_value(.text)=0, 0/8 + 1 + 1 = insn 2 = byte 16
    "85 10 00 00 ff ff ff ff", // call gsub: 80/8 - 1 + 1 = insn 10
    "95 00 00 00 00 00 00 00", // exit
  );
  return {
    sections: [
      { name: ".text", type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: text, align: 8 },
      { name: "socket", type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: socket, align: 8 },
      { name: ".bss", type: SHT_NOBITS, flags: SHF_ALLOC | SHF_WRITE, data: new Uint8Array(0), size: 8, align: 4 },
      { name: "license", type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_WRITE, data: new TextEncoder().encode("GPL\0"), align: 1 },
    ],
    symbols: [
      { name: "prog", section: "socket", value: 0, size: socket.length, type: STT_FUNC, bind: STB_GLOBAL },
      { name: "sub0", section: ".text", value: 0, size: 16, type: STT_FUNC, bind: STB_LOCAL },
      { name: "sub_store", section: ".text", value: 16, size: 64, type: STT_FUNC, bind: STB_LOCAL },
      { name: "gsub", section: ".text", value: 80, size: 16, type: STT_FUNC, bind: STB_GLOBAL },
      { name: "gbss", section: ".bss", value: 0, size: 4, type: STT_OBJECT, bind: STB_GLOBAL },
      { name: "counter", section: ".bss", value: 4, size: 4, type: STT_OBJECT, bind: STB_LOCAL },
      { name: "_license", section: "license", value: 0, size: 4, type: STT_OBJECT, bind: STB_GLOBAL },
    ],
    // deliberately unsorted: the writer sorts by offset within each section
    relocations: [
      { section: "socket", offset: 8, symbol: "gsub", type: R_BPF_64_32 },
      { section: ".text", offset: 40, symbol: { section: ".bss" }, type: R_BPF_64_64 },
      { section: "socket", offset: 0, symbol: { section: ".text" }, type: R_BPF_64_32 },
      { section: ".text", offset: 16, symbol: "gbss", type: R_BPF_64_64 },
    ],
  };
}

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-elf-"));
afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }));
function writeTmp(name: string, bytes: Uint8Array): string {
  const p = path.join(tmpDir, name);
  fs.writeFileSync(p, bytes);
  return p;
}
function run(cmd: string, args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe("writeElf: layout (checked with readElf)", () => {
  const bytes = writeElf(handObject());
  const obj = readElf(bytes);

  it("writes an ELF64 LE ET_REL EM_BPF header like clang", () => {
    expect([...bytes.subarray(0, 16)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(obj.type).toBe(1);
    expect(obj.machine).toBe(247);
    expect(obj.flags).toBe(0);
  });

  it("orders sections: inputs, each followed by .rel<name>, then .symtab and .strtab", () => {
    expect(obj.sections.map((s) => s.name)).toEqual([
      ".text",
      ".rel.text",
      "socket",
      ".relsocket",
      ".bss",
      "license",
      ".symtab",
      ".strtab",
    ]);
    const byName = new Map(obj.sections.map((s) => [s.name, s]));
    const symtab = byName.get(".symtab")!;
    const strtab = byName.get(".strtab")!;
    expect(symtab.type).toBe(SHT_SYMTAB);
    expect(symtab.entsize).toBe(24);
    expect(symtab.align).toBe(8);
    expect(symtab.link).toBe(strtab.index);
    expect(strtab.type).toBe(SHT_STRTAB);
    // e_shstrndx is the same .strtab
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint16(62, true)).toBe(strtab.index);
    for (const [rel, target] of [
      [".rel.text", ".text"],
      [".relsocket", "socket"],
    ] as const) {
      const r = byName.get(rel)!;
      expect(r.type).toBe(SHT_REL);
      expect(r.flags).toBe(SHF_INFO_LINK);
      expect(r.entsize).toBe(16);
      expect(r.align).toBe(8);
      expect(r.link).toBe(symtab.index);
      expect(r.info).toBe(byName.get(target)!.index);
    }
    const bss = byName.get(".bss")!;
    expect(bss.type).toBe(SHT_NOBITS);
    expect(bss.size).toBe(8);
    expect(bss.data.length).toBe(0);
    for (const s of obj.sections) if (s.align > 1) expect(s.offset % s.align).toBe(0);
  });

  it("orders symbols: section symbols, locals, then globals; sh_info = first global", () => {
    const summary = obj.symbols.map((s) => [s.name, s.section, s.type, s.bind]);
    expect(summary).toEqual([
      ["", ".text", STT_SECTION, STB_LOCAL],
      ["", "socket", STT_SECTION, STB_LOCAL],
      ["", ".bss", STT_SECTION, STB_LOCAL],
      ["sub0", ".text", STT_FUNC, STB_LOCAL],
      ["sub_store", ".text", STT_FUNC, STB_LOCAL],
      ["counter", ".bss", STT_OBJECT, STB_LOCAL],
      ["prog", "socket", STT_FUNC, STB_GLOBAL],
      ["gsub", ".text", STT_FUNC, STB_GLOBAL],
      ["gbss", ".bss", STT_OBJECT, STB_GLOBAL],
      ["_license", "license", STT_OBJECT, STB_GLOBAL],
    ]);
    const symtab = obj.sections.find((s) => s.name === ".symtab")!;
    expect(symtab.info).toBe(obj.symbols.find((s) => s.name === "prog")!.index);
    expect(obj.symbols.find((s) => s.name === "prog")!.size).toBe(24);
  });

  it("sorts relocations by offset and resolves section symbols", () => {
    expect(obj.relocations.map((r) => [r.section, r.offset, r.symbol, r.sectionSymbol, r.type])).toEqual([
      [".text", 16, "gbss", false, R_BPF_64_64],
      [".text", 40, ".bss", true, R_BPF_64_64],
      ["socket", 0, ".text", true, R_BPF_64_32],
      ["socket", 8, "gsub", false, R_BPF_64_32],
    ]);
  });

  it("is deterministic", () => {
    expect(writeElf(handObject())).toEqual(bytes);
  });
});

describe.skipIf(!inCI && !haveReadelf)("llvm-readelf-19 / llvm-objdump-19 oracles", () => {
  const file = writeTmp("hand.o", writeElf(handObject()));

  it("llvm-readelf parses it cleanly and shows what we wrote", () => {
    const text = run("llvm-readelf-19", ["-h", "-S", "-s", "-r", "--wide", file]);
    expect(text.status).toBe(0);
    expect(text.stderr).toBe("");
    expect(text.stdout).not.toMatch(/warning/i);
    expect(text.stdout).toMatch(/Machine:\s+EM_BPF/);
    expect(text.stdout).toMatch(/Type:\s+REL \(Relocatable file\)/);

    const json = run("llvm-readelf-19", ["--elf-output-style=JSON", "-S", "-s", "-r", file]);
    expect(json.status).toBe(0);
    expect(json.stderr).toBe("");
    const parsed = JSON.parse(json.stdout)[0];
    const sections = parsed.Sections.map((x: any) => x.Section);
    expect(sections.map((s: any) => [s.Name.Name, s.Type.Name, s.Size, s.Link, s.Info, s.AddressAlignment, s.EntrySize])).toEqual([
      ["", "SHT_NULL", 0, 0, 0, 0, 0],
      [".text", "SHT_PROGBITS", 96, 0, 0, 8, 0],
      [".rel.text", "SHT_REL", 32, 7, 1, 8, 16],
      ["socket", "SHT_PROGBITS", 24, 0, 0, 8, 0],
      [".relsocket", "SHT_REL", 32, 7, 3, 8, 16],
      [".bss", "SHT_NOBITS", 8, 0, 0, 4, 0],
      ["license", "SHT_PROGBITS", 4, 0, 0, 1, 0],
      [".symtab", "SHT_SYMTAB", 11 * 24, 8, 7, 8, 24],
      [".strtab", "SHT_STRTAB", expect.any(Number), 0, 0, 1, 0],
    ]);
    const symbols = parsed.Symbols.map((x: any) => x.Symbol);
    expect(symbols.map((s: any) => [s.Name.Name, s.Value, s.Size, s.Binding.Name, s.Type.Name, s.Section.Name])).toEqual([
      ["", 0, 0, "Local", "None", "Undefined"],
      [".text", 0, 0, "Local", "Section", ".text"],
      ["socket", 0, 0, "Local", "Section", "socket"],
      [".bss", 0, 0, "Local", "Section", ".bss"],
      ["sub0", 0, 16, "Local", "Function", ".text"],
      ["sub_store", 16, 64, "Local", "Function", ".text"],
      ["counter", 4, 4, "Local", "Object", ".bss"],
      ["prog", 0, 24, "Global", "Function", "socket"],
      ["gsub", 80, 16, "Global", "Function", ".text"],
      ["gbss", 0, 4, "Global", "Object", ".bss"],
      ["_license", 0, 4, "Global", "Object", "license"],
    ]);
    const relocs = parsed.Relocations.flatMap((g: any) =>
      g.Relocs.map((x: any) => [g.SectionIndex, x.Relocation.Offset, x.Relocation.Type.Name, x.Relocation.Symbol.Name]),
    );
    expect(relocs).toEqual([
      [2, 16, "R_BPF_64_64", "gbss"],
      [2, 40, "R_BPF_64_64", ".bss"],
      [4, 0, "R_BPF_64_32", ".text"],
      [4, 8, "R_BPF_64_32", "gsub"],
    ]);
  });

  it.skipIf(!inCI && !haveObjdump)("llvm-objdump disassembles it with relocations", () => {
    const r = run("llvm-objdump-19", ["-d", "-r", "--no-show-raw-insn", file]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const out = r.stdout.replace(/[ \t]+/g, " ");
    expect(out).toContain("<prog>:");
    expect(out).toContain("<sub_store>:");
    expect(out).toContain("<gsub>:");
    expect(out).toMatch(/r1 = 0x0 ll\n\s*\S+: R_BPF_64_64 gbss/);
    expect(out).toMatch(/r1 = 0x4 ll\n\s*\S+: R_BPF_64_64 \.bss/);
    expect(out).toMatch(/call 0x1\n\s*\S+: R_BPF_64_32 \.text/);
    expect(out).toMatch(/call -0x1\n\s*\S+: R_BPF_64_32 gsub/);
    expect(out).toContain("*(u32 *)(r1 + 0x0) = 0x2a");
  });
});

const kernelSkip = !inCI && (!isRoot || !haveBpftool);

function ensureBpffs(): void {
  const mounts = fs.readFileSync("/proc/mounts", "utf8");
  if (!/^\S+ \/sys\/fs\/bpf bpf /m.test(mounts)) {
    const r = run("mount", ["-t", "bpf", "bpf", "/sys/fs/bpf"]);
    if (r.status !== 0) throw new Error(`mount bpffs failed: ${r.stderr}`);
  }
}

describe.skipIf(kernelSkip)("kernel: bpftool / libbpf load our object", () => {
  const file = writeTmp("load.o", writeElf(handObject()));

  it("bpftool prog loadall loads it (pins cleaned up afterwards)", () => {
    ensureBpffs();
    const pinDir = `/sys/fs/bpf/tsbpf_elf_${process.pid}_${Date.now()}`;
    try {
      const r = run("bpftool", ["prog", "loadall", file, pinDir]);
      expect(r.stderr + r.stdout).toBe("");
      expect(r.status).toBe(0);
      expect(fs.readdirSync(pinDir)).toEqual(["prog"]);
      const show = run("bpftool", ["-j", "prog", "show", "pinned", path.join(pinDir, "prog")]);
      expect(show.status).toBe(0);
      const info = JSON.parse(show.stdout);
      expect(info.type).toBe("socket_filter");
      expect(info.name).toBe("prog");
      expect(info.map_ids?.length).toBe(1); // the .bss internal map
    } finally {
      fs.rmSync(pinDir, { recursive: true, force: true });
    }
  });

  it.skipIf(!inCI && !libbpfPath)("libbpf opens, loads and test-runs it; .bss holds the stored values", async () => {
    const { koffi, libbpf } = await import("../../loader/libbpf.js");
    const l = libbpf();
    expect(koffi.sizeof(l.TestRunOpts)).toBe(80);

    const obj = l.bpf_object__open_file(file, null);
    expect(obj).not.toBeNull();
    try {
      expect(l.bpf_object__load(obj)).toBe(0);
      const prog = l.bpf_object__find_program_by_name(obj, "prog");
      expect(prog).not.toBeNull();
      // .text functions were recognised as subprograms (libbpf hides those from lookups)
      expect(l.bpf_object__find_program_by_name(obj, "sub_store")).toBeNull();
      expect(l.bpf_object__find_program_by_name(obj, "gsub")).toBeNull();
      const fd = l.bpf_program__fd(prog);
      expect(fd).toBeGreaterThanOrEqual(0);

      const packet = Buffer.alloc(64);
      packet.writeUInt16BE(0x0800, 12); // ethertype IPv4
      const opts = {
        sz: 80,
        data_in: packet,
        data_out: null,
        data_size_in: packet.length,
        data_size_out: 0,
        ctx_in: null,
        ctx_out: null,
        ctx_size_in: 0,
        ctx_size_out: 0,
        retval: 0,
        repeat: 1,
        duration: 0,
        flags: 0,
        cpu: 0,
        batch_size: 0,
      };
      expect(l.bpf_prog_test_run_opts(fd, opts)).toBe(0);
      expect(opts.retval).toBe(7);

      const bss = l.bpf_object__find_map_by_name(obj, ".bss");
      expect(bss).not.toBeNull();
      const key = Buffer.alloc(4);
      const value = Buffer.alloc(8);
      expect(l.bpf_map_lookup_elem(l.bpf_map__fd(bss), key, value)).toBe(0);
      expect(value.readUInt32LE(0)).toBe(42); // gbss, via its GLOBAL OBJECT symbol
      expect(value.readUInt32LE(4)).toBe(43); // counter, via the .bss section symbol + imm 4
    } finally {
      l.bpf_object__close(obj);
    }
  });
});
