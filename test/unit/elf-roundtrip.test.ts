/**
 * compiler/elf reader + writer round trip over a clang-19 BPF object:
 * readElf(clang.o) -> toElfInput -> writeElf must give an object that
 * llvm-readelf shows with equivalent sections, symbols and relocations, and
 * that bpftool (libbpf) still loads into the kernel and links.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SHT_LLVM_ADDRSIG, STT_SECTION } from "../../compiler/elf/constants.js";
import { readElf, toElfInput } from "../../compiler/elf/reader.js";
import { writeElf } from "../../compiler/elf/writer.js";

const inCI = !!process.env.CI;
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
function hasTool(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).status === 0;
}
const haveClang = hasTool("clang-19") && fs.existsSync("/usr/include/bpf/bpf_helpers.h");
const haveReadelf = hasTool("llvm-readelf-19");
const haveBpftool = hasTool("bpftool");

const SOURCE = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

int gbss;
int gdata = 5;
const volatile int grodata = 7;
static int sbss;

static __noinline int helper(int x) { return x * 2 + sbss; }
__noinline int ghelper(int x) { return x + 1; }
static int cb(__u32 idx, void *ctx) { return 0; }

SEC("tc")
int prog1(struct __sk_buff *skb) {
  __u32 k = 0;
  __u64 *v = bpf_map_lookup_elem(&counts, &k);
  if (v) *v += 1;
  gbss = helper(skb->len) + gdata + grodata;
  sbss++;
  bpf_loop(4, cb, 0, 0);
  return ghelper(gbss);
}

SEC("socket")
int prog2(void *ctx) { return helper(3); }

char _license[] SEC("license") = "GPL";
`;

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-elf-rt-"));
afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function compile(): string {
  const src = path.join(tmpDir, "prog.bpf.c");
  const out = path.join(tmpDir, "prog.bpf.o");
  fs.writeFileSync(src, SOURCE);
  const r = run("clang-19", ["-g", "-O2", "-mcpu=v4", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", "-c", src, "-o", out]);
  if (r.status !== 0) throw new Error(`clang failed: ${r.stderr}`);
  return out;
}

/** llvm-readelf's JSON view, normalised to be independent of section/symbol numbering and order. */
function readelfView(file: string) {
  const r = run("llvm-readelf-19", ["--elf-output-style=JSON", "-S", "-s", "-r", file]);
  expect(r.status).toBe(0);
  expect(r.stderr).toBe("");
  const parsed = JSON.parse(r.stdout)[0];
  const sections: any[] = parsed.Sections.map((x: any) => x.Section);
  const secName = (i: number) => sections[i]?.Name.Name ?? `#${i}`;
  const secs = sections
    .filter((s) => s.Type.Value !== SHT_LLVM_ADDRSIG)
    .map((s) => ({
      name: s.Name.Name,
      type: s.Type.Name,
      flags: s.Flags.Value,
      size: s.Size,
      link: s.Link ? secName(s.Link) : "",
      info: s.Type.Name === "SHT_REL" ? secName(s.Info) : s.Type.Name === "SHT_SYMTAB" ? "first-global" : s.Info,
      align: s.AddressAlignment,
      entsize: s.EntrySize,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const syms = parsed.Symbols.map((x: any) => x.Symbol)
    .map((s: any) =>
      [s.Name.Name, s.Value, s.Size, s.Binding.Name, s.Type.Name, s.Other.Value, s.Section.Name].join("|"),
    )
    .sort();
  const relocs = parsed.Relocations.flatMap((g: any) =>
    g.Relocs.map((x: any) =>
      [secName(g.SectionIndex), x.Relocation.Offset, x.Relocation.Type.Name, x.Relocation.Symbol.Name].join("|"),
    ),
  ).sort();
  return { secs, syms, relocs };
}

describe.skipIf(!inCI && !haveClang)("round trip of a clang-19 BPF object", () => {
  const clangObj = haveClang || inCI ? compile() : "";
  const clangBytes = clangObj ? new Uint8Array(fs.readFileSync(clangObj)) : new Uint8Array();
  const ours = clangObj ? writeElf(toElfInput(readElf(clangBytes))) : new Uint8Array();
  const oursFile = path.join(tmpDir, "roundtrip.o");
  if (clangObj) fs.writeFileSync(oursFile, ours);

  it("readElf sees what clang wrote", () => {
    const obj = readElf(clangBytes);
    expect(obj.machine).toBe(247);
    const names = obj.sections.map((s) => s.name);
    for (const n of [".text", "tc", ".reltc", "socket", ".data", ".rodata", ".bss", ".maps", "license", ".BTF", ".BTF.ext", ".symtab", ".strtab"])
      expect(names).toContain(n);
    const prog1 = obj.symbols.find((s) => s.name === "prog1")!;
    expect(prog1.section).toBe("tc");
    expect(prog1.size).toBe(obj.sections.find((s) => s.name === "tc")!.size);
    // static call: relocation against the .text section symbol
    const call = obj.relocations.find((r) => r.section === "socket")!;
    expect(call).toMatchObject({ symbol: ".text", sectionSymbol: true, type: 10 });
    expect(obj.symbols.find((s) => s.index === call.symbolIndex)!.type).toBe(STT_SECTION);
  });

  it("section contents, symbols and relocations survive readElf -> writeElf -> readElf", () => {
    const a = readElf(clangBytes);
    const b = readElf(ours);
    const keep = (s: { type: number; name: string }) => s.type !== SHT_LLVM_ADDRSIG;
    const contents = (o: typeof a) =>
      Object.fromEntries(o.sections.filter(keep).filter((s) => s.type === 1).map((s) => [s.name, Buffer.from(s.data).toString("hex")]));
    expect(contents(b)).toEqual(contents(a));
    const syms = (o: typeof a) =>
      o.symbols.map((s) => [s.name, s.section, s.shndx >= 0xff00 ? s.shndx : 0, s.value, s.size, s.type, s.bind, s.visibility].join("|")).sort();
    expect(syms(b)).toEqual(syms(a));
    const rels = (o: typeof a) => o.relocations.map((r) => [r.section, r.offset, r.symbol, r.sectionSymbol, r.type].join("|")).sort();
    expect(rels(b)).toEqual(rels(a));
    // and a second trip is byte-identical (the writer is a fixed point)
    expect(writeElf(toElfInput(b))).toEqual(ours);
  });

  it.skipIf(!inCI && !haveReadelf)("llvm-readelf shows equivalent sections, symbols and relocations", () => {
    const want = readelfView(clangObj);
    const got = readelfView(oursFile);
    // .strtab differs in size (clang's names .llvm_addrsig; string order differs)
    const noStrtab = (s: { name: string }[]) => s.filter((x) => x.name !== ".strtab");
    expect(noStrtab(got.secs)).toEqual(noStrtab(want.secs));
    expect(got.syms).toEqual(want.syms);
    expect(got.relocs).toEqual(want.relocs);
    const text = run("llvm-readelf-19", ["-S", "-s", "-r", "--wide", oursFile]);
    expect(text.status).toBe(0);
    expect(text.stderr).toBe("");
  });

  it.skipIf(!inCI && (!isRoot || !haveBpftool))("bpftool loads and links the rewritten object", () => {
    const mounts = fs.readFileSync("/proc/mounts", "utf8");
    if (!/^\S+ \/sys\/fs\/bpf bpf /m.test(mounts)) {
      const m = run("mount", ["-t", "bpf", "bpf", "/sys/fs/bpf"]);
      expect(m.status, m.stderr).toBe(0);
    }
    const pinDir = `/sys/fs/bpf/tsbpf_elf_rt_${process.pid}_${Date.now()}`;
    try {
      const r = run("bpftool", ["prog", "loadall", oursFile, pinDir]);
      expect(r.stderr + r.stdout).toBe("");
      expect(r.status).toBe(0);
      expect(fs.readdirSync(pinDir).sort()).toEqual(["prog1", "prog2"]);
    } finally {
      fs.rmSync(pinDir, { recursive: true, force: true });
    }
    // the BPF static linker (bpftool gen object) has the strictest ELF sanity checks
    const linked = path.join(tmpDir, "linked.o");
    const l = run("bpftool", ["gen", "object", linked, oursFile]);
    expect(l.stderr + l.stdout).toBe("");
    expect(l.status).toBe(0);
  });
});
