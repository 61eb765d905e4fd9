// The fuzzing campaign: N seeded programs through runPair, failures grouped by
// signature, the first of each group reduced to a minimal reproducer.
//
// Environment (read by fuzz.test.ts; `npm run fuzz` sets a larger count):
//   TSBPF_FUZZ_COUNT     programs to run (default 300)
//   TSBPF_FUZZ_SEED      first seed (default 1); program i uses seed + i
//   TSBPF_FUZZ_FEATURES  feature changes on top of the committed set, e.g. "+bareBigint,-switch" or "all"
//   TSBPF_FUZZ_REDUCE    how many distinct failures to reduce (default 5; 0: none)
//   TSBPF_FUZZ_REDUCE_SECONDS  time budget of one reduction (default 120)
//   TSBPF_FUZZ_OUT       directory for reproducers (default $TMPDIR/tsbpf-fuzz)

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { printC, printTs, type Program, type Ty } from "./ast.js";
import { FEATURES, generate, parseFeatures, respectsFeatures, type FeatureName, type Features } from "./gen.js";
import { reduce } from "./reduce.js";
import { GENERATOR_BUG_KINDS, runPair, type Outcome, type OutcomeKind } from "./run.js";

export interface FuzzOptions {
  count: number;
  seed: number;
  features: Features;
  /** Distinct failure signatures to reduce. */
  reduce: number;
  /** Time budget of one reduction, ms. */
  reduceMs: number;
  out: string;
  /** Progress and failures as they happen. */
  log?: (msg: string) => void;
  /** Reduction steps too. */
  verbose?: boolean;
}

export interface Failure {
  seed: number;
  outcome: Outcome;
  program: Program;
  reduced?: { program: Program; outcome: Outcome; tests: number; ms: number; ts: string; c: string; files: string };
}

export interface FuzzReport {
  options: FuzzOptions;
  byKind: Partial<Record<OutcomeKind, number>>;
  failures: Failure[];
  /** too-complex seeds (skipped) */
  skipped: number[];
  ms: number;
}

export function optionsFromEnv(env = process.env): FuzzOptions {
  const num = (v: string | undefined, d: number) => (v === undefined || v === "" ? d : Number(v));
  return {
    count: num(env.TSBPF_FUZZ_COUNT, 300),
    seed: num(env.TSBPF_FUZZ_SEED, 1),
    features: parseFeatures(env.TSBPF_FUZZ_FEATURES),
    reduce: num(env.TSBPF_FUZZ_REDUCE, 5),
    reduceMs: num(env.TSBPF_FUZZ_REDUCE_SECONDS, 120) * 1000,
    out: env.TSBPF_FUZZ_OUT || path.join(os.tmpdir(), "tsbpf-fuzz"),
  };
}

/** The features that differ from the committed defaults, as a TSBPF_FUZZ_FEATURES value. */
export function featureDelta(f: Features): string {
  return (Object.keys(FEATURES) as FeatureName[])
    .filter((k) => f[k] !== FEATURES[k])
    .map((k) => (f[k] ? `+${k}` : `-${k}`))
    .join(",");
}

export function rerunCommand(seed: number, f: Features): string {
  const delta = featureDelta(f);
  return `TSBPF_FUZZ_SEED=${seed} TSBPF_FUZZ_COUNT=1${delta ? ` TSBPF_FUZZ_FEATURES=${delta}` : ""} npx vitest run test/diff/fuzz.test.ts`;
}

const typeName = (t: Ty) => (t.kind === "bool" ? "bool" : t.name);
const typesOf = (p: Program) => Object.fromEntries(p.globals.map((g) => [g.name, typeName(g.t)]));

export const isFailure = (k: OutcomeKind) => k !== "match" && k !== "too-complex";

export async function fuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const byKind: Partial<Record<OutcomeKind, number>> = {};
  const failures: Failure[] = [];
  const skipped: number[] = [];
  for (let i = 0; i < opts.count; i++) {
    const seed = opts.seed + i;
    const g = generate(seed, opts.features);
    const o = await runPair(g.ts, g.c, { types: typesOf(g.program) });
    byKind[o.kind] = (byKind[o.kind] ?? 0) + 1;
    if (o.kind === "too-complex") skipped.push(seed);
    else if (isFailure(o.kind)) {
      failures.push({ seed, outcome: o, program: g.program });
      if (opts.verbose) log(`seed ${seed}: ${o.signature}`);
    }
    if ((i + 1) % 250 === 0) log(`${i + 1}/${opts.count} programs, ${Math.round((performance.now() - t0) / 1000)} s, ${failures.length} failures`);
  }
  // reduce the first failure of each signature (generator bugs first: they invalidate the rest)
  const firsts = new Map<string, Failure>();
  for (const f of failures) if (!firsts.has(f.outcome.signature)) firsts.set(f.outcome.signature, f);
  const order = [...firsts.values()].sort((a, b) => Number(GENERATOR_BUG_KINDS.includes(b.outcome.kind)) - Number(GENERATOR_BUG_KINDS.includes(a.outcome.kind)));
  for (const f of order.slice(0, opts.reduce)) {
    if (opts.verbose) log(`reducing seed ${f.seed} (${f.outcome.signature})`);
    const r = await reduce(f.program, f.outcome, (p) => runPair(printTs(p), printC(p), { types: typesOf(p) }), {
      log: opts.verbose ? log : undefined,
      maxMs: opts.reduceMs,
      valid: (p) => respectsFeatures(p, opts.features),
    });
    const ts = printTs(r.program), c = printC(r.program);
    const dir = path.join(opts.out, `seed-${f.seed}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "prog.ts"), ts);
    fs.writeFileSync(path.join(dir, "prog.c"), c);
    fs.writeFileSync(path.join(dir, "outcome.txt"), `${r.outcome.kind}\n${r.outcome.detail}\n\nrerun the unreduced program: ${rerunCommand(f.seed, opts.features)}\n`);
    // a fresh run for the report, with the reduced program's own files
    f.reduced = { ...r, ts, c, files: dir };
  }
  return { options: opts, byKind, failures, skipped, ms: performance.now() - t0 };
}

export function formatFailure(f: Failure, opts: FuzzOptions): string {
  const lines: string[] = [];
  lines.push(`=== seed ${f.seed}: ${f.outcome.kind} (${f.outcome.signature})`);
  lines.push(`rerun: ${rerunCommand(f.seed, opts.features)}`);
  if (f.reduced) {
    const r = f.reduced;
    lines.push(`reduced in ${r.tests} runs (${Math.round(r.ms / 1000)} s); files in ${r.files}`);
    lines.push("--- prog.ts");
    lines.push(r.ts.trimEnd());
    lines.push("--- prog.c");
    lines.push(r.c.trimEnd());
    lines.push("--- outcome");
    lines.push(r.outcome.detail.trimEnd());
  } else {
    lines.push(f.outcome.detail.split("\n").slice(0, 20).join("\n"));
  }
  return lines.join("\n");
}

export function formatReport(r: FuzzReport): string {
  const o = r.options;
  const lines: string[] = [];
  const delta = featureDelta(o.features);
  lines.push(`tsbpf vs clang: ${o.count} programs from seed ${o.seed}${delta ? ` (features ${delta})` : ""} in ${(r.ms / 1000).toFixed(1)} s`);
  lines.push(`outcomes: ${Object.entries(r.byKind).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  if (r.skipped.length) lines.push(`too complex for the verifier even from clang (skipped): seeds ${r.skipped.join(", ")}`);
  if (!r.failures.length) return lines.join("\n");
  const groups = new Map<string, number[]>();
  for (const f of r.failures) groups.set(f.outcome.signature, [...(groups.get(f.outcome.signature) ?? []), f.seed]);
  lines.push("failures by signature:");
  for (const [sig, seeds] of groups) lines.push(`  ${seeds.length} × ${sig}: seeds ${seeds.slice(0, 12).join(", ")}${seeds.length > 12 ? ", …" : ""}`);
  for (const f of r.failures.filter((x) => x.reduced)) lines.push("", formatFailure(f, o));
  return lines.join("\n");
}
