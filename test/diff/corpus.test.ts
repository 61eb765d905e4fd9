// Hand-written programs, each as corpus/NAME.ts (tsbpf) and corpus/NAME.c (C):
// both built, loaded and test-run in the kernel; every program's return value,
// every global, and the packet each packet program leaves behind must agree.
// Syscall programs run once; xdp and tc programs run on each of PACKETS.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { describeKernel } from "../kernel/helpers.js";
import { PACKETS } from "./packets.js";
import { runPair, type Run } from "./run.js";

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
      const runs: Run[] = [...ts.matchAll(/^export const (\w+) = (syscall|xdp|tc)\(/gm)].flatMap(([, program, factory]) =>
        factory === "syscall" ? [{ program: program! }] : Object.values(PACKETS).map((data) => ({ program: program!, data })));
      expect(runs.length).toBeGreaterThan(0);
      // sources in a directory of their own, so that diagnostics and line info name NAME.ts
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tsbpf-corpus-${name}-`));
      const o = await runPair(ts, c, { runs, dir, name });
      if (o.kind !== "match") expect.fail(`${name}: ${o.kind}\n${o.detail}`);
      expect(o.ts!.retvals).toEqual(o.clang!.retvals);
    });
  }
});
