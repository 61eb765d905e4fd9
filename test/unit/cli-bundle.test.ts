// The command line as one CommonJS file (scripts/bundle-cli.mjs, cli/launch.ts):
// used only while it matches the modules in dist/, falls back to them on any
// failure, and behaves exactly as they do.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, SEED, tmpProject } from "../support/tmp.js";
import { tsbpf } from "../tools/support.js";

const DIST = path.join(REPO, "dist");
// Makes dist/tsbpf.cjs from the dist/ this run's CLI tests use (atomically; `npm run build` does the same).
execFileSync(process.execPath, [path.join(REPO, "scripts/bundle-cli.mjs")]);
const launch = (await import(path.join(DIST, "cli/launch.js"))) as typeof import("../../cli/launch.js");
const manifest = JSON.parse(fs.readFileSync(path.join(DIST, "tsbpf.cjs.json"), "utf8")) as { files: string[] };

/** A copy of the manifest and the files it names (the bundle itself as given). */
function copyDist(bundle: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-bundle-"));
  for (const f of ["tsbpf.cjs.json", ...manifest.files]) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(DIST, f), path.join(dir, f));
  }
  fs.writeFileSync(path.join(dir, "tsbpf.cjs"), bundle);
  return dir;
}

describe("the bundled command line", () => {
  it("holds every module the command line reaches, commands loaded on demand included", () => {
    for (const f of ["cli/main.js", "cli/commands/build.js", "cli/commands/verify.js", "compiler/index.js", "compiler/frontend/ts-morph.js", "loader/index.js"]) {
      expect(manifest.files).toContain(f);
    }
  });

  it("is used while it matches dist/, and not once a module changes or the manifest is missing", () => {
    expect(launch.freshBundle()).toBe(path.join(DIST, "tsbpf.cjs"));
    // A copy (new modification times): the same text is enough.
    const dir = copyDist(fs.readFileSync(path.join(DIST, "tsbpf.cjs")));
    expect(launch.freshBundle(dir)).toBe(path.join(dir, "tsbpf.cjs"));
    const index = path.join(dir, "compiler/index.js");
    const text = fs.readFileSync(index, "utf8");
    fs.writeFileSync(index, text.replace("compile", "cOmpile")); // same size, other text
    expect(launch.freshBundle(dir)).toBeUndefined();
    fs.writeFileSync(index, text);
    expect(launch.freshBundle(dir)).toBe(path.join(dir, "tsbpf.cjs"));
    fs.appendFileSync(index, "\n// edited\n");
    expect(launch.freshBundle(dir)).toBeUndefined();
    fs.rmSync(path.join(dir, "tsbpf.cjs.json"));
    expect(launch.freshBundle(dir)).toBeUndefined();
  });

  it("loads the bundle, and the modules when the bundle does not load", async () => {
    process.env.TSBPF_CODE_CACHE = "0"; // in this process: leave the user's code cache alone
    expect((await launch.loadCli()).via).toBe("bundle");
    const broken = copyDist("this is not JavaScript (");
    expect(launch.freshBundle(broken)).toBe(path.join(broken, "tsbpf.cjs"));
    const r = await launch.loadCli(broken);
    expect(r.via).toBe("modules");
    expect(typeof r.run).toBe("function");
    delete process.env.TSBPF_CODE_CACHE;
  });

  it("builds the same object and reports the same errors as the modules (TSBPF_BUNDLE=0)", () => {
    const dir = tmpProject({
      "bad.ts": `import { license, tc, type i64 } from "tsbpf";\nlicense("GPL");\nexport const p = tc((ctx): i64 => { throw 1; });\n`,
    });
    const build = (env: Record<string, string | undefined>, out: string) => {
      const ok = tsbpf(["build", SEED, "-o", path.join(dir, out)], dir, env);
      const bad = tsbpf(["build", "bad.ts", "-o", "bad.bpf.o"], dir, env);
      return { ok: [ok.status, ok.stdout, ok.stderr], object: fs.readFileSync(path.join(dir, out)), bad: [bad.status, bad.stdout, bad.stderr] };
    };
    const bundled = build({ TSBPF_BUNDLE: undefined }, "a.o");
    const modules = build({ TSBPF_BUNDLE: "0" }, "b.o");
    expect(bundled.ok).toEqual([0, "", ""]);
    expect(bundled.object.equals(modules.object)).toBe(true);
    expect(bundled.bad).toEqual(modules.bad);
    expect(bundled.bad[0]).toBe(1);
    expect(tsbpf(["--version"]).stdout).toBe(tsbpf(["--version"], REPO, { TSBPF_BUNDLE: "0" }).stdout);
  });
});
