// The compiler session behind `tsbpf build --watch`: the same objects as the
// one-shot compile(), edits to the entry and to the files it imports seen.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compile, createCompilerSession } from "../../compiler/index.js";
import { SEED, tmpProject } from "../support/tmp.js";

const same = (a?: Uint8Array, b?: Uint8Array) => a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));

describe("createCompilerSession", () => {
  it("builds exactly what compile() builds, before and after edits", () => {
    const wq = fs.readFileSync(SEED, "utf8");
    const dir = tmpProject({ "prog.ts": wq });
    const entry = path.join(dir, "prog.ts");
    const s = createCompilerSession();
    expect(same(s.compile(entry).object, compile(entry).object)).toBe(true);
    fs.writeFileSync(entry, wq.replace("return -2;", "return -22;"));
    const edited = s.compile(entry);
    expect(same(edited.object, compile(entry).object)).toBe(true);
    expect(same(edited.object, compile(SEED).object)).toBe(false);
  });

  it("follows imports: edits to an imported declaration file, errors and their repair", () => {
    const decl = (fields: string) => `import type { u32 } from "tsbpf";\nexport interface Pair { ${fields} }\n`;
    const dir = tmpProject({
      "types.d.ts": decl("a: u32; b: u32;"),
      "prog.ts": `import { license, syscall, ArrayMap, type u32 } from "tsbpf";\nimport type { Pair } from "./types.js";\nlicense("GPL");\nexport const pairs = new ArrayMap<u32, Pair>({ maxEntries: 4 });\nexport const p = syscall((ctx) => { const v = pairs.lookup(1); if (v === null) return 1; v.a = v.b; return 0; });\n`,
    });
    const entry = path.join(dir, "prog.ts");
    const types = path.join(dir, "types.d.ts");
    const s = createCompilerSession();
    const first = s.compile(entry);
    expect(first.diagnostics).toEqual([]);
    expect(s.files(entry).sort()).toEqual([entry, types].sort());
    fs.writeFileSync(types, decl("a: u32; b: NoSuchType;"));
    const bad = s.compile(entry);
    expect(bad.object).toBeUndefined();
    expect(bad.diagnostics.map((d) => [d.code, d.file])).toEqual([["TS2304", types]]);
    fs.writeFileSync(types, decl("a: u32; pad: u32; b: u32;"));
    const fixed = s.compile(entry);
    expect(fixed.diagnostics).toEqual([]);
    expect(same(fixed.object, compile(entry).object)).toBe(true);
    expect(same(fixed.object, first.object)).toBe(false);
  });

  it("reports a deleted entry as compile() does", () => {
    const dir = tmpProject({ "prog.ts": fs.readFileSync(SEED, "utf8") });
    const entry = path.join(dir, "prog.ts");
    const s = createCompilerSession();
    expect(s.compile(entry).object).toBeDefined();
    fs.rmSync(entry);
    expect(s.compile(entry).diagnostics[0]!.message).toMatch(/File not found/);
  });
});
