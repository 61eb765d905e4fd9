// The V8 code cache of the TypeScript compiler (compiler/frontend/code-cache.ts):
// written on a cold build, used by the next, ignored when corrupt or turned
// off — and never a different object.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { largeSource, prune } from "../../compiler/frontend/code-cache.js";

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

describe("the code cache's size stays bounded", () => {
  const CODE_CACHE = path.join(ROOT, "dist/compiler/frontend/code-cache.js");
  /** Requires `file` through the cache in a fresh Node, as a build does. */
  const requireIn = (cacheHome: string, file: string) => {
    const script = `import { requireWithCodeCache } from ${JSON.stringify(CODE_CACHE)}; import { createRequire } from "node:module"; requireWithCodeCache(createRequire(import.meta.url), ${JSON.stringify(file)});`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, XDG_CACHE_HOME: cacheHome }, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  };

  it("keeps one entry per file: a changed file replaces its entry instead of adding one", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-cc-"));
    const big = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-cc-src-")), "big.cjs");
    fs.writeFileSync(big, "exports.f = function (x) { return x + 1; };\n".repeat(15_000));
    requireIn(home, big);
    const [entry] = cacheFiles(home);
    expect(cacheFiles(home)).toHaveLength(1);
    const first = fs.readFileSync(entry!);
    fs.utimesSync(big, new Date(), new Date(Date.now() + 5000)); // a rebuilt file: same path, new mtime
    requireIn(home, big);
    expect(cacheFiles(home)).toEqual([entry]);
    expect(fs.readFileSync(entry!).equals(first)).toBe(false); // its stamp changed
  }, 30_000);

  it("prune removes entries not rewritten for 30 days, files of earlier layouts and emptied version directories", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-cc-prune-"));
    const now = Date.now();
    const day = 24 * 3600 * 1000;
    const put = (rel: string, ageDays: number) => {
      const f = path.join(root, rel);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, "x");
      fs.utimesSync(f, new Date(now - ageDays * day), new Date(now - ageDays * day));
    };
    put("v8-a/cc2-fresh", 1);
    put("v8-a/cc2-stale", 31);
    put("v8-a/0123456789abcdef0123456789abcdef01234567", 0); // an earlier layout's entry
    put("v8-a/cc2-fresh.77.tmp", 0); // a write in progress
    put("v8-a/cc2-dead.78.tmp", 1); // a write that never finished
    put("v8-old/cc2-stale", 40);
    prune(root, now);
    expect(fs.readdirSync(root)).toEqual(["v8-a"]);
    expect(fs.readdirSync(path.join(root, "v8-a")).sort()).toEqual(["cc2-fresh", "cc2-fresh.77.tmp"]);
  });
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

describe("large CommonJS files are read as Node reads them", () => {
  it("gives Node's UTF-8 text for ASCII and non-ASCII files, and leaves small files and ES modules to Node", () => {
    const common = path.dirname(createRequire(createRequire(import.meta.url).resolve("ts-morph")).resolve("@ts-morph/common"));
    const ascii = path.join(common, "typescript.js"); // 9 MB of ASCII
    const utf8 = path.join(common, "ts-morph-common.js"); // a few non-ASCII characters
    expect(fs.readFileSync(utf8).some((b) => b >= 0x80)).toBe(true);
    for (const f of [ascii, utf8]) expect(largeSource(f) === fs.readFileSync(f, "utf8")).toBe(true);
    expect(largeSource(path.join(ROOT, "bin/tsbpf"))).toBeUndefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-esm-"));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
    fs.writeFileSync(path.join(dir, "big.js"), "export const x = 1;\n".repeat(40_000));
    fs.writeFileSync(path.join(dir, "big.cjs"), "exports.x = 1;\n".repeat(40_000));
    expect(largeSource(path.join(dir, "big.js"))).toBeUndefined();
    expect(largeSource(path.join(dir, "big.cjs"))).toBe(fs.readFileSync(path.join(dir, "big.cjs"), "utf8"));
  });
});
