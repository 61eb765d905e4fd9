/**
 * Diagnostics are values collected along the pipeline and printed once by the CLI.
 * Codes: TSBPF10xx front end (the subset), 11xx one JavaScript/TypeScript
 * construct outside the subset each, 12xx operations a value's type does not
 * allow, 2xxx lowering, 3xxx backend, 9xxx internal errors; TypeScript's own
 * errors keep their TSnnnn codes.
 */
import * as path from "node:path";

export interface Diagnostic {
  /** "TSBPF1003" or "TS2322". */
  code: string;
  category: "error" | "warning";
  message: string;
  /** Absolute path of the file; undefined for diagnostics without a location. */
  file?: string;
  /** Full text of the file, for the code frame. */
  text?: string;
  start?: number;
  length?: number;
}

/** Thrown inside the compiler to abort the current construct with a diagnostic. */
export class CompileError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

/** The catalogue of tsbpf's own codes: one place to see them all. */
export const Codes = {
  UnsupportedSyntax: "TSBPF1001",
  UnsupportedType: "TSBPF1002",
  /** Kept for compatibility: 1003 now means closures (Codes.Closure); prefer a specific code. */
  UnsupportedConstruct: "TSBPF1003",
  /** Function expressions, arrow functions outside program factories, nested functions. */
  Closure: "TSBPF1003",
  NotConstant: "TSBPF1004",
  BadMapDeclaration: "TSBPF1005",
  BadProgram: "TSBPF1006",
  UnknownName: "TSBPF1007",
  BadCallback: "TSBPF1008",
  Recursion: "TSBPF1009",
  BadLicense: "TSBPF1010",
  NoPrograms: "TSBPF1011",
  Narrowing: "TSBPF1012",
  BadArgument: "TSBPF1013",
  // One code per construct outside the subset (docs/language.md lists them).
  Exception: "TSBPF1101",
  Async: "TSBPF1102",
  ClassMember: "TSBPF1103",
  RuntimeString: "TSBPF1104",
  ObjectLiteral: "TSBPF1105",
  JsArray: "TSBPF1106",
  NewExpression: "TSBPF1107",
  AnyType: "TSBPF1108",
  NumberType: "TSBPF1109",
  UnionType: "TSBPF1110",
  OptionalChaining: "TSBPF1111",
  Spread: "TSBPF1112",
  Destructuring: "TSBPF1113",
  Delete: "TSBPF1114",
  RuntimeTypeTest: "TSBPF1115",
  Label: "TSBPF1116",
  ForOf: "TSBPF1117",
  Accessor: "TSBPF1118",
  Enum: "TSBPF1119",
  ModuleImport: "TSBPF1120",
  JsGlobal: "TSBPF1121",
  FloatLiteral: "TSBPF1122",
  RegExp: "TSBPF1123",
  OptionalParameter: "TSBPF1124",
  JsOperator: "TSBPF1125",
  Undefined: "TSBPF1126",
  TypeAssertion: "TSBPF1127",
  Namespace: "TSBPF1128",
  LocalDeclaration: "TSBPF1129",
  // Well-formed constructs used in a way their operands' types do not allow.
  InvalidOperation: "TSBPF1201",
  MissingReturn: "TSBPF1202",
  StackTooLarge: "TSBPF3001",
  TooManyArguments: "TSBPF3002",
  Internal: "TSBPF9001",
} as const;

export interface Span {
  file: string;
  text: string;
  start: number;
  length: number;
}

export function diag(code: string, message: string, span?: Span): Diagnostic {
  return { code, category: "error", message, ...span };
}

function lineCol(text: string, pos: number): { line: number; col: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: pos - lineStart };
}

export interface FormatOptions {
  /** Paths are printed relative to this directory (tsc prints them relative to cwd). */
  cwd?: string;
  color?: boolean;
}

/** tsc's format: `file.ts:12:5 - error TSBPF1003: message`, then a code frame. */
export function formatDiagnostic(d: Diagnostic, opts: FormatOptions = {}): string {
  const c = opts.color
    ? { red: (s: string) => `\x1b[91m${s}\x1b[0m`, cyan: (s: string) => `\x1b[96m${s}\x1b[0m`, yellow: (s: string) => `\x1b[93m${s}\x1b[0m`, grey: (s: string) => `\x1b[90m${s}\x1b[0m`, inv: (s: string) => `\x1b[7m${s}\x1b[0m` }
    : { red: (s: string) => s, cyan: (s: string) => s, yellow: (s: string) => s, grey: (s: string) => s, inv: (s: string) => s };
  const category = d.category === "error" ? c.red("error") : c.yellow("warning");
  const head = `${category} ${c.grey(d.code + ":")} ${d.message}`;
  if (d.file === undefined || d.text === undefined || d.start === undefined) return head;
  const rel = path.relative(opts.cwd ?? process.cwd(), d.file) || d.file;
  const { line, col } = lineCol(d.text, d.start);
  const lines = d.text.split("\n");
  const src = (lines[line] ?? "").replace(/\r$/, "");
  const gutter = String(line + 1);
  const len = Math.max(1, Math.min(d.length ?? 1, src.length - col));
  const frame =
    `${c.inv(gutter)} ${src}\n` +
    `${c.inv(" ".repeat(gutter.length))} ${" ".repeat(col)}${c.red("~".repeat(len))}`;
  return `${c.cyan(rel)}:${c.yellow(String(line + 1))}:${c.yellow(String(col + 1))} - ${head}\n\n${frame}\n`;
}
