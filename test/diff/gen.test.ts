// The generator's own guarantees: deterministic, UB-free C (checked by the
// static checker and, natively, by clang's UndefinedBehaviorSanitizer), and
// the same answers from the C compiled for the host as from clang's BPF
// object in the kernel.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { I32, I64, I8, U32, U8, Unsafe, analyze, checkProgram, printC, type Expr } from "./ast.js";
import { FEATURES, generate, parseFeatures, respectsFeatures, type FeatureName } from "./gen.js";
import { CLANG } from "../kernel/clang.js";
import { describeKernel } from "../kernel/helpers.js";
import { decode, runPair } from "./run.js";

const lit = (v: bigint, spell: "dec" | "hex" = "dec"): Expr => ({ k: "lit", v, spell });
const v = (name: string, t = I32): Expr => ({ k: "var", name, t });
const bin = (op: any, l: Expr, r: Expr): Expr => ({ k: "bin", op, l, r });
const unsafe = (e: Expr) => {
  try {
    analyze(e);
    return false;
  } catch (x) {
    if (x instanceof Unsafe) return true;
    throw x;
  }
};

describe("fuzzer: the generator", () => {
  it("is deterministic: same seed and features, same program", () => {
    for (const seed of [1, 2, 99, 123456]) {
      const a = generate(seed), b = generate(seed);
      expect(a.ts).toBe(b.ts);
      expect(a.c).toBe(b.c);
    }
    expect(generate(1).ts).not.toBe(generate(2).ts);
  });

  it("the checker refuses what C leaves undefined", () => {
    expect(unsafe(bin("+", v("a"), v("b")))).toBe(true); // int overflow
    expect(unsafe(bin("+", v("a", U32), v("b", U32)))).toBe(false); // unsigned wraps
    expect(unsafe(bin("+", v("a", I8), v("b", I8)))).toBe(false); // promoted to int: no overflow
    expect(unsafe(bin("*", v("a", U8), lit(0x800000n)))).toBe(false); // 255 * 2^23 < 2^31
    expect(unsafe(bin("*", v("a", U8), lit(0x1000000n)))).toBe(true);
    expect(unsafe(bin("<<", v("a", U32), lit(32n)))).toBe(true); // count ≥ width
    expect(unsafe(bin("<<", v("a", U32), bin("&", v("n"), lit(31n))))).toBe(false);
    expect(unsafe(bin("<<", v("a", I8), lit(1n)))).toBe(true); // may shift a negative value
    expect(unsafe(bin("<<", v("a", U8), lit(23n)))).toBe(false); // 255 << 23 < 2^31
    expect(unsafe(bin("<<", v("a", U8), lit(24n)))).toBe(true); // 255 << 24 overflows int
    expect(unsafe(bin("/", v("a", U32), v("b", U32)))).toBe(true); // divisor may be 0
    expect(unsafe(bin("/", v("a", U32), bin("|", v("b", U32), lit(1n))))).toBe(false);
    expect(unsafe(bin("/", v("a", I64), { k: "un", op: "-", e: lit(1n) }))).toBe(true); // MIN / -1
    expect(unsafe(bin("/", bin(">>", v("a", I64), lit(1n)), { k: "un", op: "-", e: lit(1n) }))).toBe(false);
    expect(unsafe(bin("%", v("a"), bin("+", bin("&", v("b"), lit(7n)), lit(1n))))).toBe(false);
    expect(unsafe({ k: "un", op: "-", e: v("a") })).toBe(true); // -INT_MIN
    expect(unsafe({ k: "un", op: "-", e: v("a", U32) })).toBe(false);
    expect(unsafe({ k: "index", base: "s", ptr: false, field: "a", len: 4, idx: bin("&", v("i"), lit(3n)), t: U8 })).toBe(false);
    expect(unsafe({ k: "index", base: "s", ptr: false, field: "a", len: 3, idx: bin("&", v("i"), lit(3n)), t: U8 })).toBe(true);
    // literal typing is C's: 0xffffffff is unsigned int, 4294967295 is long
    expect(analyze(lit(0xffffffffn, "hex")).t).toEqual(U32);
    expect(analyze(lit(0xffffffffn)).t).toEqual(I64);
  });

  it("every feature family can be switched off on its own", () => {
    for (const name of Object.keys(FEATURES) as FeatureName[]) {
      const f = { ...FEATURES, [name]: false };
      for (let seed = 1; seed <= 15; seed++) {
        const g = generate(seed, f);
        checkProgram(g.program);
        expect(respectsFeatures(g.program, f), `${name} seed ${seed}`).toBe(true);
      }
    }
    const none = parseFeatures("none");
    for (let seed = 1; seed <= 15; seed++) checkProgram(generate(seed, none).program);
  });
});

// ---------------------------------------------------------------------------
// The C, natively under UBSan, and compared with clang's BPF build in the kernel.

const UBSAN_SEEDS = Number(process.env.TSBPF_FUZZ_UBSAN_COUNT ?? 25);

function hostRun(c: string, dir: string): { ok: boolean; out: string } {
  const src = path.join(dir, "host.c"), exe = path.join(dir, "host");
  fs.writeFileSync(src, c);
  const cc = spawnSync(CLANG, ["-O1", "-w", "-fsanitize=undefined", "-fno-sanitize-recover=all", src, "-o", exe], { encoding: "utf8" });
  if (cc.status !== 0) return { ok: false, out: `host build failed:\n${cc.stderr}` };
  const r = spawnSync(exe, [], { encoding: "utf8" });
  return { ok: r.status === 0 && !/runtime error/.test(r.stderr), out: r.stdout + r.stderr };
}

const hostClang = spawnSync(CLANG, ["--version"]).status === 0
  && spawnSync(CLANG, ["-fsanitize=undefined", "-x", "c", "-", "-o", path.join(os.tmpdir(), "tsbpf-ubsan-probe")], { input: "int main(void){return 0;}" }).status === 0;

describeKernel("fuzzer: the generated C is free of undefined behaviour and means the same on the host and in BPF", () => {
  it.skipIf(!hostClang)(`${UBSAN_SEEDS} programs (all features) under UBSan match clang's BPF build`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-ubsan-"));
    const all = parseFeatures("all");
    const problems: string[] = [];
    for (let seed = 1; seed <= UBSAN_SEEDS; seed++) {
      const g = generate(seed, all);
      const host = hostRun(printC(g.program, { hostMain: true }), dir);
      if (!host.ok) {
        problems.push(`seed ${seed}: ${host.out}`);
        continue;
      }
      const o = await runPair(g.ts, g.c);
      if (!o.clang) continue; // too complex for the verifier: nothing to compare
      const types = Object.fromEntries(g.program.globals.map((x) => [x.name, x.t.kind === "bool" ? "u8" : x.t.name]));
      const bpf = [`ret ${BigInt.asIntN(32, BigInt(o.clang.retvals[0]!))}`,
        ...g.program.globals.map((x) => `${x.name} ${decode(o.clang!.globals.get(x.name)!, types[x.name])}`)];
      const native = host.out.trim().split("\n").map((l) => {
        // the kernel reports the low 32 bits of the return value
        const m = /^ret (-?\d+)$/.exec(l);
        return m ? `ret ${BigInt.asIntN(32, BigInt(m[1]!))}` : l;
      });
      if (native.join("\n") !== bpf.join("\n")) problems.push(`seed ${seed}: host and BPF differ\nhost:\n${native.join("\n")}\nbpf:\n${bpf.join("\n")}`);
    }
    expect(problems, problems.join("\n\n")).toEqual([]);
  }, 300_000);
}, { clang: true });

