/**
 * Type-checks generated declarations the way the compiler checks programs
 * (strict, tsbpf's own lib.d.ts instead of TypeScript's, `tsbpf` mapped to
 * runtime-types/index.d.ts), for `tsbpf vmlinux --check` and the tests.
 */
import * as path from "node:path";
import { ts } from "../frontend/ts-morph.js";
import type { ts as TS } from "ts-morph";
import { COMPILER_OPTIONS, RUNTIME_TYPES_DIR } from "../frontend/project.js";

export const CHECK_OPTIONS: TS.CompilerOptions = { ...COMPILER_OPTIONS, skipLibCheck: false };

/** tsc-style messages for every error in `files` (and what they import); empty when they check. */
export function typecheckFiles(files: readonly string[], extra: TS.CompilerOptions = {}): string[] {
  const options = { ...CHECK_OPTIONS, ...extra };
  const program = ts.createProgram([path.join(RUNTIME_TYPES_DIR, "lib.d.ts"), ...files], options);
  const host: TS.FormatDiagnosticsHost = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => "\n",
  };
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map((d) => ts.formatDiagnostic(d, host).trimEnd());
}
