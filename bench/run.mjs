#!/usr/bin/env node
// `npm run bench`: tsbpf beside clang-19 -O2 -mcpu=v4 on the programs of
// bench/programs.mjs — instructions after load, instructions the verifier
// processed, run time per call (BPF_PROG_TEST_RUN), build time — then build time
// against source size on synthetic programs. See bench/README.md.
//
//   node bench/run.mjs [--only a,b] [--quick] [--no-synth] [--synth-only] [--synth-lines 1000,10000,50000]
//
// Prints; asserts no timing. Exits 1 (after printing what it could) when a program
// fails to build or load, or when the two builds of a program behave differently.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { ROOT, libbpf } from "./harness.mjs";
import { PROGRAMS } from "./programs.mjs";
import { synthesize } from "./synth.mjs";

const { compile } = await import(new URL("../dist/compiler/index.js", import.meta.url).href);
const { formatDiagnostic } = await import(new URL("../dist/compiler/diagnostics.js", import.meta.url).href);
const { BpfObject, BPF_PROG_TYPE, kernelAvailable } = libbpf;

// ---------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f) => { const i = argv.indexOf(f); return i >= 0 ? argv[i + 1] : undefined; };
const QUICK = flag("--quick");
const ONLY = opt("--only")?.split(",");
const TRIALS = Number(process.env.BENCH_TRIALS ?? (QUICK ? 3 : 9)); // run-time trials (median)
const REPEAT = Number(process.env.BENCH_REPEAT ?? (QUICK ? 10_000 : 100_000)); // BPF_PROG_TEST_RUN repeat
const BUILD_TRIALS = Number(process.env.BENCH_BUILD_TRIALS ?? (QUICK ? 1 : 3)); // cold-build trials (median)
const WARM_TRIALS = QUICK ? 2 : 5;
const SYNTH_LINES = (opt("--synth-lines") ?? (QUICK ? "1000,10000" : "1000,10000,50000")).split(",").map(Number);
const RUN_PROGRAMS = !flag("--synth-only");
const RUN_SYNTH = !flag("--no-synth");

const CLANG = process.env.TSBPF_CLANG ?? "clang-19";
const CFLAGS = ["-g", "-O2", "-mcpu=v4", "-target", "bpf"];
const MULTIARCH = { x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu" }[process.arch];
const SYS_INCLUDES = MULTIARCH && fs.existsSync(`/usr/include/${MULTIARCH}`) ? [`-I/usr/include/${MULTIARCH}`] : [];
const TSBPF_BIN = path.join(ROOT, "bin", "tsbpf");
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-bench-"));

// ---------------------------------------------------------------------------
// Helpers

const failures = [];
function fail(what, err) {
  const msg = err instanceof Error ? err.message : String(err);
  failures.push({ what, msg });
  console.error(`\n*** FAIL ${what}\n${tail(msg, 80)}\n`);
}
function tail(text, n) {
  const lines = text.split("\n");
  return lines.length <= n ? text : [`… (${lines.length - n} lines omitted)`, ...lines.slice(-n)].join("\n");
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hex = (u8) => Buffer.from(u8).toString("hex");

function timeSpawn(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.error || r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.error ? r.error.message : `exit ${r.status}`})\n${r.stderr}${r.stdout}`);
  }
  return ms;
}

/** Cold `node bin/tsbpf build` (a fresh process each time); the median wall time in ms. */
function buildTsbpf(src, out, trials) {
  const ms = [];
  for (let i = 0; i < trials; i++) ms.push(timeSpawn(process.execPath, [TSBPF_BIN, "build", src, "-o", out]));
  return median(ms);
}

/** `clang-19 -g -O2 -mcpu=v4 -target bpf -c`; the median wall time in ms. */
function buildClang(src, out, trials) {
  const args = [...CFLAGS, `-I${path.dirname(src)}`, ...SYS_INCLUDES, "-c", src, "-o", out];
  const ms = [];
  for (let i = 0; i < trials; i++) ms.push(timeSpawn(CLANG, args));
  return median(ms);
}

/** In-process compile() after a warm-up (unless warmup is false); the median wall time in ms. */
function warmCompile(src, trials, warmup = true) {
  const once = () => {
    const t0 = performance.now();
    const r = compile(src);
    const ms = performance.now() - t0;
    if (!r.object) throw new Error(`compile(${src}) failed:\n${r.diagnostics.map((d) => formatDiagnostic(d)).join("\n")}`);
    return ms;
  };
  if (warmup) once();
  const ms = [];
  for (let i = 0; i < trials; i++) ms.push(once());
  return median(ms);
}

function globals(o) {
  const g = {};
  for (const s of [".bss", ".data"]) {
    try {
      g[s] = hex(o.global(s));
    } catch {
      /* no such section */
    }
  }
  return g;
}

// ---------------------------------------------------------------------------
// Formatting

const f0 = (x) => (x === undefined || Number.isNaN(x) ? "—" : Math.round(x).toLocaleString("en-US"));
const f1 = (x) => (x === undefined || Number.isNaN(x) ? "—" : x.toFixed(1));
const ratio = (a, b) => (a === undefined || b === undefined || !b ? "—" : (a / b).toFixed(2));

function table(header, rows, align) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.filter((r) => r !== "-").map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (align[i] === "l" ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ");
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const r of rows) out.push(r === "-" ? widths.map((w) => "-".repeat(w)).join("  ") : line(r));
  return out.join("\n");
}

// ---------------------------------------------------------------------------
// The programs

function benchProgram(spec) {
  const base = spec.name.replace(/\W+/g, "_");
  const tsObj = path.join(OUT, `${base}.tsbpf.o`);
  const cObj = path.join(OUT, `${base}.clang.o`);
  const row = { name: spec.name };

  // Build: cold CLI, clang, warm compile().
  try {
    row.buildTs = buildTsbpf(spec.ts, tsObj, BUILD_TRIALS);
    row.warmTs = warmCompile(spec.ts, WARM_TRIALS);
  } catch (e) {
    fail(`${spec.name}: tsbpf build`, e);
    return undefined;
  }
  try {
    row.buildC = buildClang(spec.c, cObj, BUILD_TRIALS);
  } catch (e) {
    fail(`${spec.name}: clang build`, e);
    return undefined;
  }

  // Load both.
  const objs = {};
  for (const [side, file] of [["ts", tsObj], ["c", cObj]]) {
    try {
      objs[side] = BpfObject.open(file);
    } catch (e) {
      fail(`${spec.name}: load of the ${side === "ts" ? "tsbpf" : "clang"} object ${file}`, e);
    }
  }
  try {
    if (!objs.ts || !objs.c) return undefined;
    const { ts, c } = objs;
    const names = ts.programNames();
    const cNames = c.programNames();
    if ([...names].sort().join() !== [...cNames].sort().join()) {
      fail(`${spec.name}: program names differ`, `tsbpf: ${names.join(", ")}\nclang: ${cNames.join(", ")}`);
      return undefined;
    }
    row.progs = names.length;

    // Static figures.
    row.insnsTs = row.insnsC = row.verTs = row.verC = 0;
    for (const n of names) {
      const a = ts.progInfo(n), b = c.progInfo(n);
      row.insnsTs += a.xlatedProgLen / 8;
      row.insnsC += b.xlatedProgLen / 8;
      row.verTs += a.verifiedInsns;
      row.verC += b.verifiedInsns;
    }

    // Same behaviour: same map contents in, same return values and globals out.
    if (spec.setup) {
      spec.setup(ts);
      spec.setup(c);
    }
    const runOpts = spec.data ? { data: spec.data } : {};
    const mismatches = [];
    for (const n of names) {
      const ra = ts.testRun(n, runOpts).retval, rb = c.testRun(n, runOpts).retval;
      if (ra !== rb) mismatches.push(`${n}: tsbpf returned ${ra}, clang ${rb}`);
    }
    row.checkGlobals = () => {
      const ga = globals(ts), gb = globals(c);
      for (const s of new Set([...Object.keys(ga), ...Object.keys(gb)])) {
        if (ga[s] !== gb[s]) mismatches.push(`${s}: tsbpf ${ga[s] ?? "(none)"}, clang ${gb[s] ?? "(none)"}`);
      }
      if (mismatches.length) fail(`${spec.name}: tsbpf and clang builds behave differently`, mismatches.join("\n"));
      row.same = mismatches.length === 0;
    };
    if (!spec.settleMs) row.checkGlobals();

    // Run time: trials alternate which side runs first; the per-program medians are summed.
    const timed = names.filter((n) => ts.program(n).type !== BPF_PROG_TYPE.SYSCALL && ts.program(n).type !== BPF_PROG_TYPE.TRACING);
    row.timed = timed.length;
    if (timed.length) {
      const repeat = spec.repeat ?? REPEAT;
      row.repeat = repeat;
      const samples = { ts: new Map(timed.map((n) => [n, []])), c: new Map(timed.map((n) => [n, []])) };
      for (let t = 0; t < TRIALS; t++) {
        const order = t % 2 ? ["c", "ts"] : ["ts", "c"];
        for (const n of timed) {
          for (const side of order) samples[side].get(n).push(objs[side].testRun(n, { ...runOpts, repeat }).duration);
        }
      }
      row.nsTs = timed.reduce((s, n) => s + median(samples.ts.get(n)), 0);
      row.nsC = timed.reduce((s, n) => s + median(samples.c.get(n)), 0);
    }
    return { row, objs };
  } catch (e) {
    fail(`${spec.name}: run`, e);
    return undefined;
  }
}

async function runPrograms() {
  const specs = ONLY ? PROGRAMS.filter((p) => ONLY.some((o) => p.name.startsWith(o))) : PROGRAMS;
  if (!specs.length) throw new Error(`--only ${ONLY}: no such program (${PROGRAMS.map((p) => p.name).join(", ")})`);
  const rows = [];
  for (const spec of specs) {
    process.stderr.write(`  ${spec.name} …\n`);
    const r = benchProgram(spec);
    if (!r) continue;
    if (r.row.checkGlobals && r.row.same === undefined) {
      await sleep(spec.settleMs ?? 0);
      r.row.checkGlobals();
    }
    for (const o of Object.values(r.objs)) o.close();
    rows.push(r.row);
  }
  return rows;
}

function printPrograms(rows) {
  const header = ["program", "progs", "insns tsbpf", "clang", "×", "verified tsbpf", "clang", "×", "ns/call tsbpf", "clang", "×", "build ms tsbpf", "clang", "×", "warm ms", "same"];
  const align = ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "l"];
  const body = rows.map((r) => [
    r.name, r.progs,
    f0(r.insnsTs), f0(r.insnsC), ratio(r.insnsTs, r.insnsC),
    f0(r.verTs), f0(r.verC), ratio(r.verTs, r.verC),
    f0(r.nsTs), f0(r.nsC), ratio(r.nsTs, r.nsC),
    f0(r.buildTs), f0(r.buildC), ratio(r.buildTs, r.buildC),
    f1(r.warmTs),
    r.same ? "yes" : "NO",
  ]);
  const sum = (k) => rows.reduce((s, r) => s + (r[k] ?? 0), 0);
  const geo = (a, b) => {
    const rs = rows.filter((r) => r[a] && r[b]).map((r) => Math.log(r[a] / r[b]));
    return rs.length ? Math.exp(rs.reduce((s, x) => s + x, 0) / rs.length).toFixed(2) : "—";
  };
  const timedRows = rows.filter((r) => r.nsTs !== undefined);
  const nsTs = timedRows.reduce((s, r) => s + r.nsTs, 0), nsC = timedRows.reduce((s, r) => s + r.nsC, 0);
  body.push("-");
  body.push([
    `total (${rows.length})`, sum("progs"),
    f0(sum("insnsTs")), f0(sum("insnsC")), ratio(sum("insnsTs"), sum("insnsC")),
    f0(sum("verTs")), f0(sum("verC")), ratio(sum("verTs"), sum("verC")),
    f0(nsTs), f0(nsC), ratio(nsTs, nsC),
    f0(sum("buildTs")), f0(sum("buildC")), ratio(sum("buildTs"), sum("buildC")),
    f1(sum("warmTs")),
    rows.every((r) => r.same) ? "yes" : "NO",
  ]);
  body.push(["geometric mean of ×", "", "", "", geo("insnsTs", "insnsC"), "", "", geo("verTs", "verC"), "", "", geo("nsTs", "nsC"), "", "", geo("buildTs", "buildC"), "", ""]);
  console.log(table(header, body, align));
  console.log(
    `\ninsns: xlated_prog_len/8 summed over the object's programs (subprograms included); verified: verified_insns;\n` +
    `ns/call: BPF_PROG_TEST_RUN duration, median of ${TRIALS} trials of ${REPEAT.toLocaleString("en-US")} repeats (wq, ringbuf_events: 10,000), ` +
    `summed over the programs that can be test-run with repeat (not syscall programs);\n` +
    `build ms: wall time of a cold \`node bin/tsbpf build\` vs \`${CLANG} ${CFLAGS.join(" ")} -c\`, median of ${BUILD_TRIALS}; ` +
    `warm ms: tsbpf's compile() in-process, median of ${WARM_TRIALS} after a warm-up. × = tsbpf / clang.`,
  );
}

// ---------------------------------------------------------------------------
// Build time against source size

function runSynth() {
  const dir = path.join(OUT, "synth");
  fs.mkdirSync(dir, { recursive: true });
  const rows = [];
  for (const n of SYNTH_LINES) {
    process.stderr.write(`  synthetic ${n} lines …\n`);
    const s = synthesize(n);
    const ts = path.join(dir, `synth${n}.ts`), c = path.join(dir, `synth${n}.c`);
    fs.writeFileSync(ts, s.ts);
    fs.writeFileSync(c, s.c);
    const trials = n >= 10_000 ? 1 : BUILD_TRIALS;
    const row = { lines: s.lines, functions: s.functions, programs: s.programs };
    try {
      row.cold = buildTsbpf(ts, ts.replace(/\.ts$/, ".tsbpf.o"), trials);
      // The first (smallest) size warms the compiler up; a warm-up of the big ones would only double the wait.
      row.warm = warmCompile(ts, trials, n === SYNTH_LINES[0]);
    } catch (e) {
      fail(`synthetic ${n} lines: tsbpf build`, e);
      continue;
    }
    try {
      row.clang = buildClang(c, c.replace(/\.c$/, ".clang.o"), trials);
    } catch (e) {
      fail(`synthetic ${n} lines: clang build`, e);
      continue;
    }
    if (n === SYNTH_LINES[0]) {
      // The smallest one is also loaded, so the numbers are for code the kernel accepts.
      try {
        const o = BpfObject.open(ts.replace(/\.ts$/, ".tsbpf.o"));
        row.insns = o.programNames().reduce((sum, p) => sum + o.progInfo(p).xlatedProgLen / 8, 0);
        o.close();
        const oc = BpfObject.open(c.replace(/\.c$/, ".clang.o"));
        row.insnsC = oc.programNames().reduce((sum, p) => sum + oc.progInfo(p).xlatedProgLen / 8, 0);
        oc.close();
      } catch (e) {
        fail(`synthetic ${n} lines: load`, e);
      }
    }
    rows.push(row);
  }
  return rows;
}

function printSynth(rows) {
  const header = ["lines", "functions", "programs", "tsbpf cold ms", "warm compile() ms", "µs/line (warm)", "clang ms", "×"];
  const body = rows.map((r) => [
    f0(r.lines), f0(r.functions), f0(r.programs), f0(r.cold), f0(r.warm), ((r.warm * 1000) / r.lines).toFixed(1), f0(r.clang), ratio(r.cold, r.clang),
  ]);
  console.log(table(header, body, ["r", "r", "r", "r", "r", "r", "r", "r"]));
  const first = rows[0];
  if (first?.insns) console.log(`\n(the ${first.lines}-line objects load: ${f0(first.insns)} instructions after load from tsbpf, ${f0(first.insnsC)} from clang)`);
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1], b = rows[i];
    const k = (x, y) => (Math.log(y / x) / Math.log(b.lines / a.lines)).toFixed(2);
    console.log(`${f0(a.lines)} → ${f0(b.lines)} lines: warm compile() time grows as lines^${k(a.warm, b.warm)}, cold build as lines^${k(a.cold, b.cold)}, clang as lines^${k(a.clang, b.clang)} (1.00 = linear).`);
  }
  console.log(`cold: \`node bin/tsbpf build\` wall time; × = tsbpf cold / clang (C twin of the same functions: \`static __always_inline\` / \`__noinline\`).`);
}

// ---------------------------------------------------------------------------

const k = kernelAvailable();
if (RUN_PROGRAMS && !k.ok) {
  console.error(`bench: the kernel cannot be used here: ${k.why}`);
  process.exit(1);
}
console.log(`tsbpf benchmark — ${os.type()} ${os.release()}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), node ${process.version}`);
console.log(spawnSync(CLANG, ["--version"], { encoding: "utf8" }).stdout?.split("\n")[0] ?? `${CLANG}: not found`);
if (RUN_PROGRAMS) {
  console.error("programs:");
  const rows = await runPrograms();
  console.log();
  if (rows.length) printPrograms(rows);
}
if (RUN_SYNTH) {
  console.error("build time against source size:");
  const rows = runSynth();
  console.log("\nBuild time against source size (synthetic programs):\n");
  if (rows.length) printSynth(rows);
}
fs.rmSync(OUT, { recursive: true, force: true });
if (failures.length) {
  console.error(`\nbench: ${failures.length} failure(s):`);
  for (const f of failures) console.error(`  - ${f.what}`);
  process.exit(1);
}
