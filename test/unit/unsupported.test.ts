/**
 * Every construct outside the subset has its own TSBPF code, reported once, at
 * the construct, with a message that says what to write instead — and nothing
 * outside the subset gets an internal error or a crash.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { Codes, formatDiagnostic } from "../../compiler/diagnostics.js";
import { tmpProject } from "../support/tmp.js";

const HEADER =
  `import { license, tc, ArrayMap, HashMap, zeroed, type i32, type u32, type i64, type u64, type FixedArray } from "tsbpf";\n` +
  `license("GPL");\n`;
const TC = "export const p = tc((ctx): i64 => ";

interface Case {
  /** The program after HEADER. */
  body: string;
  code: string;
  /** The diagnostic starts at the first occurrence of this text in the body (after `after`, if given). */
  at: string;
  after?: string;
  /** Other files of the project. */
  files?: Record<string, string>;
}

const CASES: Record<string, Case> = {
  "closures that capture": { body: `${TC}{ let a: i32 = 1; const f = (): i32 => a; return 0; });\n`, code: "TSBPF1003", at: "(): i32 => a" },
  "nested functions": { body: `${TC}{ function g(): i32 { return 1; } return 0; });\n`, code: "TSBPF1003", at: "function g" },
  "throw": { body: `${TC}{ throw 1; });\n`, code: Codes.Exception, at: "throw" },
  "try/finally": { body: `${TC}{ try { return 1; } finally { } });\n`, code: Codes.Exception, at: "try" },
  "async functions": { body: `async function f(): Promise<i32> { return 1; }\n${TC}0);\n`, code: Codes.Async, at: "async" },
  "generators": { body: `function* g(): Generator<i32> { yield 1; }\n${TC}0);\n`, code: Codes.Async, at: "function*" },
  "class methods": { body: `class C { x: i32 = 0; m(): i32 { return 1; } }\n${TC}0);\n`, code: Codes.ClassMember, at: "m()" },
  "class constructors": { body: `class C { x: i32 = 0; constructor() { } }\n${TC}0);\n`, code: Codes.ClassMember, at: "constructor" },
  "static members": { body: `class C { static x: i32 = 0; }\n${TC}0);\n`, code: Codes.ClassMember, at: "static" },
  "class inheritance": { body: `class A { x: i32 = 0 }\nclass B extends A { y: i32 = 0 }\n${TC}{ const b = zeroed<B>(); return b.y; });\n`, code: Codes.ClassMember, at: "A {", after: "extends " },
  "interface methods": { body: `interface S { a: i32; f(): i32 }\n${TC}{ const s = zeroed<S>(); return s.a; });\n`, code: Codes.ClassMember, at: "f()" },
  "this parameters": { body: `interface S { a: i32 }\nfunction f(this: S): i32 { return 0; }\n${TC}0);\n`, code: Codes.ClassMember, at: "this: S" },
  "getters in classes": { body: `class C { x: i32 = 0; get y(): i32 { return 1; } }\n${TC}0);\n`, code: Codes.Accessor, at: "get y" },
  "setters in interfaces": { body: `interface S { a: i32; set b(v: i32) }\n${TC}{ const s = zeroed<S>(); return s.a; });\n`, code: Codes.Accessor, at: "set b" },
  "string literals": { body: `${TC}{ const s = "a"; return 0; });\n`, code: Codes.RuntimeString, at: `"a"` },
  "template literals": { body: `${TC}{ const n: i32 = 1; const s = \`a\${n}\`; return 0; });\n`, code: Codes.RuntimeString, at: "`a" },
  "tagged templates": { body: `function t(s: TemplateStringsArray): i32 { return 0; }\n${TC}{ const x = t\`x\`; return 0; });\n`, code: Codes.RuntimeString, at: "t`x`" },
  "the string type": { body: `${TC}{ let s: string = "a"; return 0; });\n`, code: Codes.RuntimeString, at: "string" },
  "object literals": { body: `${TC}{ const o = { a: 1 }; return 0; });\n`, code: Codes.ObjectLiteral, at: "{ a: 1 }" },
  "object spread": { body: `interface S { a: i32 }\n${TC}{ const s = zeroed<S>(); const t: S = { ...s }; return t.a; });\n`, code: Codes.ObjectLiteral, at: "{ ...s }" },
  "array literals": { body: `${TC}{ const a = [1, 2]; return 0; });\n`, code: Codes.JsArray, at: "[1, 2]" },
  "JavaScript array types": { body: `function f(a: i32[]): i32 { return 0; }\n${TC}{ return f(zeroed<FixedArray<i32, 2>>()); });\n`, code: Codes.JsArray, at: "i32[]" },
  "tuple types": { body: `${TC}{ let t: [i32, i32] = zeroed<[i32, i32]>(); return 0; });\n`, code: Codes.JsArray, at: "[i32, i32]" },
  "new outside map declarations": { body: `class C { x: i32 = 0 }\n${TC}{ const c = new C(); return c.x; });\n`, code: Codes.NewExpression, at: "new C()" },
  "maps created inside a program": { body: `${TC}{ const m = new ArrayMap<u32, u32>({ maxEntries: 1 }); return 0; });\n`, code: Codes.NewExpression, at: "new ArrayMap" },
  "any": { body: `${TC}{ let y: any = 1; return 0; });\n`, code: Codes.AnyType, at: "any" },
  "number": { body: `export let x: number = 0;\n${TC}0);\n`, code: Codes.NumberType, at: "number" },
  "bigint": { body: `${TC}{ let y: bigint = 1n; return 0; });\n`, code: Codes.NumberType, at: "bigint" },
  "unions": { body: `${TC}{ let y: i32 | u64 = 1; return 0; });\n`, code: Codes.UnionType, at: "i32 | u64" },
  "optional chaining": { body: `const m = new HashMap<u32, u32>({ maxEntries: 1 });\n${TC}{ const v = m.lookup(0); if (v?.value === 1) return 1; return 0; });\n`, code: Codes.OptionalChaining, at: "v?.value" },
  "optional chaining on a struct": { body: `interface S { a: i32 }\n${TC}{ const s = zeroed<S>(); return s?.a; });\n`, code: Codes.OptionalChaining, at: "s?.a" },
  "optional calls": { body: `function f(): i32 { return 1; }\n${TC}f?.());\n`, code: Codes.OptionalChaining, at: "f?.()" },
  "nullish coalescing": { body: `const m = new HashMap<u32, u32>({ maxEntries: 1 });\n${TC}{ const v = m.lookup(0); const w = v ?? null; return 0; });\n`, code: Codes.OptionalChaining, at: "??" },
  "rest parameters": { body: `function f(...a: i32[]): i32 { return 0; }\n${TC}f(1));\n`, code: Codes.Spread, at: "...a" },
  "destructuring": { body: `interface S { a: i32 }\n${TC}{ const { a } = zeroed<S>(); return a; });\n`, code: Codes.Destructuring, at: "{ a }" },
  "destructuring parameters": { body: `interface S { a: i32 }\nfunction f({ a }: S): i32 { return a; }\n${TC}f(zeroed<S>()));\n`, code: Codes.Destructuring, at: "{ a }" },
  "delete": { body: `interface S { a?: i32 }\n${TC}{ const s = zeroed<S>(); delete s.a; return 0; });\n`, code: Codes.Delete, at: "delete" },
  "typeof at run time": { body: `${TC}{ const a: i32 = 1; if (typeof a === "number") return 1; return 0; });\n`, code: Codes.RuntimeTypeTest, at: "typeof" },
  "instanceof": { body: `class C { x: i32 = 0 }\n${TC}{ const c = zeroed<C>(); if (c instanceof C) return 1; return 0; });\n`, code: Codes.RuntimeTypeTest, at: "instanceof" },
  "in": { body: `interface S { a: i32 }\n${TC}{ const s = zeroed<S>(); if ("a" in s) return 1; return 0; });\n`, code: Codes.RuntimeTypeTest, at: "in s" },
  "labelled loops": { body: `${TC}{ outer: for (let i: i32 = 0; i < 3; i++) { break outer; } return 0; });\n`, code: Codes.Label, at: "outer:" },
  "labelled blocks": { body: `${TC}{ blk: { } return 0; });\n`, code: Codes.Label, at: "blk:" },
  "for…of": { body: `${TC}{ const a = zeroed<FixedArray<i32, 2>>(); for (const x of a) { } return 0; });\n`, code: Codes.ForOf, at: "for (const x" },
  "for…in": { body: `interface S { a: i32 }\n${TC}{ const s = zeroed<S>(); for (const k in s) { } return 0; });\n`, code: Codes.ForOf, at: "for (const k" },
  "enums": { body: `enum E { A, B }\n${TC}0);\n`, code: Codes.Enum, at: "enum" },
  "const enums, used": { body: `const enum E { A = 1, B = 2 }\n${TC}E.A);\n`, code: Codes.Enum, at: "const enum" },
  "imports of other modules": { body: `import { q } from "./other.js";\n${TC}0);\n`, files: { "other.ts": "export const q = 1;\n" }, code: Codes.ModuleImport, at: "import { q }" },
  "re-exports": { body: `export * from "./other.js";\n${TC}0);\n`, files: { "other.ts": "export const q = 1;\n" }, code: Codes.ModuleImport, at: "export *" },
  "eval": { body: `${TC}{ eval("1"); return 0; });\n`, code: Codes.JsGlobal, at: "eval" },
  "Math": { body: `${TC}Math.max(1, 2));\n`, code: Codes.JsGlobal, at: "Math" },
  "console": { body: `${TC}{ console.log(1); return 0; });\n`, code: Codes.JsGlobal, at: "console" },
  "JSON": { body: `${TC}{ JSON.stringify(1); return 0; });\n`, code: Codes.JsGlobal, at: "JSON" },
  "floating-point literals": { body: `${TC}{ const a: i32 = 1.5; return 0; });\n`, code: Codes.FloatLiteral, at: "1.5" },
  "regular expressions": { body: `${TC}{ const r = /a/; return 0; });\n`, code: Codes.RegExp, at: "/a/" },
  "optional parameters": { body: `function f(a: i32, b?: i32): i32 { return a; }\n${TC}f(1));\n`, code: Codes.OptionalParameter, at: "?" },
  "default parameters": { body: `function f(a: i32, b: i32 = 2): i32 { return a + b; }\n${TC}f(1));\n`, code: Codes.OptionalParameter, at: "2", after: "b: i32 = " },
  "==": { body: `${TC}{ const a: i32 = 2; if (a == 2) return 1; return 0; });\n`, code: Codes.JsOperator, at: "==" },
  "**": { body: `${TC}{ const a: i32 = 2; return a ** 2; });\n`, code: Codes.JsOperator, at: "**" },
  ">>>": { body: `${TC}{ const a: i32 = 2; return a >>> 1; });\n`, code: Codes.JsOperator, at: ">>>" },
  "void": { body: `${TC}{ void 0; return 0; });\n`, code: Codes.JsOperator, at: "void" },
  "undefined": { body: `${TC}{ const a = undefined; return 0; });\n`, code: Codes.Undefined, at: "undefined" },
  "type assertions": { body: `${TC}{ const a: i32 = 1; return a as i64; });\n`, code: Codes.TypeAssertion, at: "a as" },
  "satisfies": { body: `${TC}{ const a: i32 = 1; const b = a satisfies i32; return 0; });\n`, code: Codes.TypeAssertion, at: "a satisfies" },
  "namespaces": { body: `namespace N { export const a = 1; }\n${TC}0);\n`, code: Codes.Namespace, at: "namespace" },
  "local type declarations": { body: `${TC}{ interface L { a: i32 } return 0; });\n`, code: Codes.LocalDeclaration, at: "interface L" },
  "statements at module level": { body: `let z: u32 = 0;\nz = 1;\n${TC}0);\n`, code: Codes.UnsupportedSyntax, at: "z = 1" },
  "recursion": { body: `function f(n: u32): u32 { return f(n); }\n${TC}f(1));\n`, code: Codes.Recursion, at: "f(n)" },
  "more than five parameters": { body: `/** @noinline */\nfunction f(a: u32, b: u32, c: u32, d: u32, e: u32, g: u32): u32 { return a; }\n${TC}f(1, 2, 3, 4, 5, 6));\n`, code: Codes.TooManyArguments, at: "g: u32" },
  "stack over 512 bytes": { body: `interface Big { v: FixedArray<u64, 70> }\nconst m = new ArrayMap<u32, Big>({ maxEntries: 1 });\n${TC}m.update(0, zeroed<Big>()));\n`, code: Codes.StackTooLarge, at: "p = tc" },
  "implicit narrowing": { body: `export let a: i64 = 0;\n${TC}{ let b: i32 = a; return b; });\n`, code: Codes.Narrowing, at: "a; return" },
};

function lineCol(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos);
  return { line: before.split("\n").length, col: pos - before.lastIndexOf("\n") };
}

describe("each construct outside the subset has its own code, at the construct", () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      const src = HEADER + c.body;
      const dir = tmpProject({ "prog.ts": src, ...c.files });
      const r = compile(path.join(dir, "prog.ts"));
      expect(r.object).toBeUndefined();
      expect(r.diagnostics.map((d) => d.code)).toEqual([c.code]);
      const d = r.diagnostics[0]!;
      const from = c.after ? src.indexOf(c.after) + c.after.length : HEADER.length;
      const want = src.indexOf(c.at, from);
      expect(want).toBeGreaterThanOrEqual(HEADER.length);
      expect(lineCol(src, d.start!)).toEqual(lineCol(src, want));
      const { line, col } = lineCol(src, want);
      const text = formatDiagnostic(d, { cwd: dir });
      expect(text).toMatch(new RegExp(`^prog\\.ts:${line}:${col} - error ${c.code}: \\S`));
      expect(text).toContain("~"); // the code frame underlines the construct
    });
  }

  it("every code in the catalogue is distinct, except the compatibility alias", () => {
    const entries = Object.entries(Codes).filter(([k]) => k !== "UnsupportedConstruct");
    expect(new Set(entries.map(([, v]) => v)).size).toBe(entries.length);
  });

  it("docs/language.md lists every code", () => {
    const doc = fs.readFileSync(path.resolve(import.meta.dirname, "../../docs/language.md"), "utf8");
    for (const code of new Set(Object.values(Codes))) expect(doc).toContain(`| ${code} |`);
  });
});

/** Odd TypeScript, valid or not: the compiler answers with an object or located diagnostics, never an internal error. */
const WEIRD: string[] = [
  `${TC}{ let a: i32 = 0; a = (1, 2); return a; });\n`,
  `${TC}{ debugger; return 0; });\n`,
  `${TC}{ var a: i32 = 1; return a; });\n`,
  `${TC}{ return; });\n`,
  `${TC}{ });\n`,
  `${TC}{ let a: u32; return a; });\n`,
  `${TC}{ const a = null; return 0; });\n`,
  `${TC}{ let a: i32 = 1; a &&= 2; return a; });\n`,
  `${TC}{ let a: i32 = 1; a ??= 2; return a; });\n`,
  `${TC}{ let a: u32 = 1; a >>>= 2; return a; });\n`,
  `${TC}{ let a: i32 = 1; a **= 2; return a; });\n`,
  `${TC}{ const a = zeroed<FixedArray<i32, 2>>(); return a[5]; });\n`,
  `${TC}{ const a = zeroed<FixedArray<i32, 2>>(); a.length = 3; return 0; });\n`,
  `${TC}{ const a: i32 = 0x7fffffffffffffffffff; return 0; });\n`,
  `${TC}{ const a: u64 = 0xffffffffffffffffffn; return 0; });\n`,
  `${TC}{ const a: i32 = 1e3; return a; });\n`,
  `${TC}{ const a: i32 = 08; return a; });\n`,
  `${TC}{ return ctx; });\n`,
  `${TC}{ const c = ctx; c.mark = 1; return c.len; });\n`,
  `${TC}{ return ctx.nosuchfield; });\n`,
  `${TC}{ return (ctx as any).len; });\n`,
  `${TC}{ let f = p; return 0; });\n`,
  `${TC}p);\n`,
  `${TC}{ return zeroed<u32>(); });\n`,
  `${TC}{ return zeroed(); });\n`,
  `${TC}{ switch (1) { case 1: case 1: return 1; } return 0; });\n`,
  `${TC}{ switch (ctx) { default: return 0; } });\n`,
  `${TC}{ for (;;) { } });\n`,
  `${TC}{ while (true) { break; } return 0; });\n`,
  `${TC}{ if (ctx) return 1; return 0; });\n`,
  `${TC}{ return !ctx ? 1 : 0; });\n`,
  `${TC}{ return ctx === ctx ? 1 : 0; });\n`,
  `${TC}{ return -ctx; });\n`,
  `${TC}{ const m = HashMap; return 0; });\n`,
  `${TC}{ return license("GPL"); });\n`,
  `${TC}{ return tc; });\n`,
  `const m = new HashMap<u32, u32>({ maxEntries: 0 });\n${TC}0);\n`,
  `const m = new HashMap<u32, u32>({ maxEntries: -1 });\n${TC}0);\n`,
  `const m = new HashMap<u32, u32>();\n${TC}0);\n`,
  `const m = new HashMap<u32, u32>({ maxEntries: 1 });\n${TC}{ m.update(1, 2, 3, 4); return 0; });\n`,
  `const m = new HashMap<u32, u32>({ maxEntries: 1 });\n${TC}{ const v = m.lookup(0); return v.value; });\n`,
  `const m = new HashMap<u32, u32>({ maxEntries: 1 });\n${TC}{ return m; });\n`,
  `const m = new HashMap<u32, u32>({ maxEntries: 1 });\n${TC}{ return m < m ? 1 : 0; });\n`,
  `const m = new HashMap<u32, u32>({ maxEntries: 1 });\n${TC}{ m = m; return 0; });\n`,
  `interface S { s: S }\n${TC}{ const s = zeroed<S>(); return 0; });\n`,
  `interface S<T> { a: T }\n${TC}{ const s = zeroed<S<i32>>(); return 0; });\n`,
  `interface S { a: i32 }\n${TC}{ const s = zeroed<S>(); s = zeroed<S>(); return 0; });\n`,
  `interface S { a: i32 }\n${TC}{ const s = zeroed<S>(); const t: S = s; t.a = 1; return s.a; });\n`,
  `interface S { a: FixedArray<i32, 0> }\n${TC}0);\n`,
  `type T = i32;\n${TC}{ const a: T = 1; return a; });\n`,
  `function f(): void { }\n${TC}{ const x = f(); return 0; });\n`,
  `function f(): i32 { }\n${TC}f());\n`,
  `function f(a: i32): i32 { return a; }\n${TC}f(f));\n`,
  `declare function f(): i32;\n${TC}f());\n`,
  `function f(): i32;\nfunction f(): i32 { return 1; }\n${TC}f());\n`,
  `export default 1;\n${TC}0);\n`,
  `export const p = tc();\n`,
  `export const p = tc(1);\n`,
  `export const p = tc(function (ctx): i64 { return 0; });\n`,
  `export const p = tc(async (ctx): Promise<i64> => 0);\n`,
  `export const p = tc((ctx, x): i64 => 0);\n`,
  `export const p = tc((...ctx): i64 => 0);\n`,
  `export const p = tc(({ len }): i64 => len);\n`,
  `export const p = tc((ctx = 1): i64 => 0);\n`,
  `license("GPL");\n${TC}0);\n`,
  `${TC}0);\n${TC}1);\n`,
  `export const q = 1;\n`,
  ``,
  `;;;\n${TC}0);\n`,
  `label: ${TC}0);\n`,
  `{ }\n${TC}0);\n`,
  `if (1) { }\n${TC}0);\n`,
  `@dec class C { x: i32 = 0 }\n${TC}0);\n`,
  `abstract class C { x: i32 = 0 }\n${TC}{ const c = zeroed<C>(); return c.x; });\n`,
  `class C { #x: i32 = 0 }\n${TC}{ const c = zeroed<C>(); return 0; });\n`,
  `class C { [k: string]: i32 }\n${TC}{ const c = zeroed<C>(); return 0; });\n`,
  `interface S { (x: i32): i32 }\n${TC}{ const s = zeroed<S>(); return 0; });\n`,
  `interface S { [k: string]: i32 }\n${TC}{ const s = zeroed<S>(); return 0; });\n`,
  `interface S { a: i32 } interface S { b: i32 }\n${TC}{ const s = zeroed<S>(); return s.b; });\n`,
  `${TC}{ return <i64>1; });\n`,
  `${TC}{ return ctx!.len; });\n`,
  `${TC}{ for (let i: i32 = 0; i < 10; i++) { continue; } return 0; });\n`,
  `${TC}{ let i: i32 = 0; do { i++; } while (i < 3); return i; });\n`,
  `${TC}{ return import.meta; });\n`,
  `${TC}{ return new.target; });\n`,
  `${TC}{ return super.x; });\n`,
  `${TC}{ const a = \`x\`; return 0; });\n`,
  `${TC}{ return (() => 1)(); });\n`,
  `${TC}{ class L { } return 0; });\n`,
  `${TC}{ enum L { A } return 0; });\n`,
  `${TC}{ type L = i32; return 0; });\n`,
  `${TC}{ with (ctx) { } return 0; });\n`,
  `${TC}{ const [a, b] = zeroed<FixedArray<i32, 2>>(); return a; });\n`,
];

describe("odd programs never give an internal error or a crash", () => {
  it(`${WEIRD.length} snippets`, () => {
    expect(WEIRD.length).toBeGreaterThanOrEqual(50);
    const dir = tmpProject({});
    const bad: string[] = [];
    WEIRD.forEach((body, i) => {
      const file = path.join(dir, `w${i}.ts`);
      fs.writeFileSync(file, HEADER + body);
      try {
        const r = compile(file);
        if (r.diagnostics.some((d) => d.code === Codes.Internal)) bad.push(`${body} → ${r.diagnostics.map((d) => d.message).join("; ")}`);
        else if (!r.object && r.diagnostics.length === 0) bad.push(`${body} → neither an object nor a diagnostic`);
        else if (r.diagnostics.some((d) => d.code.startsWith("TSBPF") && d.start === undefined)) bad.push(`${body} → a diagnostic without a location`);
      } catch (err) {
        bad.push(`${body} → threw ${(err as Error).stack}`);
      }
    });
    expect(bad).toEqual([]);
  });
});
