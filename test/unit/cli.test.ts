import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, SEED, tmpProject } from "../support/tmp.js";
import { tsbpf } from "../tools/support.js";

// The CLI runs from dist/ (built by `npm run build`, which `npm test` runs first).
const WQ = fs.readFileSync(SEED, "utf8");
const BAD = `import { license, tc, type i64 } from "tsbpf";\nlicense("GPL");\nexport const p = tc((ctx): i64 => { throw 1; });\n`;
const pkg = (tsbpfField: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ name: "p", type: "module", ...extra, tsbpf: tsbpfField });
const listing = (dir: string): string[] =>
  fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => !fs.statSync(path.join(dir, f)).isDirectory()).sort();

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
    expect(r.stderr).toMatch(/^bad\.ts:3:37 - error TSBPF1101: /);
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

describe("tsbpf build: the npm build step", () => {
  it("with no entries builds what package.json's \"tsbpf\" field names, quietly", () => {
    const dir = tmpProject({ "package.json": pkg({ entries: ["src/prog.ts"], outDir: "dist" }), "src/prog.ts": WQ });
    const r = tsbpf(["build"], path.join(dir, "src")); // from a subdirectory: the nearest package.json
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
    expect(listing(dir)).toEqual(["dist/prog.bpf.o", "package.json", "src/prog.ts"]);
  });

  it("accepts a path or an array of paths; objects then go next to their entries", () => {
    const one = tmpProject({ "package.json": pkg("prog.ts"), "prog.ts": WQ });
    expect(tsbpf(["build"], one).status).toBe(0);
    expect(listing(one)).toEqual(["package.json", "prog.bpf.o", "prog.ts"]);
    const two = tmpProject({ "package.json": pkg(["a/x.ts", "b/y.ts"]), "a/x.ts": WQ, "b/y.ts": WQ });
    expect(tsbpf(["build"], two).status).toBe(0);
    expect(listing(two)).toEqual(["a/x.bpf.o", "a/x.ts", "b/y.bpf.o", "b/y.ts", "package.json"]);
  });

  it("the configuration can ask for the skeleton and the asm listing", () => {
    const dir = tmpProject({ "package.json": pkg({ entries: "src/prog.ts", outDir: "out", skeleton: true, emit: ["asm"] }), "src/prog.ts": WQ });
    expect(tsbpf(["build"], dir).status).toBe(0);
    expect(listing(dir)).toEqual(["out/prog.bpf.o", "out/prog.bpf.s", "out/prog.skel.ts", "package.json", "src/prog.ts"]);
  });

  it("exits 2 without entries when package.json has no \"tsbpf\" field, or a malformed one", () => {
    const none = tmpProject({ "package.json": JSON.stringify({ name: "p" }) });
    const r = tsbpf(["build"], none);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/package\.json has no "tsbpf" field/);
    for (const bad of [{ entries: [] }, { entries: "a.ts", outdir: "x" }, 42, { entries: "a.ts", emit: "llvm" }]) {
      const dir = tmpProject({ "package.json": pkg(bad) });
      const b = tsbpf(["build"], dir);
      expect(b.status, JSON.stringify(bad)).toBe(2);
      expect(b.stderr).toMatch(/package\.json: "tsbpf" /);
    }
  });

  it("exits 2 for contradictory outputs", () => {
    const dir = tmpProject({ "a/p.ts": WQ, "b/p.ts": WQ });
    expect(tsbpf(["build", "a/p.ts", "b/p.ts", "-o", "x.o"], dir).status).toBe(2);
    const same = tsbpf(["build", "a/p.ts", "b/p.ts", "--out-dir", "out"], dir);
    expect(same.status).toBe(2);
    expect(same.stderr).toMatch(/would both be built to out\/p\.bpf\.o/);
    expect(tsbpf(["build", "a/p.ts", "--emit", "llvm-ir"], dir).status).toBe(2);
    expect(listing(dir)).toEqual(["a/p.ts", "b/p.ts"]);
  });

  it("npm scripts exit with tsbpf's codes: 0, 1 on errors, 2 on usage errors", () => {
    const dir = tmpProject({
      "package.json": pkg("prog.ts", { scripts: { build: "tsbpf build", check: "tsbpf check", usage: "tsbpf build --emit nothing" } }),
      "prog.ts": WQ,
    });
    fs.mkdirSync(path.join(dir, "node_modules/.bin"), { recursive: true });
    fs.symlinkSync(path.join(REPO, "bin/tsbpf"), path.join(dir, "node_modules/.bin/tsbpf"));
    const npm = (script: string) => spawnSync("npm", ["run", "--silent", script], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(npm("build").status).toBe(0);
    expect(npm("check").status).toBe(0);
    expect(npm("usage").status).toBe(2);
    fs.writeFileSync(path.join(dir, "prog.ts"), BAD);
    expect(npm("build").status).toBe(1);
    expect(npm("check").status).toBe(1);
  });
});

describe("tsbpf check", () => {
  it("type-checks and applies the subset's rules without writing anything", () => {
    const dir = tmpProject({ "ok.ts": WQ, "bad.ts": BAD, "types.ts": `import { license } from "tsbpf";\nlicense("GPL");\nconst x: number = "s";\n` });
    const ok = tsbpf(["check", "ok.ts"], dir);
    expect([ok.status, ok.stdout, ok.stderr]).toEqual([0, "", ""]);
    const bad = tsbpf(["check", "bad.ts", "types.ts"], dir);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^bad\.ts:3:37 - error TSBPF1101: /m);
    expect(bad.stderr).toMatch(/^types\.ts:3:7 - error TS2322: /m);
    expect(listing(dir)).toEqual(["bad.ts", "ok.ts", "types.ts"]);
  });

  it("reads package.json like build does", () => {
    const dir = tmpProject({ "package.json": pkg({ entries: ["src/prog.ts"], outDir: "dist" }), "src/prog.ts": WQ });
    expect(tsbpf(["check"], dir).status).toBe(0);
    expect(listing(dir)).toEqual(["package.json", "src/prog.ts"]);
  });
});

describe("terminal output", () => {
  it("--json prints one array of located diagnostics on stdout, nothing on stderr", () => {
    const dir = tmpProject({ "bad.ts": BAD, "ok.ts": WQ });
    for (const cmd of ["build", "check"]) {
      const r = tsbpf([cmd, "bad.ts", "ok.ts", "--json"], dir);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe("");
      const ds = JSON.parse(r.stdout);
      expect(ds).toEqual([
        { code: "TSBPF1101", category: "error", message: expect.any(String), file: path.join(fs.realpathSync(dir), "bad.ts"), line: 3, column: 37, length: expect.any(Number) },
      ]);
    }
    const ok = tsbpf(["check", "ok.ts", "--json"], dir);
    expect([ok.status, ok.stdout, ok.stderr]).toEqual([0, "[]\n", ""]);
  });

  it("uses no colour off a TTY, colours with FORCE_COLOR, and never under NO_COLOR", () => {
    const dir = tmpProject({ "bad.ts": BAD });
    const esc = /\x1b\[/;
    expect(tsbpf(["check", "bad.ts"], dir).stderr).not.toMatch(esc);
    expect(tsbpf(["check", "bad.ts"], dir, { FORCE_COLOR: "1" }).stderr).toMatch(esc);
    expect(tsbpf(["check", "bad.ts"], dir, { FORCE_COLOR: "1", NO_COLOR: "1" }).stderr).not.toMatch(esc);
  });

  it("--verbose says what was written; --help and --version exit 0; unknown options exit 2", () => {
    const dir = tmpProject({ "prog.ts": WQ });
    const v = tsbpf(["build", "prog.ts", "--verbose"], dir);
    expect(v.status).toBe(0);
    expect(v.stderr).toMatch(/^prog\.ts → prog\.bpf\.o \(compile \d+ ms, write \d+ ms\)\n$/);
    const help = tsbpf(["--help"]);
    expect(help.status).toBe(0);
    for (const cmd of ["build", "check", "init", "objdump", "verify", "skeleton", "vmlinux"]) expect(help.stdout).toContain(cmd);
    expect(tsbpf(["--version"]).stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version);
    expect(tsbpf(["build", "--frobnicate", "x.ts"]).status).toBe(2);
  });
});

describe("tsbpf init", () => {
  it("makes a project whose package.json, tsconfigs and README are ready", () => {
    const dir = path.join(tmpProject({}), "My Probe");
    const r = tsbpf(["init", dir, "--template", "xdp-counter"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("npm install");
    expect(listing(dir)).toEqual([".gitignore", "README.md", "package.json", "src/counter.ts", "src/tsconfig.json", "test/counter.test.ts", "tsconfig.json"]);
    const p = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    expect(p.name).toBe("my-probe");
    expect(p.scripts.build).toBe("tsbpf build");
    expect(p.scripts.test).toBe("vitest run");
    expect(p.tsbpf).toEqual({ entries: ["src/counter.ts"], outDir: "dist", skeleton: true });
    expect(p.devDependencies.tsbpf).toBe(`file:${REPO}`);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "src/tsconfig.json"), "utf8")).compilerOptions.noLib).toBe(true);
    expect(fs.readFileSync(path.join(dir, "README.md"), "utf8")).toMatch(/^# my-probe\n/);
  });

  it("refuses to overwrite, and knows its templates (exit 2 otherwise)", () => {
    const dir = tmpProject({ "package.json": "{}" });
    const again = tsbpf(["init", dir]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already has package\.json/);
    expect(fs.readFileSync(path.join(dir, "package.json"), "utf8")).toBe("{}");
    expect(tsbpf(["init", dir, "--force"]).status).toBe(0);
    const unknown = tsbpf(["init", path.join(dir, "x"), "--template", "nope"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown template 'nope' \(templates: ringbuf-events, tc-filter, wq, xdp-counter\)/);
    expect(tsbpf(["init"]).status).toBe(2);
    const list = tsbpf(["init", "--list"]);
    expect(list.stdout.split("\n").filter(Boolean).map((l) => l.split(" ")[0])).toEqual(["ringbuf-events", "tc-filter", "wq", "xdp-counter"]);
  });
});
