// Every template, as a user gets it: `tsbpf init`, `npm install` (tsbpf as a
// file: dependency on this checkout), `npm run build`, `npm run typecheck`,
// then the project's own `npm test`, which loads the object into the kernel
// through its generated skeleton. A template whose program the compiler
// cannot build yet is skipped with the compiler's diagnostic as the reason.
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { formatDiagnostic } from "../../compiler/diagnostics.js";
import { describeKernel } from "../kernel/helpers.js";
import { REPO, tmpProject } from "../support/tmp.js";
import { run, tsbpf } from "../tools/support.js";

const TEMPLATES = ["wq", "xdp-counter", "tc-filter", "ringbuf-events"];

function entryOf(template: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO, "templates", template, "template.json"), "utf8")) as { entries: string[] };
  return manifest.entries[0]!;
}

/** Why the compiler cannot build the template's program today (its diagnostics), or undefined. */
const unsupported = new Map<string, string | undefined>();
for (const t of TEMPLATES) {
  const r = compile(path.join(REPO, "templates", t, entryOf(t)));
  unsupported.set(t, r.object ? undefined : r.diagnostics.map((d) => formatDiagnostic(d, { cwd: REPO })).join("\n"));
}

const root = tmpProject({});
/** One `tsbpf init` + `npm install` per template, started once, in parallel. */
const installs = new Map<string, Promise<{ dir: string; status: number | null; output: string }>>();
function installed(t: string): Promise<{ dir: string; status: number | null; output: string }> {
  let p = installs.get(t);
  if (!p) {
    const dir = path.join(root, t);
    const init = tsbpf(["init", dir, "--template", t]);
    if (init.status !== 0) throw new Error(`tsbpf init failed: ${init.stderr}`);
    // --ignore-scripts: installing the file: dependency would run this checkout's `prepare`
    // (tsc into dist/), racing the other installs and every test that runs bin/tsbpf
    p = run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"], dir).then((r) => ({ dir, status: r.status, output: r.stdout + r.stderr }));
    installs.set(t, p);
  }
  return p;
}

describe("templates: a new project builds and type-checks", () => {
  beforeAll(() => {
    for (const t of TEMPLATES) if (!unsupported.get(t)) void installed(t);
  });

  for (const t of TEMPLATES) {
    it(`${t}: npm install, npm run build, npm run typecheck`, async (ctx) => {
      const why = unsupported.get(t);
      if (why) {
        console.warn(`[tsbpf] template ${t} skipped: the compiler cannot build it yet:\n${why}`);
        ctx.skip(`the compiler cannot build templates/${t}/${entryOf(t)} yet: ${why}`);
      }
      const { dir, status, output } = await installed(t);
      expect(status, output).toBe(0);
      const build = await run("npm", ["run", "build"], dir);
      expect(build.status, build.stdout + build.stderr).toBe(0);
      const base = path.basename(entryOf(t)).replace(/\.ts$/, "");
      expect(fs.readdirSync(path.join(dir, "dist")).sort()).toEqual([`${base}.bpf.o`, `${base}.skel.ts`]);
      const check = await run("npm", ["run", "typecheck"], dir);
      expect(check.status, check.stdout + check.stderr).toBe(0);
    }, 240_000);
  }
});

describeKernel(
  "templates: the project's own test passes in the kernel",
  () => {
    for (const t of TEMPLATES) {
      it(`${t}: npm test`, async (ctx) => {
        const why = unsupported.get(t);
        if (why) ctx.skip(`the compiler cannot build templates/${t}/${entryOf(t)} yet: ${why}`);
        const { dir, status, output } = await installed(t);
        expect(status, output).toBe(0);
        const test = await run("npm", ["test"], dir);
        expect(test.status, test.stdout + test.stderr).toBe(0);
        expect(test.stdout).toMatch(/Tests\s+\d+ passed/);
      }, 240_000);
    }
  },
  { clang: false },
);
