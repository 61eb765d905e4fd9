// Declarations of local storage maps and maps of maps that tsbpf rejects, with the span it points at.
import * as path from "node:path";
import { expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { tmpProject } from "../support/tmp.js";

const HEADER = `import { license, tc, ArrayMap, HashMap, ArrayOfMaps, TaskStorage, type i32, type u32, type u64 } from "tsbpf";\nlicense("GPL");\n`;
const PROG = "export const p = tc((ctx): i32 => 0);\n";

function errors(body: string) {
  const dir = tmpProject({ "prog.ts": HEADER + body + PROG });
  const r = compile(path.join(dir, "prog.ts"));
  return r.diagnostics.map((d) => ({ code: d.code, at: (HEADER + body).slice(d.start, d.start + d.length) }));
}

it("a map of maps names its inner prototype with typeof", () => {
  expect(errors("const o = new ArrayOfMaps<u32, ArrayMap<u32, u64>>({ maxEntries: 2 });\n"))
    .toEqual([{ code: "TSBPF1005", at: "ArrayMap<u32, u64>" }]);
});

it("initial slots must fit in maxEntries", () => {
  expect(errors("const a = new ArrayMap<u32, u64>({ maxEntries: 1 });\nconst o = new ArrayOfMaps<u32, typeof a>({ maxEntries: 1, values: [null, a] });\n"))
    .toEqual([{ code: "TSBPF1005", at: "{ maxEntries: 1, values: [null, a] }" }]);
});

it("slots are module-level maps or null", () => {
  expect(errors("const a = new ArrayMap<u32, u64>({ maxEntries: 1 });\nconst o = new ArrayOfMaps<u32, typeof a>({ maxEntries: 2, values: [a, (a)] });\n"))
    .toEqual([{ code: "TSBPF1005", at: "(a)" }]);
});

it("local storage needs no options object, and 'as' still converts nothing but kernel pointers", () => {
  expect(errors("const t = new TaskStorage<u64>();\nexport let x: u64 = 0;\nexport const q = tc((ctx): i32 => { x = ctx.len as u64; return 0; });\n"))
    .toEqual([{ code: "TSBPF1127", at: "ctx.len as u64" }]);
});
