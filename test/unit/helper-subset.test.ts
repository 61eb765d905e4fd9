// A build type-checks against only the helpers its files name
// (compiler/frontend/helper-subset.ts): the same objects as against the whole
// helpers.d.ts, and, whenever TypeScript has anything to say, the whole file's diagnostics.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compile, createCompilerSession } from "../../compiler/index.js";
import { helperNamesUsed, helperSubset } from "../../compiler/frontend/helper-subset.js";
import { loadProgram, loadWholeProgram, RUNTIME_TYPES_DIR } from "../../compiler/frontend/project.js";
import { SEED, tmpProject } from "../support/tmp.js";

const HELPERS = path.join(RUNTIME_TYPES_DIR, "helpers.d.ts");
const TEXT = fs.readFileSync(HELPERS, "utf8");
const declared = (text: string) => [...text.matchAll(/^export declare function (\w+)/gm)].map((m) => m[1]!);
const ALL = declared(TEXT);

describe("helperSubset", () => {
  it("keeps the whole file when every helper is kept", () => {
    expect(helperSubset(TEXT, new Set(ALL))).toBe(TEXT);
  });

  it("keeps exactly the named helpers, each at its own offset, and blanks the rest", () => {
    for (const name of ["bpf_probe_read_kernel", "bpf_get_current_comm", "bpf_printk", "bpf_cgrp_storage_delete"]) {
      const sub = helperSubset(TEXT, new Set([name]));
      expect(sub.length).toBe(TEXT.length);
      expect(declared(sub)).toEqual(ALL.filter((n) => n === name));
      // Every character is the original's or a space standing for it; newlines all stay.
      for (let i = 0; i < sub.length; i++) {
        if (sub[i] !== TEXT[i] && !(sub[i] === " " && TEXT[i] !== "\n")) throw new Error(`offset ${i} changed`);
      }
      // Its documentation stays with it; other helpers' goes.
      expect(sub).toContain(`\`long ${name}(`.replace("long bpf_printk(", "bpf_printk(fmt"));
      expect(sub).not.toContain("BPF helper 4 (`BPF_FUNC_probe_read`)");
    }
  });

  it("finds the helper names a program's text mentions, or asks for the whole module", () => {
    expect(helperNamesUsed(['import { bpf_ktime_get_ns, u32 } from "tsbpf";\nbpf_get_prandom_u32();'])).toEqual(
      new Set(["bpf_ktime_get_ns", "bpf_get_prandom_u32"]));
    expect(helperNamesUsed(['import * as t from "tsbpf";'])).toBeUndefined();
    expect(helperNamesUsed(["export * from 'tsbpf';"])).toBeUndefined();
    expect(helperNamesUsed(['type T = typeof import("tsbpf");'])).toBeUndefined();
    expect(helperNamesUsed(['declare module "tsbpf" {\n  export function bpf_mine(): void;\n}'])).toBeUndefined();
  });
});

const helpersSeen = (loaded: ReturnType<typeof loadProgram>) =>
  declared(loaded.project.getSourceFileOrThrow(HELPERS).getFullText());

describe("building against the helper subset", () => {
  it("gives the seed program the same object as the whole file, from a program that declares only its helpers", () => {
    const loaded = loadProgram(SEED);
    expect(loaded.diagnostics).toEqual([]);
    expect(helpersSeen(loaded)).toEqual([]); // its bpf_wq_* are kfuncs, declared in index.d.ts
    expect(helpersSeen(loadWholeProgram(SEED))).toEqual(ALL);
    // A compiler session loads the whole file (a later edit may call any helper).
    const whole = createCompilerSession().compile(SEED);
    expect(Buffer.from(compile(SEED).object!).equals(Buffer.from(whole.object!))).toBe(true);
  });

  it("finds helpers named in every file the entry imports", () => {
    const dir = tmpProject({
      "prog.ts": `import { bpf_get_current_task, i64, license, syscall } from "tsbpf";\nimport type { CgroupId } from "./lib/cg.js";\nlicense("GPL");\nexport const p = syscall((ctx): i64 => i64(bpf_get_current_task() & 1));\n`,
      "lib/cg.d.ts": `import type { bpf_get_current_cgroup_id } from "tsbpf";\nexport type CgroupId = typeof bpf_get_current_cgroup_id;\n`,
    });
    const entry = path.join(dir, "prog.ts");
    const loaded = loadProgram(entry);
    expect(loaded.diagnostics).toEqual([]);
    expect(helpersSeen(loaded)).toEqual(["bpf_get_current_task", "bpf_get_current_cgroup_id"]);
    const whole = createCompilerSession().compile(entry);
    expect(whole.diagnostics).toEqual([]);
    expect(Buffer.from(compile(entry).object!).equals(Buffer.from(whole.object!))).toBe(true);
  });

  it("reports errors as the whole file does (a suggestion names a helper the program never mentions)", () => {
    const dir = tmpProject({
      "prog.ts": `import { license, syscall, bpf_get_current_comm2, type i64 } from "tsbpf";\nlicense("GPL");\nexport const p = syscall((ctx): i64 => 0);\n`,
    });
    const entry = path.join(dir, "prog.ts");
    const loaded = loadProgram(entry);
    expect(loaded.diagnostics.map((d) => d.message).join("\n")).toContain("Did you mean 'bpf_get_current_comm'?");
    expect(helpersSeen(loaded)).toEqual(ALL);
    expect(loaded.diagnostics).toEqual(loadWholeProgram(entry).diagnostics);
  });
});
