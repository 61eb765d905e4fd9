// Generated skeletons are valid, strict TypeScript for every object the
// tests build (tsbpf's and clang's), and declare what the object holds.
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { generateSkeleton, skeletonClassName, skeletonPath } from "../../compiler/tools/skeleton.js";
import { clangAvailable, compileC } from "../kernel/clang.js";
import { REPO } from "../support/tmp.js";
import { projectWithTsbpf } from "./support.js";

function objects(): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  const dirs = ["examples/wq", "test/kernel/pairs", "test/kernel/fixtures", ...fs.readdirSync(path.join(REPO, "templates")).map((t) => `templates/${t}/src`)];
  for (const d of dirs) {
    for (const f of fs.readdirSync(path.join(REPO, d)).filter((f) => f.endsWith(".ts"))) {
      const r = compile(path.join(REPO, d, f));
      if (r.object) out.push({ name: `${d.replace(/\W/g, "_")}_${f.replace(/\.ts$/, "")}.bpf.o`, bytes: r.object });
    }
  }
  if (clangAvailable().ok) {
    for (const f of fs.readdirSync(path.join(REPO, "test/kernel/pairs")).filter((f) => f.endsWith(".c"))) {
      out.push({ name: `clang_${f.replace(/\.c$/, "")}.bpf.o`, bytes: fs.readFileSync(compileC(path.join(REPO, "test/kernel/pairs", f))) });
    }
    out.push({ name: "clang_wq.bpf.o", bytes: fs.readFileSync(compileC(path.join(REPO, "test/kernel/fixtures/wq.c"))) });
  }
  return out;
}

describe("generated skeletons", () => {
  it("type-check under strict NodeNext against tsbpf/loader", () => {
    const dir = projectWithTsbpf();
    const files: string[] = [];
    for (const o of objects()) {
      const obj = path.join(dir, o.name);
      fs.writeFileSync(obj, o.bytes);
      const skel = skeletonPath(obj);
      fs.writeFileSync(skel, generateSkeleton(o.bytes, obj));
      files.push(skel);
    }
    expect(files.length).toBeGreaterThanOrEqual(8);
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ["node"],
      typeRoots: [path.join(REPO, "node_modules/@types")],
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : "";
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
    expect(errors).toEqual([]);
  });

  it("name the class after the object and sit next to it", () => {
    expect(skeletonClassName("dist/wq.bpf.o")).toBe("WqSkeleton");
    expect(skeletonClassName("x/xdp-counter.o")).toBe("XdpCounterSkeleton");
    expect(skeletonPath("dist/wq.bpf.o")).toBe(path.join("dist", "wq.skel.ts"));
  });

  it("type clang's map values from BTF, C names in PascalCase", () => {
    if (!clangAvailable().ok) return;
    const bytes = fs.readFileSync(compileC(path.join(REPO, "test/kernel/fixtures/wq.c")));
    const text = generateSkeleton(bytes, "wq.bpf.o");
    expect(text).toMatch(/export interface HmapElem \{\n  counter: number;\n  timer: Uint8Array;\n  lock: Uint8Array;\n  work: Uint8Array;\n\}/);
    expect(text).toContain("readonly array: L.TypedMap<number, Elem>;");
    expect(text).toContain("readonly bss: Bss;");
  });

  it("fail clearly for an object without BTF", () => {
    const r = compile(path.join(REPO, "examples/wq/wq.ts"));
    const junk = new Uint8Array(r.object!.length);
    expect(() => generateSkeleton(junk, "x.o")).toThrow(/readElf|BTF/);
  });
});
