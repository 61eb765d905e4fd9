/**
 * The ts-morph project for one entry file. `import … from "tsbpf"` resolves to
 * this compiler's own runtime types wherever the entry lives, and the program
 * sees only tsbpf's minimal lib (no JavaScript runtime globals).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Project, ts, type SourceFile } from "ts-morph";
import type { Diagnostic } from "../diagnostics.js";

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

export interface LoadedProgram {
  project: Project;
  entry: SourceFile;
  diagnostics: Diagnostic[];
}

export function loadProgram(entryPath: string): LoadedProgram {
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: false,
    compilerOptions: {
      strict: true,
      noLib: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      types: [],
      paths: { tsbpf: [RUNTIME_INDEX] },
    },
  });
  project.addSourceFileAtPath(RUNTIME_LIB);
  const entry = project.addSourceFileAtPath(path.resolve(entryPath));
  project.resolveSourceFileDependencies();
  const diagnostics: Diagnostic[] = project.getPreEmitDiagnostics().map((d) => {
    const sf = d.getSourceFile();
    const msg = d.getMessageText();
    return {
      code: `TS${d.getCode()}`,
      category: d.getCategory() === ts.DiagnosticCategory.Warning ? "warning" : "error",
      message: typeof msg === "string" ? msg : ts.flattenDiagnosticMessageText(d.compilerObject.messageText, "\n"),
      file: sf?.getFilePath(),
      text: sf?.getFullText(),
      start: d.getStart(),
      length: d.getLength(),
    } satisfies Diagnostic;
  }).filter((d) => d.category === "error");
  return { project, entry, diagnostics };
}

/** True when a declaration comes from the `tsbpf` runtime types (a builtin). */
export function isRuntimeFile(file: string): boolean {
  return path.dirname(file) === RUNTIME_TYPES_DIR;
}
