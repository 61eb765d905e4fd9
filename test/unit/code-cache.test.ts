// The V8 code cache of the TypeScript compiler (compiler/frontend/code-cache.ts):
// written on a cold build, used by the next, ignored when corrupt or turned
// off — and never a different object.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = path.join(ROOT, "bin/tsbpf");
const ENTRY = path.join(ROOT, "examples/wq/wq.ts");

function build(cacheHome: string, out: string, env: Record<string, string> = {}): Buffer {
  const r = spawnSync(process.execPath, [BIN, "build", ENTRY, "-o", out], { env: { ...process.env, XDG_CACHE_HOME: cacheHome, ...env }, encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return fs.readFileSync(out);
}

const cacheFiles = (home: string) => {
  const dir = path.join(home, "tsbpf");
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).flatMap((v) => fs.readdirSync(path.join(dir, v)).map((f) => path.join(dir, v, f)));
};

describe("the TypeScript code cache", () => {
  it("is written by a cold build, read by the next, survives corruption, and never changes the object", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-cc-"));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-cc-out-"));
    const cold = build(home, path.join(dir, "a.o"));
    const files = cacheFiles(home);
    expect(files.length).toBeGreaterThan(0); // typescript.js and ts-morph's bundles
    expect(fs.statSync(path.dirname(files[0]!)).mode & 0o777).toBe(0o700);
    const sizes = files.map((f) => fs.statSync(f).size);
    expect(build(home, path.join(dir, "b.o"))).toEqual(cold);
    expect(cacheFiles(home).map((f) => fs.statSync(f).size)).toEqual(sizes); // accepted, not rewritten
    for (const f of files) fs.writeFileSync(f, "not a code cache");
    expect(build(home, path.join(dir, "c.o"))).toEqual(cold);
    for (const f of files) expect(fs.statSync(f).size).toBeGreaterThan(100_000); // rejected, so rewritten
    const off = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-cc-off-"));
    expect(build(off, path.join(dir, "d.o"), { TSBPF_CODE_CACHE: "0" })).toEqual(cold);
    expect(cacheFiles(off)).toEqual([]);
  }, 60_000);
});

describe("ts-morph is loaded once, through require", () => {
  it("no compiler module imports a value from \"ts-morph\" (ESM would scan its 1 MB text for export names first)", () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts") && !p.endsWith(path.join("frontend", "ts-morph.ts"))) {
          const src = fs.readFileSync(p, "utf8");
          if (/^import (?!type\b)[^;]*from "ts-morph";/m.test(src)) offenders.push(path.relative(ROOT, p));
        }
      }
    };
    walk(path.join(ROOT, "compiler"));
    walk(path.join(ROOT, "cli"));
    expect(offenders).toEqual([]);
  });
});
