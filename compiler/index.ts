/** compile(entry) → { object, diagnostics }: the whole pipeline, one way. */
import * as fs from "node:fs";
import * as path from "node:path";
import { Codes, CompileError, diag, type Diagnostic } from "./diagnostics.js";
import { loadProgram, ProgramCache, type LoadedProgram } from "./frontend/project.js";
import { ModuleContext } from "./lower/module.js";
import type { ModuleIR } from "./ir/module.js";
import { selectFunction, type MachineFunction } from "./backend/select.js";
import { emitObject } from "./object/emit.js";
import { optimize } from "./opt/index.js";

export interface CompileOptions {
  /** Directory that line_info file names are relative to (default: nearest package.json's directory, else the entry's). */
  projectRoot?: string;
  /** The kernel BTF that `@btf` types are laid out from (default /sys/kernel/btf/vmlinux). */
  btf?: string;
}

export interface LowerResult { module?: ModuleIR; diagnostics: Diagnostic[] }

export function findProjectRoot(entry: string): string {
  let dir = path.dirname(path.resolve(entry));
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.dirname(path.resolve(entry));
    dir = up;
  }
}

/** Front end and lowering: TypeScript → ModuleIR. */
export function lowerEntry(entry: string, options: CompileOptions = {}, load: (entry: string) => LoadedProgram = loadProgram): LowerResult {
  if (!fs.existsSync(entry)) return { diagnostics: [diag(Codes.UnknownName, `File not found: ${entry}`)] };
  const loaded = load(entry);
  if (loaded.diagnostics.length) return { diagnostics: loaded.diagnostics };
  const root = options.projectRoot ?? findProjectRoot(entry);
  const rel = path.relative(root, path.resolve(entry)).split(path.sep).join("/");
  const ctx = new ModuleContext(loaded.entry, rel, options.btf);
  try {
    const module = ctx.lower();
    if (ctx.diagnostics.length) return { diagnostics: ctx.diagnostics };
    return { module, diagnostics: [] };
  } catch (err) {
    if (err instanceof CompileError) return { diagnostics: [...ctx.diagnostics, err.diagnostic] };
    throw err;
  }
}

export interface CompileResult {
  /** The ELF object; undefined when there are errors. */
  object?: Uint8Array;
  diagnostics: Diagnostic[];
  module?: ModuleIR;
  code?: Map<string, MachineFunction>;
}

/** The whole pipeline: TypeScript → checked AST → IR → BPF → BTF/ELF bytes. */
export function compile(entry: string, options: CompileOptions = {}): CompileResult {
  return compileWith(loadProgram, entry, options);
}

/**
 * A compiler that keeps each entry's TypeScript project between builds
 * (`tsbpf build --watch`): `compile` gives the same result as the one-shot
 * `compile(entry)`, re-reading only what changed on disk.
 */
export interface CompilerSession {
  compile(entry: string, options?: CompileOptions): CompileResult;
  /** The user's source files the entry's last build read (the files to watch). */
  files(entry: string): string[];
}

export function createCompilerSession(): CompilerSession {
  const cache = new ProgramCache();
  return {
    compile(entry: string, options: CompileOptions = {}): CompileResult {
      const result = compileWith((e) => cache.load(e), entry, options);
      // An internal error may leave the project in any state: start afresh next time.
      if (result.diagnostics.some((d) => d.code === Codes.Internal)) cache.drop(entry);
      return result;
    },
    files: (entry: string) => cache.files(entry),
  };
}

function compileWith(load: (entry: string) => LoadedProgram, entry: string, options: CompileOptions): CompileResult {
  try {
    const lowered = lowerEntry(entry, options, load);
    if (!lowered.module) return { diagnostics: lowered.diagnostics };
    const mod = lowered.module;
    const code = new Map<string, MachineFunction>();
    const diagnostics: Diagnostic[] = [];
    for (const f of [...mod.subprograms, ...mod.programs]) {
      try {
        code.set(f.name, selectFunction(optimize(f.fn)));
      } catch (err) {
        if (!(err instanceof CompileError)) throw err;
        diagnostics.push({ ...err.diagnostic, ...f.span });
      }
    }
    if (diagnostics.length) return { diagnostics, module: mod };
    return { object: emitObject(mod, code), diagnostics: [], module: mod, code };
  } catch (err) {
    // A compiler bug: report it as one, never as a bare stack trace.
    const msg = err instanceof Error ? err.message : String(err);
    return { diagnostics: [diag(Codes.Internal, `Internal compiler error: ${msg}. Please report it with the program that triggers it.`)] };
  }
}
