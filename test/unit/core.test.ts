// CO-RE lowering without the kernel: what is refused, and with which diagnostics.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { parseBtf } from "../../compiler/btf/parse.js";
import { generateVmlinux, readBtfFile, DEFAULT_BTF } from "../../compiler/vmlinux/index.js";

describe.skipIf(!fs.existsSync(DEFAULT_BTF) && !process.env.CI)("CO-RE lowering", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-core-unit-"));
  fs.writeFileSync(path.join(dir, "vmlinux.d.ts"),
    generateVmlinux(parseBtf(readBtfFile(DEFAULT_BTF)), { types: ["task_struct"], tracepoints: ["sched_switch"] }).text);
  const build = (name: string, body: string, decls = "") => {
    const file = path.join(dir, `${name}.ts`);
    fs.writeFileSync(file, `import { license, tpBtf, type bool, type i32, type u32, type u64 } from "tsbpf";
import type { TaskStruct } from "./vmlinux.js";
license("GPL");
${decls}
export let out: u64 = 0;
export const prog = tpBtf("sched_switch", (preempt: bool, prev: TaskStruct, next: TaskStruct): i32 => {
  ${body}
  return 0;
});
`);
    return compile(file);
  };

  it("refuses to assign a kernel bitfield, at the assignment", () => {
    const r = build("assign", "next.in_execve = 1;");
    expect(r.diagnostics.map((d) => d.message)).toEqual(["A kernel bitfield can be read, not assigned."]);
    expect(r.diagnostics[0]!.code).toMatch(/^TSBPF\d{4}$/);
  });

  it("refuses a ___flavour field of a type a flavour cannot hold, at the field", () => {
    const r2 = build("flavour2", "",
      `interface Inner { x: u32 }\ninterface Local { readonly "@btf": "struct task_struct___bad"; pid: i32; inner: Inner }\nexport const p2 = tpBtf("sched_switch", (preempt: bool, prev: Local, next: Local): i32 => 0);`);
    expect(r2.diagnostics.map((d) => d.message)).toEqual([
      "A field of struct task_struct___bad must be an integer, bool, a @btf struct (a pointer to it), Ptr<integer> or a FixedArray of integers.",
    ]);
  });

  it("is deterministic", () => {
    const body = "out = next.real_parent.tgid + next.in_execve + next.comm[2];";
    expect(build("det", body).object).toEqual(build("det", body).object);
  });
});
