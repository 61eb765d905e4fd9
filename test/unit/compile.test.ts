import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { readElf } from "../../compiler/elf/reader.js";
import { SEED, tmpProject } from "../support/tmp.js";

const haveTool = (t: string) => {
  try {
    execFileSync("which", [t], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const needTools = !process.env.CI && !(haveTool("bpftool") && haveTool("llvm-objdump-19"));

describe("compiling the seed program", () => {
  const result = compile(SEED);

  it("compiles without diagnostics", () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.object).toBeInstanceOf(Uint8Array);
  });

  it("is deterministic: two builds are byte-identical", () => {
    const again = compile(SEED);
    expect(Buffer.from(again.object!).equals(Buffer.from(result.object!))).toBe(true);
  });

  it("lays out sections and symbols as clang does", () => {
    const elf = readElf(result.object!);
    const names = elf.sections.map((s) => s.name);
    for (const s of [".text", "tc", "syscall", "license", ".maps", ".bss", ".BTF", ".BTF.ext"]) expect(names).toContain(s);
    const sym = (n: string) => elf.symbols.find((s) => s.name === n);
    for (const p of ["test_call_array_sleepable", "test_syscall_array_sleepable", "test_call_hash_sleepable",
      "test_call_hash_malloc_sleepable", "test_call_lru_sleepable"]) {
      expect(sym(p)).toMatchObject({ section: p.includes("syscall") ? "syscall" : "tc" });
    }
    for (const m of ["hmap", "hmap_malloc", "array", "lru"]) expect(sym(m)?.section).toBe(".maps");
    expect(sym("ok")).toMatchObject({ section: ".bss", size: 4 });
    expect(sym("ok_sleepable")).toMatchObject({ section: ".bss", size: 4 });
    for (const k of ["bpf_wq_init", "bpf_wq_set_callback_impl", "bpf_wq_start"]) expect(sym(k)?.section).toBeUndefined();
    // Callbacks are static subprograms in .text, referenced through the .text section symbol.
    expect(sym("wq_callback")).toMatchObject({ section: ".text" });
    const relocs = elf.relocations.filter((r) => r.section === "tc");
    expect(relocs.some((r) => r.symbol === ".text")).toBe(true);
    expect(relocs.filter((r) => r.symbol === "bpf_wq_start")).toHaveLength(4);
  });

  it.skipIf(needTools)("has BTF that bpftool reads, with TypeScript's names", () => {
    const dir = tmpProject({});
    const obj = path.join(dir, "wq.bpf.o");
    fs.writeFileSync(obj, result.object!);
    const dump = execFileSync("bpftool", ["btf", "dump", "file", obj], { encoding: "utf8" });
    expect(dump).toMatch(/STRUCT 'bpf_wq' size=16 vlen=1\n\t'__opaque'/);
    expect(dump).toMatch(/STRUCT 'Elem' size=16 vlen=1\n\t'w'/);
    expect(dump).toMatch(/STRUCT 'HmapElem' size=48 vlen=4\n\t'counter' type_id=\d+ bits_offset=0\n\t'timer' type_id=\d+ bits_offset=64\n\t'lock' type_id=\d+ bits_offset=192\n\t'work' type_id=\d+ bits_offset=256/);
    for (const v of ["hmap", "hmap_malloc", "array", "lru", "ok", "ok_sleepable", "_license"]) expect(dump).toContain(`VAR '${v}'`);
    expect(dump).toMatch(/FUNC 'bpf_wq_set_callback_impl' type_id=\d+ linkage=extern/);
    expect(dump).toMatch(/DATASEC '\.ksyms'/);
    // llvm-objdump disassembles every code section.
    const dis = execFileSync("llvm-objdump-19", ["-d", "--mcpu=v4", obj], { encoding: "utf8" });
    for (const s of [".text", "tc", "syscall"]) expect(dis).toContain(`Disassembly of section ${s}:`);
    expect(dis).not.toContain("<unknown>");
  });

  it("names the source file relative to the project in line_info", () => {
    const mod = result.module!;
    expect(mod.file).toBe("examples/wq/wq.ts");
    const lines = [...result.code!.values()].flatMap((f) => f.lines);
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) expect(path.isAbsolute(l.loc.file)).toBe(false);
  });

  it("builds the same file copied anywhere on disk", () => {
    const dir = tmpProject({ "prog.ts": fs.readFileSync(SEED, "utf8") });
    const r = compile(path.join(dir, "prog.ts"));
    expect(r.diagnostics).toEqual([]);
    expect(r.module!.file).toBe("prog.ts");
  });
});

describe("the tsbpf module's declarations", () => {
  it("type-check on their own, strict and without a JavaScript lib", async () => {
    const { typecheckFiles } = await import("../../compiler/vmlinux/check.js");
    const { RUNTIME_TYPES_DIR } = await import("../../compiler/frontend/project.js");
    const fs = await import("node:fs");
    const files = fs.readdirSync(RUNTIME_TYPES_DIR).filter((f) => f.endsWith(".d.ts")).map((f) => `${RUNTIME_TYPES_DIR}/${f}`);
    expect(files.length).toBeGreaterThan(2);
    expect(typecheckFiles(files)).toEqual([]);
  });
});
