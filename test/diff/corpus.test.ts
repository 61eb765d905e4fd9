// Hand-written programs, each as corpus/NAME.ts (tsbpf) and corpus/NAME.c (C):
// both built, loaded and test-run in the kernel; every syscall program's return
// value and every global must agree.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { describeKernel } from "../kernel/helpers.js";
import { runPair } from "./run.js";

const DIR = fileURLToPath(new URL("./corpus/", import.meta.url));

/** Programs that fail because of a known tsbpf bug: they must keep failing until it is fixed (then delete the entry). */
const KNOWN_FAILURES: Record<string, string> = {};

const names = fs.readdirSync(DIR).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort();

describeKernel("corpus: hand-written programs, tsbpf vs clang", () => {
  it("has programs, each in both languages", () => {
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(fs.existsSync(path.join(DIR, `${n}.c`)), `${n}.c`).toBe(true);
  });

  for (const name of names) {
    const known = KNOWN_FAILURES[name];
    (known ? it.fails : it)(`${name}${known ? ` (known failure: ${known})` : ""}`, async () => {
      const ts = fs.readFileSync(path.join(DIR, `${name}.ts`), "utf8");
      const c = fs.readFileSync(path.join(DIR, `${name}.c`), "utf8");
      const programs = [...ts.matchAll(/^export const (\w+) = syscall\(/gm)].map((m) => m[1]!);
      expect(programs.length).toBeGreaterThan(0);
      // sources in a directory of their own, so that diagnostics and line info name NAME.ts
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tsbpf-corpus-${name}-`));
      const o = await runPair(ts, c, { programs, dir, name });
      if (o.kind !== "match") expect.fail(`${name}: ${o.kind}\n${o.detail}`);
      expect(o.ts!.retvals).toEqual(o.clang!.retvals);
    });
  }
});
