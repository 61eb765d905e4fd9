// Differential tests: each pairs/NAME.ts has a C twin pairs/NAME.c. Both are built
// (tsbpf, clang), loaded, and every program is test-run on the same input; return
// values, globals and the contents of array maps must be identical.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { formatDiagnostic } from "../../compiler/diagnostics.js";
import { compileC } from "./clang.js";
import { describeKernel } from "./helpers.js";
import { BpfObject } from "./libbpf.js";

const DIR = fileURLToPath(new URL("./pairs/", import.meta.url));
const NAMES = fs.readdirSync(DIR).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort();

interface Outcome { retvals: Record<string, number>; globals: Record<string, string>; maps: Record<string, string[]> }

function observe(objPath: string, programs: string[], arrays: { name: string; entries: number }[]): Outcome {
  const o = BpfObject.open(objPath);
  try {
    const retvals: Record<string, number> = {};
    for (const p of programs) retvals[p] = o.testRun(p).retval;
    // Timer callbacks (pairs/callbacks: 1 ms) run after the program: read what they did, not a race with them.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    const globals: Record<string, string> = {};
    for (const s of [".bss", ".data"]) {
      try {
        globals[s] = Buffer.from(o.global(s as ".bss")).toString("hex");
      } catch {
        // no such section in this object
      }
    }
    const maps: Record<string, string[]> = {};
    for (const m of arrays) {
      maps[m.name] = [];
      for (let k = 0; k < m.entries; k++) {
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, k, true);
        maps[m.name]!.push(Buffer.from(o.lookup(m.name, key) ?? new Uint8Array()).toString("hex"));
      }
    }
    return { retvals, globals, maps };
  } finally {
    o.close();
  }
}

describeKernel("TypeScript and C twins behave the same in the kernel", () => {
  for (const name of NAMES) {
    it(name, () => {
      const r = compile(path.join(DIR, `${name}.ts`));
      expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
      const ours = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-pair-")), `${name}.bpf.o`);
      fs.writeFileSync(ours, r.object!);
      const programs = r.module!.programs.map((p) => p.name);
      const arrays = r.module!.maps.filter((m) => m.mapKind === "array").map((m) => ({ name: m.name, entries: Math.min(m.maxEntries, 64) }));
      const theirs = compileC(path.join(DIR, `${name}.c`));
      expect(observe(ours, programs, arrays)).toEqual(observe(theirs, programs, arrays));
    });
  }
});
