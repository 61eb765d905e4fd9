/**
 * Terminal output shared by the commands: quiet on success, colours only on a
 * TTY and never under NO_COLOR, diagnostics either tsc-style or (`--json`) as
 * one JSON array on stdout.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { formatDiagnostic, type Diagnostic } from "../compiler/diagnostics.js";

/** Colours: on a TTY, unless NO_COLOR is set (to anything but ""); FORCE_COLOR forces them elsewhere. */
export function useColor(stream: NodeJS.WriteStream = process.stderr): boolean {
  const env = process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true;
}

export interface Style {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  grey(s: string): string;
  bold(s: string): string;
}

export function style(color: boolean): Style {
  const w = (open: string) => (s: string) => (color ? `\x1b[${open}m${s}\x1b[0m` : s);
  return { red: w("91"), yellow: w("93"), green: w("92"), cyan: w("96"), grey: w("90"), bold: w("1") };
}

export interface JsonDiagnostic {
  code: string;
  category: "error" | "warning";
  message: string;
  /** Absolute path, or null for diagnostics without a location. */
  file: string | null;
  /** 1-based; null without a location. */
  line: number | null;
  column: number | null;
  length: number | null;
}

function lineCol(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: pos - lineStart + 1 };
}

export function toJson(d: Diagnostic): JsonDiagnostic {
  const located = d.file !== undefined && d.text !== undefined && d.start !== undefined;
  const lc = located ? lineCol(d.text!, d.start!) : undefined;
  return {
    code: d.code,
    category: d.category,
    message: d.message,
    file: d.file !== undefined ? path.resolve(d.file) : null,
    line: lc?.line ?? null,
    column: lc?.column ?? null,
    length: located ? (d.length ?? 0) : null,
  };
}

export interface Reporter {
  readonly json: boolean;
  readonly color: boolean;
  /** Prints diagnostics now (text) or keeps them for flush() (JSON). */
  diagnostics(ds: readonly Diagnostic[]): void;
  /** A note on stderr (suppressed in JSON mode unless `always`). */
  note(text: string, always?: boolean): void;
  /** JSON mode: writes the array of everything reported since the last flush. */
  flush(): void;
  /** Diagnostics reported since the last flush. */
  readonly count: number;
}

export function reporter(opts: { json?: boolean }): Reporter {
  const json = opts.json === true;
  const color = !json && useColor(process.stderr);
  let pending: JsonDiagnostic[] = [];
  let count = 0;
  return {
    json,
    color,
    diagnostics(ds) {
      count += ds.length;
      if (json) pending.push(...ds.map(toJson));
      else for (const d of ds) process.stderr.write(formatDiagnostic(d, { color }) + "\n");
    },
    note(text, always = false) {
      if (!json || always) process.stderr.write(text.endsWith("\n") ? text : text + "\n");
    },
    flush() {
      if (json) process.stdout.write(JSON.stringify(pending) + "\n");
      pending = [];
      count = 0;
    },
    get count() {
      return count;
    },
  };
}

/** Writes next to the target, then renames: a failed build never leaves a partial file. */
export function writeAtomic(file: string, data: Uint8Array | string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** A path as the user would type it from the current directory. */
export function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** Thrown by a command for a usage error (exit 2). */
export class UsageError extends Error {}
