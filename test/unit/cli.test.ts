import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, SEED, tmpProject } from "../support/tmp.js";

// The CLI runs from dist/ (built by `npm run build`, which `npm test` runs first).
const tsbpf = (args: string[], cwd = REPO) =>
  spawnSync(process.execPath, [path.join(REPO, "bin/tsbpf"), ...args], { cwd, encoding: "utf8" });

describe("tsbpf build", () => {
  it("writes the object and exits 0", () => {
    const dir = tmpProject({});
    const out = path.join(dir, "wq.bpf.o");
    const r = tsbpf(["build", SEED, "-o", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(fs.readFileSync(out).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  });

  it("builds a lone file anywhere on disk, relative paths and all", () => {
    const dir = tmpProject({ "prog.ts": fs.readFileSync(SEED, "utf8") });
    const r = tsbpf(["build", "prog.ts", "-o", "prog.bpf.o"], dir);
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(dir, "prog.bpf.o"))).toBe(true);
  });

  it("reports errors tsc-style, exits 1 and writes nothing", () => {
    const dir = tmpProject({
      "bad.ts": `import { license, tc, type i64 } from "tsbpf";\nlicense("GPL");\nexport const p = tc((ctx): i64 => { throw 1; });\n`,
    });
    const r = tsbpf(["build", "bad.ts", "-o", "bad.bpf.o"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bad\.ts:3:37 - error TSBPF1003: /);
    expect(r.stderr).toContain("throw 1;");
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/); // no stack trace
    expect(fs.readdirSync(dir)).toEqual(["bad.ts"]);
  });

  it("exits 2 on usage errors", () => {
    expect(tsbpf(["build"]).status).toBe(2);
    expect(tsbpf(["frobnicate"]).status).toBe(2);
  });

  it("exits 1 for a missing file", () => {
    const r = tsbpf(["build", "/nonexistent/x.ts", "-o", "/tmp/x.o"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("File not found");
  });
});
