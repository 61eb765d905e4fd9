// `tsbpf build --watch`: rebuilds on change, keeps the last good object
// through errors, stops cleanly on SIGINT; rebuild times printed by --verbose.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SEED, tmpProject } from "../support/tmp.js";
import { BIN } from "../tools/support.js";

class Watcher {
  readonly child: ChildProcessWithoutNullStreams;
  stderr = "";
  stdout = "";
  private waiters: (() => void)[] = [];

  constructor(args: string[], cwd: string) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" } });
    const poke = () => this.waiters.splice(0).forEach((w) => w());
    this.child.stderr.on("data", (d) => ((this.stderr += d), poke()));
    this.child.stdout.on("data", (d) => ((this.stdout += d), poke()));
  }

  /** Resolves once `re` matches the `n`th time in stderr (+stdout). */
  async until(re: RegExp, n = 1, ms = 30_000): Promise<RegExpMatchArray[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const all = [...(this.stderr + this.stdout).matchAll(new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g"))];
      if (all.length >= n) return all;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} (${n}×); output so far:\n${this.stderr}${this.stdout}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  stop(): Promise<number | null> {
    return new Promise((resolve) => {
      this.child.once("close", (code) => resolve(code));
      this.child.kill("SIGINT");
    });
  }
}

const running: Watcher[] = [];
afterEach(() => {
  for (const w of running.splice(0)) if (w.child.exitCode === null) w.child.kill("SIGKILL");
});

/** Edits a file the way editors do: write a temporary file and rename it over. */
function save(file: string, text: string): void {
  fs.writeFileSync(`${file}.swp`, text);
  fs.renameSync(`${file}.swp`, file);
}

describe("tsbpf build --watch", () => {
  it("rebuilds on change, reports errors keeping the last object, and exits 0 on SIGINT", async () => {
    const wq = fs.readFileSync(SEED, "utf8");
    const dir = tmpProject({ "package.json": JSON.stringify({ tsbpf: { entries: ["src/prog.ts"], outDir: "dist" } }), "src/prog.ts": wq });
    const src = path.join(dir, "src/prog.ts");
    const obj = path.join(dir, "dist/prog.bpf.o");
    const w = new Watcher(["build", "--watch", "--verbose"], dir);
    running.push(w);
    await w.until(/built dist\/prog\.bpf\.o in \d+ ms/);
    const first = fs.readFileSync(obj);

    // A change that changes the code.
    save(src, wq.replace("if (val === null) return -2;", "if (val === null) return -20;"));
    await w.until(/rebuilt dist\/prog\.bpf\.o in (\d+) ms/);
    const second = fs.readFileSync(obj);
    expect(second.equals(first)).toBe(false);

    // An error: reported, the last good object stays.
    save(src, wq + "\nexport const broken = tc((ctx): i64 => { throw 1; });\n");
    await w.until(/error TSBPF1101/);
    await w.until(/1 error; no object written for 1 of 1 entry\. Watching for changes\./);
    expect(fs.readFileSync(obj).equals(second)).toBe(true);

    // Fixed again; then a few more edits to measure rebuilds.
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      save(src, wq.replace("if (val === null) return -2;", `if (val === null) return -${30 + i};`));
      const m = await w.until(/rebuilt dist\/prog\.bpf\.o in (\d+) ms/, 2 + i);
      times.push(Number(m[m.length - 1]![1]));
    }
    console.log(`tsbpf build --watch: rebuild times (ms) ${times.join(", ")}; median ${[...times].sort((a, b) => a - b)[2]}`);
    expect(await w.stop()).toBe(0);
  });

  it("--json prints one array per build on stdout", async () => {
    const dir = tmpProject({ "p.ts": fs.readFileSync(SEED, "utf8") });
    const w = new Watcher(["build", "p.ts", "--watch", "--json"], dir);
    running.push(w);
    await w.until(/^\[\]$/m);
    save(path.join(dir, "p.ts"), "import { license } from \"tsbpf\";\nlicense(\"GPL\");\nconst x: number = \"no\";\n");
    await w.until(/"code":"TS2322"/);
    const lines = w.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toEqual([]);
    expect(lines[1][0]).toMatchObject({ code: "TS2322", line: 3, column: 7 });
    expect(await w.stop()).toBe(0);
  });
});
