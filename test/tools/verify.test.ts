// `tsbpf verify`: verifier rejections reported at the TypeScript (or C) line
// of the failing instruction, with a hint; the log parser, the hints and the
// replay of libbpf's program layout on their own.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { readElf } from "../../compiler/elf/reader.js";
import { readObjectBtf } from "../../compiler/tools/lineinfo.js";
import { HINTS, locateInsn, parseLoadLog, programLayout, verifierHint } from "../../compiler/tools/verifier.js";
import { compileC } from "../kernel/clang.js";
import { describeKernel } from "../kernel/helpers.js";
import { SEED, tmpProject } from "../support/tmp.js";
import { tsbpf } from "./support.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const fixture = (name: string) => path.join(FIXTURES, name);

describe("the verifier log", () => {
  const log = fs.readFileSync(fixture("unchecked-null.log"), "utf8");

  it("gives the program, the complaint, the failing instruction and the kernel's source line", () => {
    const f = parseLoadLog(`libbpf: prog 'count': BPF program load failed: Permission denied\n${log}`)!;
    expect(f.program).toBe("count");
    expect(f.message).toBe("R0 invalid mem access 'map_value_or_null'");
    expect(f.insn).toBe(6);
    expect(f.insnText).toBe("6: (79) r1 = *(u64 *)(r0 +0)");
    expect(f.kernelLine).toEqual({ text: "*v += 1; /* no null check */", file: "null.c", line: 17 });
    expect(f.libbpfMessage).toBe("BPF program load failed: Permission denied");
  });

  it("takes the instruction an error names", () => {
    const f = parseLoadLog(
      "libbpf: prog 'p': -- BEGIN PROG LOAD LOG --\n0: R1=ctx() R10=fp0\n; x @ a.ts:3\n0: (b7) r0 = 0\n; y @ a.ts:4\n1: (05) goto pc-2\ninfinite loop detected at insn 0\n-- END PROG LOAD LOG --\n",
    )!;
    expect(f.message).toBe("infinite loop detected at insn 0");
    expect(f.insn).toBe(0);
    expect(f.kernelLine).toEqual({ text: "x", file: "a.ts", line: 3 });
  });

  it("is undefined for failures that are not the verifier's", () => {
    expect(parseLoadLog("libbpf: map 'm': failed to create: Invalid argument(-22)\n")).toBeUndefined();
  });

  it("hints in TypeScript terms for the common failures", () => {
    const cases: [string, RegExp][] = [
      ["R1 invalid mem access 'map_value_or_null'", /`if \(x === null\) return/],
      ["R0 invalid mem access 'ptr_or_null_'", /null/],
      ["invalid access to packet, off=14 size=2, R2(id=0,off=14,r=0)", /ctx\.header<T>\(offset\)/],
      ["The sequence of 8193 jumps is too complex.", /loop ends/],
      ["back-edge from insn 13 to 10", /loop ends/],
      ["infinite loop detected at insn 12", /loop ends/],
      ["BPF program is too large. Processed 1000001 insn", /too many paths/],
      ["Unreleased reference id=2 alloc_insn=5", /submit\(record\)/],
      ["invalid read from stack R2 off -8+0 size 8", /zeroed<T>\(\)/],
    ];
    for (const [msg, hint] of cases) expect(verifierHint(msg), msg).toMatch(hint);
    expect(verifierHint("something else entirely")).toBeUndefined();
    expect(HINTS.length).toBeGreaterThanOrEqual(4);
  });
});

describe("libbpf's layout of a loaded program", () => {
  it("appends the subprograms a program uses, depth-first in order of first use", () => {
    const r = compile(fixture("loop-in-subprogram.ts"));
    expect(r.diagnostics).toEqual([]);
    const elf = readElf(r.object!);
    const size = (name: string) => elf.symbols.find((s) => s.name === name)!.size / 8;
    const layout = programLayout(elf, "bad")!;
    // bad's own instructions, then step (bpf_loop's callback, referenced first), helper, count.
    const starts: Record<string, number> = {};
    for (let i = 0; layout(i); i++) starts[layout(i)!.func] ??= i;
    expect(starts).toEqual({ bad: 0, step: size("bad"), helper: size("bad") + size("step"), count: size("bad") + size("step") + size("helper") });
    // fine uses step and helper only.
    const fine = programLayout(elf, "fine")!;
    const funcs = new Set<string>();
    for (let i = 0; fine(i); i++) funcs.add(fine(i)!.func);
    expect([...funcs]).toEqual(["fine", "step", "helper"]);
  });

  it("maps an instruction of a callback to its TypeScript line", () => {
    const r = compile(SEED);
    const elf = readElf(r.object!);
    const main = elf.symbols.find((s) => s.name === "test_call_array_sleepable")!.size / 8;
    const loc = locateInsn(elf, readObjectBtf(elf).lines, "test_call_array_sleepable", main)!;
    expect(loc.func).toBe("wq_cb_sleepable");
    expect(loc.line?.text.trim()).toBe("ok_sleepable |= 1 << key.value;");
  });
});

describeKernel(
  "tsbpf verify in the kernel",
  () => {
    it("is quiet and exits 0 when every program loads", () => {
      const r = tsbpf(["verify", SEED]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("");
      expect(r.status).toBe(0);
      const v = tsbpf(["verify", SEED, "--verbose"]);
      expect(v.stderr).toMatch(/^test_call_array_sleepable \(tc\): verified, \d+ instructions processed, \d+ after load$/m);
    });

    it("reports an unbounded loop at its TypeScript line, with a code frame and a hint", () => {
      const dir = tmpProject({ "loop.ts": fs.readFileSync(fixture("unbounded-loop.ts"), "utf8") });
      const r = tsbpf(["verify", "loop.ts"], dir);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^loop\.ts:11:3 - error TSBPF4001: The verifier rejected program 'spin': The sequence of 8193 jumps is too complex\.\n/);
      expect(r.stderr).toContain("11   while (i < n.value) {\n     ~~~~~~~~~~~~~~~~~~~~~\n");
      expect(r.stderr).toMatch(/hint: The verifier cannot prove this loop ends/);
      expect(r.stderr).toMatch(/verifier: \d+: \(3e\) if w\d >= w\d goto pc\+\d+/); // the loop test, as the kernel logged it
      expect(fs.readdirSync(dir)).toEqual(["loop.ts"]); // nothing written
    });

    it("--json gives the same as one JSON array, hint included", () => {
      const dir = tmpProject({ "loop.ts": fs.readFileSync(fixture("unbounded-loop.ts"), "utf8") });
      const r = tsbpf(["verify", "loop.ts", "--json"], dir);
      expect(r.status).toBe(1);
      const ds = JSON.parse(r.stdout);
      expect(ds).toHaveLength(1);
      expect(ds[0]).toMatchObject({ code: "TSBPF4001", category: "error", file: path.join(fs.realpathSync(dir), "loop.ts"), line: 11, column: 3, length: 21 });
      expect(ds[0].message).toMatch(/too complex\.\nhint: The verifier cannot prove this loop ends/);
    });

    it("finds the line inside a subprogram, where the kernel's own line_info puts it", () => {
      const dir = tmpProject({ "sub.ts": fs.readFileSync(fixture("loop-in-subprogram.ts"), "utf8") });
      const r = compile(path.join(dir, "sub.ts"));
      const obj = path.join(dir, "sub.bpf.o");
      fs.writeFileSync(obj, r.object!);
      const log = path.join(dir, "sub.log");
      const v = tsbpf(["verify", "sub.bpf.o", "--log", log], dir);
      expect(v.status).toBe(1);
      expect(v.stderr).toMatch(/^sub\.ts:17:3 - error TSBPF4001: The verifier rejected program 'bad'/);
      const kernel = parseLoadLog(fs.readFileSync(log, "utf8"))!;
      expect(kernel.kernelLine).toMatchObject({ file: "sub.ts", line: 17 });
    });

    it("reports an unchecked null in clang's object at the C line, with the null-check hint", () => {
      const obj = compileC(fixture("unchecked-null.c"));
      const r = tsbpf(["verify", obj]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/unchecked-null\.c:17:\d+ - error TSBPF4001: The verifier rejected program 'count': R0 invalid mem access 'map_value_or_null'/);
      expect(r.stderr).toContain("*v += 1; /* no null check */");
      expect(r.stderr).toMatch(/hint: The value may be null here: check it first — `if \(x === null\) return …;`/);
    });
  },
  { clang: true },
);
