/**
 * The ts-morph project for one entry file. `import … from "tsbpf"` resolves to
 * this compiler's own runtime types wherever the entry lives, and the program
 * sees only tsbpf's minimal lib (no JavaScript runtime globals).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Project, RealFileSystemHost, ts } from "./ts-morph.js";
import type { CompilerOptions, SourceFile } from "ts-morph";
import type { Diagnostic } from "../diagnostics.js";
import { jsGlobalDiagnostic } from "./js-globals.js";
import { helperNamesUsed, helperSubset } from "./helper-subset.js";

function findRuntimeTypes(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, "runtime-types");
    if (fs.existsSync(path.join(candidate, "index.d.ts"))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error("tsbpf: runtime-types/ not found next to the compiler");
    dir = up;
  }
}

export const RUNTIME_TYPES_DIR = findRuntimeTypes();
export const RUNTIME_INDEX = path.join(RUNTIME_TYPES_DIR, "index.d.ts");
const RUNTIME_LIB = path.join(RUNTIME_TYPES_DIR, "lib.d.ts");
const RUNTIME_HELPERS = path.join(RUNTIME_TYPES_DIR, "helpers.d.ts");

export interface LoadedProgram {
  project: Project;
  entry: SourceFile;
  diagnostics: Diagnostic[];
}

/** The real file system, except that helpers.d.ts reads as `helpers` when it is set. */
class HelperSubsetHost extends RealFileSystemHost {
  helpers: string | undefined;

  override readFileSync(filePath: string, encoding?: string): string {
    if (this.helpers !== undefined && filePath === RUNTIME_HELPERS) return this.helpers;
    return super.readFileSync(filePath, encoding);
  }
}

/** How programs are checked: strict, tsbpf's own lib.d.ts instead of TypeScript's, `tsbpf` mapped to runtime-types. */
export const COMPILER_OPTIONS: CompilerOptions = {
  strict: true,
  noLib: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  types: [],
  paths: { tsbpf: [RUNTIME_INDEX] },
};

function createProject(fileSystem?: HelperSubsetHost): Project {
  const project = new Project({
    fileSystem,
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: false,
    compilerOptions: COMPILER_OPTIONS,
  });
  project.addSourceFileAtPath(RUNTIME_LIB);
  return project;
}

/**
 * TypeScript's errors in the user's files. tsbpf's own declarations are not
 * re-checked on every build (test/unit/compile.test.ts checks them): checking
 * only the user's files, which pulls in just the declarations they use, is
 * most of a cold build's type-checking time saved.
 */
function programDiagnostics(project: Project): Diagnostic[] {
  const program = project.getProgram().compilerObject;
  const files = program.getSourceFiles().filter((sf) => !isRuntimeFile(sf.fileName));
  const all = ts.sortAndDeduplicateDiagnostics([
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...files.flatMap((sf) => [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]),
  ]);
  return all.filter((d) => d.category === ts.DiagnosticCategory.Error).map((d) => jsGlobalDiagnostic(d.code, {
    code: `TS${d.code}`,
    category: "error",
    message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    file: d.file?.fileName,
    text: d.file?.text,
    start: d.start,
    length: d.length,
  } satisfies Diagnostic));
}

export function loadProgram(entryPath: string): LoadedProgram {
  return loadWithHelperSubset(entryPath) ?? loadWholeProgram(entryPath);
}

/** The program against the whole of tsbpf's declarations. */
export function loadWholeProgram(entryPath: string): LoadedProgram {
  const project = createProject();
  const entry = project.addSourceFileAtPath(path.resolve(entryPath));
  project.resolveSourceFileDependencies();
  return { project, entry, diagnostics: programDiagnostics(project) };
}

/**
 * The program against only the helpers its files name (helper-subset.ts), or
 * undefined when that does not type-check cleanly: the caller then loads the
 * whole program, so errors and their messages are always the whole file's.
 */
function loadWithHelperSubset(entryPath: string): LoadedProgram | undefined {
  const entryFile = path.resolve(entryPath);
  const texts = userTexts(entryFile);
  const names = texts && helperNamesUsed(texts);
  if (!names) return undefined;
  let helpersText: string;
  try {
    helpersText = fs.readFileSync(RUNTIME_HELPERS, "utf8"); // read each time: its layout is cached by text
  } catch {
    return undefined;
  }
  const host = new HelperSubsetHost();
  host.helpers = helperSubset(helpersText, names);
  const project = createProject(host);
  const entry = project.addSourceFileAtPath(entryFile);
  project.resolveSourceFileDependencies();
  const diagnostics = programDiagnostics(project);
  return diagnostics.length ? undefined : { project, entry, diagnostics };
}

/**
 * The texts of the user's files the entry reaches, found by TypeScript's
 * import scanner (no parse); undefined when a file names type or lib
 * references, which this does not follow. A file missed here can only leave a
 * helper out, which TypeScript then reports, and the build uses the whole file.
 */
function userTexts(entry: string): string[] | undefined {
  const texts: string[] = [];
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file) || isRuntimeFile(file)) continue;
    seen.add(file);
    const text = ts.sys.readFile(file);
    if (text === undefined) continue;
    texts.push(text);
    const info = ts.preProcessFile(text, true, true);
    if (info.typeReferenceDirectives.length || info.libReferenceDirectives.length) return undefined;
    for (const ref of info.referencedFiles) queue.push(path.resolve(path.dirname(file), ref.fileName));
    for (const imp of info.importedFiles) {
      const resolved = ts.resolveModuleName(imp.fileName, file, COMPILER_OPTIONS, ts.sys).resolvedModule;
      if (resolved) queue.push(path.resolve(resolved.resolvedFileName));
    }
  }
  return texts;
}

/**
 * Keeps one ts-morph project per entry between builds (`tsbpf build --watch`):
 * a rebuild re-reads only files whose text changed, and TypeScript reuses the
 * parsed and bound runtime declarations and unchanged sources of the previous
 * program. `loadProgram` is the one-shot equivalent.
 */
export class ProgramCache {
  private readonly projects = new Map<string, Project>();

  load(entryPath: string): LoadedProgram {
    const key = path.resolve(entryPath);
    let project = this.projects.get(key);
    if (!project) {
      // The whole file: a later edit may call any helper.
      const loaded = loadWholeProgram(key);
      this.projects.set(key, loaded.project);
      return loaded;
    }
    for (const sf of project.getSourceFiles()) {
      const file = sf.getFilePath() as string;
      if (isRuntimeFile(file)) continue;
      let text: string | undefined;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch {
        text = undefined;
      }
      if (text === sf.getFullText()) continue;
      // A changed file gets a new SourceFile rather than an in-place refresh, so nothing
      // keyed by the old one (the lowering's per-file caches) outlives its text.
      project.removeSourceFile(sf);
      if (text !== undefined) project.createSourceFile(file, text, { overwrite: true });
    }
    let entry = project.getSourceFile(key);
    if (!entry) entry = project.addSourceFileAtPath(key);
    project.resolveSourceFileDependencies();
    return { project, entry, diagnostics: programDiagnostics(project) };
  }

  /** The user's files (not tsbpf's runtime types) in the entry's program, as of the last load. */
  files(entryPath: string): string[] {
    const project = this.projects.get(path.resolve(entryPath));
    if (!project) return [path.resolve(entryPath)];
    return project.getSourceFiles().map((sf) => sf.getFilePath() as string).filter((f) => !isRuntimeFile(f));
  }

  /** Forget an entry's project (the next load starts afresh). */
  drop(entryPath: string): void {
    this.projects.delete(path.resolve(entryPath));
  }
}

/** True when a declaration comes from the `tsbpf` runtime types (a builtin). */
export function isRuntimeFile(file: string): boolean {
  return path.dirname(file) === RUNTIME_TYPES_DIR;
}
