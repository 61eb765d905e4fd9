/**
 * `tsbpf build [entries…]`: one object per entry; with no entries, the
 * `"tsbpf"` field of package.json (see cli/config.ts). `--emit asm` adds the
 * disassembly (`<obj>.s`, llvm-objdump syntax with the TypeScript lines),
 * `--skeleton` the typed user-space module (`<name>.skel.ts`), `--watch`
 * rebuilds on change reusing the TypeScript projects between builds.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { compile, createCompilerSession, type CompileOptions, type CompileResult } from "../../compiler/index.js";
import { asmListing } from "../../compiler/tools/objdump.js";
import { generateSkeleton, skeletonPath } from "../../compiler/tools/skeleton.js";
import { readProjectConfig } from "../config.js";
import { reporter, shown, UsageError, writeAtomic, type Reporter } from "../output.js";

export interface BuildCliOptions {
  output?: string;
  outDir?: string;
  emit?: string[];
  skeleton?: boolean;
  watch?: boolean;
  json?: boolean;
  verbose?: boolean;
  loaderImport?: string;
}

export interface Target {
  entry: string;
  out: string;
}

export interface BuildPlan {
  targets: Target[];
  emitAsm: boolean;
  skeleton: boolean;
  compileOptions: CompileOptions;
}

function objectName(entry: string): string {
  return path.basename(entry).replace(/\.[cm]?ts$/, "") + ".bpf.o";
}

/** The asm listing's path: `wq.bpf.o` → `wq.bpf.s`. */
export function asmPath(objectPath: string): string {
  return objectPath.endsWith(".o") ? objectPath.slice(0, -2) + ".s" : objectPath + ".s";
}

/** What to build: the entries given, or the package.json configuration. Throws UsageError. */
export function planBuild(entries: string[], opts: BuildCliOptions, cwd = process.cwd()): BuildPlan {
  const emit = (opts.emit ?? []).flatMap((e) => e.split(",")).map((e) => e.trim()).filter(Boolean);
  for (const e of emit) if (e !== "asm") throw new UsageError(`--emit: unknown kind '${e}' (known: asm)`);
  if (opts.output && opts.outDir) throw new UsageError("-o and --out-dir exclude each other");
  let list = entries.map((e) => path.resolve(cwd, e));
  let outDir = opts.outDir !== undefined ? path.resolve(cwd, opts.outDir) : undefined;
  let skeleton = opts.skeleton === true;
  let emitAsm = emit.includes("asm");
  const compileOptions: CompileOptions = {};
  if (list.length === 0) {
    const cfg = readProjectConfig(cwd);
    list = cfg.entries;
    outDir ??= cfg.outDir;
    skeleton ||= cfg.skeleton;
    emitAsm ||= cfg.emitAsm;
    compileOptions.projectRoot = path.dirname(cfg.packageJson);
  }
  if (opts.output && list.length > 1) throw new UsageError("-o names one output file; use --out-dir with several entries");
  const targets = list.map((entry) => ({
    entry,
    out: opts.output ? path.resolve(cwd, opts.output) : path.join(outDir ?? path.dirname(entry), objectName(entry)),
  }));
  const seen = new Map<string, string>();
  for (const t of targets) {
    const other = seen.get(t.out);
    if (other) throw new UsageError(`${shown(other)} and ${shown(t.entry)} would both be built to ${shown(t.out)}`);
    seen.set(t.out, t.entry);
  }
  return { targets, emitAsm, skeleton, compileOptions };
}

export interface TargetResult {
  target: Target;
  ok: boolean;
  /** Milliseconds compiling, and writing the outputs. */
  compileMs: number;
  writeMs: number;
  written: string[];
}

/** Compiles and writes one target; diagnostics go to the reporter. */
export function buildTarget(
  t: Target,
  plan: BuildPlan,
  rep: Reporter,
  compileFn: (entry: string, options: CompileOptions) => CompileResult = compile,
  opts: BuildCliOptions = {},
): TargetResult {
  const t0 = performance.now();
  const result = compileFn(t.entry, plan.compileOptions);
  const t1 = performance.now();
  rep.diagnostics(result.diagnostics);
  const written: string[] = [];
  if (result.object) {
    writeAtomic(t.out, result.object);
    written.push(t.out);
    if (plan.emitAsm) {
      const s = asmPath(t.out);
      writeAtomic(s, asmListing(result.object, t.out));
      written.push(s);
    }
    if (plan.skeleton) {
      const s = skeletonPath(t.out);
      const source = path.relative(path.dirname(s), t.entry).split(path.sep).join("/");
      writeAtomic(s, generateSkeleton(result.object, t.out, { loaderImport: opts.loaderImport, source }));
      written.push(s);
    }
  }
  return { target: t, ok: result.object !== undefined, compileMs: t1 - t0, writeMs: performance.now() - t1, written };
}

function ms(n: number): string {
  return `${n.toFixed(0)} ms`;
}

function buildAll(plan: BuildPlan, opts: BuildCliOptions): number {
  const rep = reporter(opts);
  let failed = 0;
  for (const t of plan.targets) {
    const r = buildTarget(t, plan, rep, compile, opts);
    if (!r.ok) failed++;
    else if (opts.verbose) rep.note(`${shown(t.entry)} → ${r.written.map(shown).join(", ")} (compile ${ms(r.compileMs)}, write ${ms(r.writeMs)})`);
  }
  rep.flush();
  if (failed && !opts.json) rep.note(`No object was written for ${failed === 1 ? "the entry" : `the ${failed} entries`} with errors.`);
  return failed ? 1 : 0;
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

/**
 * `--watch`: builds, then rebuilds the entries whose files change until
 * SIGINT/SIGTERM (exit 0). Each entry keeps its TypeScript project between
 * builds (createCompilerSession), so a rebuild re-checks only what changed.
 */
export function watchBuild(plan: BuildPlan, opts: BuildCliOptions): Promise<number> {
  const session = createCompilerSession();
  const compileFn = (entry: string, options: CompileOptions) => session.compile(entry, options);
  const rep = reporter(opts);
  const watchers = new Map<string, fs.FSWatcher>();
  let watched = new Set<string>();
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  /** Builds; returns the status line's printer (called once the watchers are in place). */
  const run = (targets: Target[], first: boolean): (() => void) => {
    const t0 = performance.now();
    const results = targets.map((t) => buildTarget(t, plan, rep, compileFn, opts));
    const total = performance.now() - t0;
    const errors = rep.count;
    const failed = results.filter((r) => !r.ok).length;
    const what = results.filter((r) => r.ok).map((r) => shown(r.target.out)).join(", ");
    const entries = `${results.length} entr${results.length === 1 ? "y" : "ies"}`;
    return () => {
      rep.flush();
      if (failed) {
        rep.note(`[${clock()}] ${errors} error${errors === 1 ? "" : "s"}; no object written for ${failed} of ${entries}. Watching for changes.`, true);
      } else if (opts.verbose) {
        const detail = results.map((r) => `${shown(r.target.entry)} ${ms(r.compileMs)} + write ${ms(r.writeMs)}`).join("; ");
        rep.note(`[${clock()}] ${first ? "built" : "rebuilt"} ${what} in ${ms(total)} (${detail}). Watching for changes.`, true);
      } else {
        rep.note(`[${clock()}] ${first ? "built" : "rebuilt"} ${what}. Watching for changes.`, true);
      }
    };
  };

  const filesOf = (t: Target): string[] => [...new Set([t.entry, ...session.files(t.entry)])];

  const refresh = (onEvent: (dir: string, name: string | null) => void): void => {
    watched = new Set(plan.targets.flatMap(filesOf));
    const dirs = new Set([...watched].map((f) => path.dirname(f)));
    for (const [dir, w] of watchers) {
      if (!dirs.has(dir)) {
        w.close();
        watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (watchers.has(dir) || !fs.existsSync(dir)) continue;
      // Directories, not files: editors save by renaming a new file over the old one.
      const w = fs.watch(dir, { persistent: true }, (_event, name) => onEvent(dir, name ? name.toString() : null));
      w.on("error", () => {
        w.close();
        watchers.delete(dir);
      });
      watchers.set(dir, w);
    }
  };

  return new Promise((resolve) => {
    const onEvent = (dir: string, name: string | null): void => {
      const file = name ? path.join(dir, name) : undefined;
      if (file && !watched.has(file)) return;
      if (file) pending.add(file);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const changed = pending;
        pending = new Set();
        const affected = plan.targets.filter((t) => changed.size === 0 || filesOf(t).some((f) => changed.has(f)));
        const status = run(affected.length ? affected : plan.targets, false);
        refresh(onEvent);
        status();
      }, 20);
    };
    const stop = (): void => {
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(0);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    const status = run(plan.targets, true);
    refresh(onEvent);
    status();
  });
}

/** A repeatable option's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function register(program: Command, setExitCode: (code: number) => void): void {
  program
    .command("build")
    .description("compile TypeScript entries to BPF objects (no entries: the \"tsbpf\" field of package.json)")
    .argument("[entries...]", "TypeScript entry files")
    .option("-o, --output <file>", "the output object (one entry)")
    .option("--out-dir <dir>", "directory for the objects (default: next to each entry)")
    .option("--emit <kind>", "also write: asm (<object>.s: the disassembly with the TypeScript lines); repeatable, or comma-separated", collect)
    .option("--skeleton", "also write <name>.skel.ts: a typed user-space module for the object (tsbpf/loader)")
    .option("--loader-import <specifier>", "module the skeleton imports the loader from", "tsbpf/loader")
    .option("-w, --watch", "rebuild when a source file changes (Ctrl-C to stop)")
    .option("--json", "diagnostics as one JSON array on stdout")
    .option("--verbose", "print what was written and how long it took")
    .action(async (entries: string[], opts: BuildCliOptions) => {
      const plan = planBuild(entries, opts);
      setExitCode(opts.watch ? await watchBuild(plan, opts) : buildAll(plan, opts));
    });
}
