// `tsbpf objdump` / `build --emit asm` against llvm-objdump-19: byte for byte on
// tsbpf's objects (headers, symbols, disassembly, relocations, BTF source
// lines), and on clang's apart from the source lines (llvm-objdump takes those
// from DWARF there, tsbpf from .BTF.ext).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { objdump } from "../../compiler/tools/objdump.js";
import { compileC } from "../kernel/clang.js";
import { describeWith } from "../kernel/helpers.js";
import { REPO, tmpProject } from "../support/tmp.js";
import { tsbpf } from "./support.js";

const LLVM_OBJDUMP = process.env.TSBPF_LLVM_OBJDUMP ?? "llvm-objdump-19";
const FLAGS = ["-h", "-t", "-d", "-r", "-S", "--no-show-raw-insn", "--mcpu=v4"];

function llvmObjdump(file: string, extra: string[] = []): string {
  const r = spawnSync(LLVM_OBJDUMP, [...FLAGS, ...extra, path.basename(file)], { cwd: path.dirname(file), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${LLVM_OBJDUMP} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

function tsSources(): string[] {
  const dirs = ["examples/wq", "test/kernel/pairs", "test/kernel/fixtures", "test/tools/fixtures", ...fs.readdirSync(path.join(REPO, "templates")).map((t) => `templates/${t}/src`)];
  return dirs.flatMap((d) => {
    const abs = path.join(REPO, d);
    return fs.existsSync(abs) ? fs.readdirSync(abs).filter((f) => f.endsWith(".ts")).map((f) => path.join(abs, f)) : [];
  });
}

function cSources(): string[] {
  return [
    ...fs.readdirSync(path.join(REPO, "test/kernel/pairs")).filter((f) => f.endsWith(".c")).map((f) => path.join(REPO, "test/kernel/pairs", f)),
    path.join(REPO, "test/kernel/fixtures/wq.c"),
    path.join(REPO, "test/tools/fixtures/unchecked-null.c"),
  ];
}

describeWith({ clang: true }, "tsbpf objdump is llvm-objdump", () => {
  it("prints tsbpf's objects exactly as llvm-objdump -h -t -d -r -S [-l] does", () => {
    const dir = tmpProject({});
    let compared = 0;
    for (const src of tsSources()) {
      const r = compile(src);
      if (!r.object) continue; // programs other tests cover; not every fixture need compile here
      const obj = path.join(dir, path.basename(src).replace(/\.ts$/, ".bpf.o"));
      fs.writeFileSync(obj, r.object);
      const name = path.basename(obj);
      expect(objdump(r.object, { fileName: name, headers: true, symbols: true }), src).toBe(llvmObjdump(obj));
      expect(objdump(r.object, { fileName: name, headers: true, symbols: true, lineNumbers: true }), src).toBe(llvmObjdump(obj, ["-l"]));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(8);
  });

  it("prints clang's objects as llvm-objdump does, source lines aside", () => {
    for (const src of cSources()) {
      let obj: string;
      try {
        obj = compileC(src);
      } catch {
        continue; // a fixture that needs headers this machine lacks
      }
      const bytes = fs.readFileSync(obj);
      const strip = (s: string) => s.split("\n").filter((l) => !l.startsWith(";")).join("\n");
      expect(strip(objdump(bytes, { fileName: path.basename(obj), headers: true, symbols: true })), src).toBe(strip(llvmObjdump(obj)));
    }
  });

  it("`tsbpf objdump` on a clang object shows its BTF line_info as source lines", () => {
    const obj = compileC(path.join(REPO, "test/tools/fixtures/unchecked-null.c"));
    const r = tsbpf(["objdump", "-d", obj]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("; \t*v += 1; /* no null check */\n       6:\tr1 = *(u64 *)(r0 + 0x0)\n");
  });

  it("`tsbpf build --emit asm` writes the listing next to the object, with file:line and source", () => {
    const dir = tmpProject({ "prog.ts": fs.readFileSync(path.join(REPO, "examples/wq/wq.ts"), "utf8") });
    const r = tsbpf(["build", "prog.ts", "--emit", "asm"], dir);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(["prog.bpf.o", "prog.bpf.s", "prog.ts"]);
    const s = fs.readFileSync(path.join(dir, "prog.bpf.s"), "utf8");
    expect(s).toBe(llvmObjdump(path.join(dir, "prog.bpf.o"), ["-l"]).replace(/\nSections:\n[\s\S]*?\nDisassembly/, "\nDisassembly"));
    expect(s).toContain("; prog.ts:34\n;   if (val === null) return -2;\n");
  });

  it("reads objects, and .ts entries compiled on the fly; errors exit 1", () => {
    const dir = tmpProject({ "prog.ts": fs.readFileSync(path.join(REPO, "examples/wq/wq.ts"), "utf8") });
    const fromTs = tsbpf(["objdump", "prog.ts"], dir);
    expect(fromTs.status).toBe(0);
    expect(fromTs.stdout).toMatch(/^\nprog\.ts:\tfile format elf64-bpf\n\nSections:\n/);
    expect(fromTs.stdout).toContain("Disassembly of section syscall:");
    const only = tsbpf(["objdump", "-d", "-j", "syscall", "--no-source", "prog.ts"], dir);
    expect(only.stdout).not.toContain("Disassembly of section tc:");
    expect(only.stdout).not.toContain(";");
    expect(tsbpf(["objdump", "nope.o"], dir).status).toBe(1);
    fs.writeFileSync(path.join(dir, "junk.o"), "not an object");
    const junk = tsbpf(["objdump", "junk.o"], dir);
    expect(junk.status).toBe(1);
    expect(junk.stderr).toMatch(/junk\.o: readElf: /);
  });
});
