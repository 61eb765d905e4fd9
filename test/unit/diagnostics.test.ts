import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { formatDiagnostic } from "../../compiler/diagnostics.js";
import { tmpProject } from "../support/tmp.js";

const HEADER = `import { license, tc, ArrayMap, zeroed, type i32, type u32, type i64 } from "tsbpf";\nlicense("GPL");\n`;

/** Compiles `body` after a standard header; returns the first diagnostic with its 1-based line/col. */
function firstError(body: string) {
  const dir = tmpProject({ "prog.ts": HEADER + body });
  const file = path.join(dir, "prog.ts");
  const r = compile(file);
  expect(r.object).toBeUndefined();
  const d = r.diagnostics[0]!;
  const before = (HEADER + body).slice(0, d.start);
  const line = before.split("\n").length;
  const col = before.length - before.lastIndexOf("\n");
  return { code: d.code, line, col, message: d.message, text: formatDiagnostic(d, { cwd: dir }) };
}

describe("diagnostics point at the construct, tsc style", () => {
  const cases: [string, string, string, number, number][] = [
    ["number has no width", "export let x: number = 0;\nexport const p = tc((ctx): i64 => 0);\n", "TSBPF1109", 3, 15],
    ["any", "export const p = tc((ctx): i64 => { let y: any = 1; return 0; });\n", "TSBPF1108", 3, 44],
    ["closures", "export const p = tc((ctx): i64 => { const f = () => 1; return 0; });\n", "TSBPF1003", 3, 47],
    ["exceptions", "export const p = tc((ctx): i64 => { throw 1; });\n", "TSBPF1101", 3, 37],
    ["classes with methods", "class C { x: i32 = 0; m(): i32 { return 1; } }\nexport const p = tc((ctx): i64 => 0);\n", "TSBPF1103", 3, 23],
    ["run-time strings", "export const p = tc((ctx): i64 => { const s = \"a\"; return 0; });\n", "TSBPF1104", 3, 47],
    ["narrowing needs a conversion", "export let a: i64 = 0;\nexport const p = tc((ctx): i64 => { let b: i32 = a; return b; });\n", "TSBPF1012", 4, 50],
    ["async", "async function f(): Promise<i32> { return 1; }\nexport const p = tc((ctx): i64 => 0);\n", "TSBPF1102", 3, 1],
    ["module-level statements", "let z: u32 = 0;\nz = 1;\nexport const p = tc((ctx): i64 => 0);\n", "TSBPF1001", 4, 1],
    ["TypeScript's own errors keep their codes", "export const p = tc((ctx): i64 => { let q: u32 = \"x\"; return 0; });\n", "TS2322", 3, 41],
    ["recursion", "const m = new ArrayMap<u32, u32>({ maxEntries: 1 });\nfunction f(mm: ArrayMap<u32, u32>): i32 { return f(mm); }\nexport const p = tc((ctx): i64 => f(m));\n", "TSBPF1009", 4, 50],
  ];
  for (const [name, body, code, line, col] of cases) {
    it(name, () => {
      const d = firstError(body);
      expect({ code: d.code, line: d.line, col: d.col }).toEqual({ code, line, col });
      expect(d.text).toMatch(new RegExp(`^prog\\.ts:${line}:${col} - error ${code}: `));
      expect(d.text).toContain("~"); // the code frame underlines the construct
    });
  }

  it("a missing license is reported", () => {
    const dir = tmpProject({ "prog.ts": `import { tc, type i64 } from "tsbpf";\nexport const p = tc((ctx): i64 => 0);\n` });
    const r = compile(path.join(dir, "prog.ts"));
    expect(r.diagnostics.map((d) => d.code)).toEqual(["TSBPF1010"]);
  });
});

describe("recursion through BPF-to-BPF calls", () => {
  it("is reported at the function that closes the cycle", () => {
    const body = "/** @noinline */\nfunction f(n: u32): u32 { if (n === 0) return 0; return g(n - 1); }\n" +
      "/** @noinline */\nfunction g(n: u32): u32 { return f(n); }\n" +
      "export const p = tc((ctx): i64 => f(3));\n";
    const dir = tmpProject({ "prog.ts": HEADER + body });
    const r = compile(path.join(dir, "prog.ts"));
    expect(r.diagnostics.map((d) => d.code)).toEqual(["TSBPF1009"]);
    expect(r.diagnostics[0]!.message).toMatch(/'f' calls itself \(through 'g'\)/);
  });
});

describe("backend limits", () => {
  it("a stack frame over 512 bytes is reported at the program", () => {
    const body = "interface Big { v: FixedArray<u64, 70> }\nconst m = new ArrayMap<u32, Big>({ maxEntries: 1 });\n" +
      "export const p = tc((ctx): i64 => m.update(0, zeroed<Big>()));\n";
    const dir = tmpProject({ "prog.ts": HEADER.replace("type u32,", "type u32, type u64, type FixedArray,") + body });
    const r = compile(path.join(dir, "prog.ts"));
    expect(r.diagnostics.map((d) => d.code)).toEqual(["TSBPF3001"]);
    expect(r.diagnostics[0]!.message).toMatch(/needs 5\d\d bytes of stack; BPF allows 512/);
    expect(r.diagnostics[0]!.start).toBe((HEADER.replace("type u32,", "type u32, type u64, type FixedArray,") + body).indexOf("p = tc"));
  });

  it("more than five parameters is reported at the sixth", () => {
    const d = firstError("/** @noinline */\nfunction f(a: u32, b: u32, c: u32, d: u32, e: u32, g: u32): u32 { return a; }\nexport const p = tc((ctx): i64 => f(1, 2, 3, 4, 5, 6));\n");
    expect(d.code).toBe("TSBPF3002");
    expect(d.line).toBe(4);
  });

  it("object literals are JavaScript values", () => {
    const d = firstError("export const p = tc((ctx): i64 => { const o = { a: 1 }; return 0; });\n");
    expect(d.code).toBe("TSBPF1105");
  });
});
