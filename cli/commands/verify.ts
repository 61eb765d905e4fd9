/**
 * `tsbpf verify <entry.ts|object>`: loads the object into the running kernel
 * (libbpf; root or CAP_BPF), and when the verifier rejects a program, reports
 * the complaint at the source line of the failing instruction, with a code
 * frame and, for the common failures, a hint in TypeScript terms.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { compile, findProjectRoot } from "../../compiler/index.js";
import type { Diagnostic } from "../../compiler/diagnostics.js";
import { readElf } from "../../compiler/elf/reader.js";
import { readObjectBtf, type LineRecord } from "../../compiler/tools/lineinfo.js";
import { LOAD_FAILED, VERIFIER_REJECTED, locateInsn, parseLoadLog, verifierHint, type VerifierFailure } from "../../compiler/tools/verifier.js";
import { BpfObject, LoadError, bpfAvailable } from "../../loader/index.js";
import { reporter, style, writeAtomic, type Reporter } from "../output.js";

export interface VerifyCliOptions {
  json?: boolean;
  verbose?: boolean;
  log?: string;
}

/** The text of `file` and the offset of line:col in it, when the file on disk still has that line. */
function sourceSpan(rec: LineRecord, roots: string[]): { file: string; text: string; start: number; length: number } {
  const candidates = path.isAbsolute(rec.file) ? [rec.file] : roots.map((r) => path.resolve(r, rec.file));
  const col = Math.max(rec.col, 1);
  for (const file of candidates) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    const lines = text.split("\n");
    const lineText = (lines[rec.line - 1] ?? "").replace(/\r$/, "");
    if (rec.text && lineText.trim() !== rec.text.trim()) continue; // the file changed since the build
    let start = 0;
    for (let i = 0; i < rec.line - 1; i++) start += lines[i]!.length + 1;
    return { file, text, start: start + col - 1, length: Math.max(1, lineText.trimEnd().length - (col - 1)) };
  }
  // The file is not here: a frame from the line text recorded in BTF.
  const text = "\n".repeat(rec.line - 1) + rec.text;
  return { file: path.resolve(roots[0] ?? ".", rec.file), text, start: rec.line - 1 + col - 1, length: Math.max(1, rec.text.trimEnd().length - (col - 1)) };
}

/** The diagnostic for a verifier rejection (exported for tests). */
export function rejectionDiagnostic(bytes: Uint8Array, failure: VerifierFailure, roots: string[]): { diagnostic: Diagnostic; hint?: string; line?: LineRecord } {
  const elf = readElf(bytes);
  const { lines } = readObjectBtf(elf);
  let rec: LineRecord | undefined;
  if (failure.program !== undefined && failure.insn !== undefined) rec = locateInsn(elf, lines, failure.program, failure.insn)?.line;
  if (!rec && failure.kernelLine?.file && failure.kernelLine.line) {
    rec = { insn: failure.insn ?? 0, file: failure.kernelLine.file, line: failure.kernelLine.line, col: 0, text: failure.kernelLine.text };
  }
  const hint = verifierHint(failure.message, failure.details);
  const message = `The verifier rejected program '${failure.program ?? "?"}': ${failure.message}`;
  const diagnostic: Diagnostic = { code: VERIFIER_REJECTED, category: "error", message };
  if (rec) Object.assign(diagnostic, sourceSpan(rec, roots));
  return { diagnostic, hint, line: rec };
}

function objectName(file: string): string {
  return path.basename(file).replace(/\.[cm]?ts$/, "").replace(/(\.bpf)?\.o$/, "");
}

export function verify(file: string, opts: VerifyCliOptions): number {
  const rep = reporter(opts);
  let bytes: Uint8Array;
  let roots: string[];
  if (/\.[cm]?ts$/.test(file)) {
    const r = compile(file);
    rep.diagnostics(r.diagnostics);
    if (!r.object) {
      rep.flush();
      return 1;
    }
    bytes = r.object;
    roots = [findProjectRoot(file), path.dirname(path.resolve(file)), process.cwd()];
  } else {
    try {
      bytes = fs.readFileSync(file);
    } catch (err) {
      rep.note(`tsbpf verify: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? `${file}: no such file` : (err as Error).message}`, true);
      rep.flush();
      return 1;
    }
    roots = [process.cwd(), path.dirname(path.resolve(file)), findProjectRoot(file)];
  }
  const avail = bpfAvailable();
  if (!avail.ok) {
    rep.note(`tsbpf verify: cannot load programs into this kernel: ${avail.why}`, true);
    rep.flush();
    return 1;
  }
  let obj: BpfObject | undefined;
  try {
    obj = BpfObject.open(bytes, { name: objectName(file) });
    obj.load();
    if (opts.verbose) {
      for (const p of obj.programs()) {
        const info = p.info();
        rep.note(`${p.name} (${p.section}): verified, ${info.verifiedInsns} instructions processed, ${info.xlatedInsns} after load`);
      }
    }
    if (opts.log) writeAtomic(opts.log, obj.log);
    rep.flush();
    return 0;
  } catch (err) {
    if (!(err instanceof LoadError)) throw err;
    if (opts.log) writeAtomic(opts.log, err.log);
    const failure = parseLoadLog(err.log);
    if (!failure) {
      const why = err.warnings.split("\n").filter((l) => l.trim() !== "").map((l) => l.replace(/^libbpf: /, "")).join("\n  ");
      rep.diagnostics([{ code: LOAD_FAILED, category: "error", message: `${err.message}${why ? `\n  ${why}` : ""}` }]);
      rep.flush();
      return 1;
    }
    report(rep, rejectionDiagnostic(bytes, failure, roots), failure, opts);
    rep.flush();
    return 1;
  } finally {
    obj?.close();
  }
}

function report(rep: Reporter, r: ReturnType<typeof rejectionDiagnostic>, failure: VerifierFailure, opts: VerifyCliOptions): void {
  if (rep.json) {
    rep.diagnostics([{ ...r.diagnostic, message: r.hint ? `${r.diagnostic.message}\nhint: ${r.hint}` : r.diagnostic.message }]);
    return;
  }
  rep.diagnostics([r.diagnostic]);
  const s = style(rep.color);
  const out: string[] = [];
  if (r.hint) out.push(`  ${s.cyan("hint:")} ${r.hint}`);
  if (failure.insnText) out.push(`  ${s.grey("verifier:")} ${failure.insnText}`);
  for (const d of failure.details.slice(0, 3)) out.push(`            ${d}`);
  if (opts.verbose) out.push("", "The verifier's log:", failure.verifierLog);
  else out.push(s.grey(`  (tsbpf verify --verbose prints the whole verifier log${opts.log ? "" : "; --log <file> saves it"})`));
  rep.note(out.join("\n") + "\n");
}

export function register(program: Command, setExitCode: (code: number) => void): void {
  program
    .command("verify")
    .description("load an object (or a .ts entry, compiled first) into the kernel and report verifier rejections at source lines")
    .argument("<file>", "a TypeScript entry or an ELF object")
    .option("--json", "diagnostics as one JSON array on stdout")
    .option("--verbose", "print each program's verification figures, or the whole verifier log on rejection")
    .option("--log <file>", "write libbpf's complete output, verifier log included, to this file")
    .action((file: string, opts: VerifyCliOptions) => {
      setExitCode(verify(file, opts));
    });
}
