// Typed tracing arguments: a tp_btf program whose arguments are kernel structs
// declared by `tsbpf vmlinux` (generated here from this kernel's BTF), laid out
// from the kernel's BTF, attached and observed switching to this very process.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { readElf } from "../../compiler/elf/reader.js";
import { parseBtf } from "../../compiler/btf/parse.js";
import { generateVmlinux, readBtfFile, DEFAULT_BTF } from "../../compiler/vmlinux/index.js";
import { describeKernel } from "./helpers.js";
import { BpfObject, waitFor } from "./libbpf.js";

describeKernel("tp_btf with typed kernel-struct arguments", () => {
  it("reads task_struct fields of the task switched in", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-tracing-"));
    const decls = generateVmlinux(parseBtf(readBtfFile(DEFAULT_BTF)), { types: ["task_struct"], tracepoints: ["sched_switch"] });
    fs.writeFileSync(path.join(dir, "vmlinux.d.ts"), decls.text);
    fs.copyFileSync(fileURLToPath(new URL("./fixtures/tracing/sched-switch.ts", import.meta.url)), path.join(dir, "prog.ts"));
    const r = compile(path.join(dir, "prog.ts"));
    expect(r.diagnostics).toEqual([]);
    const objPath = path.join(dir, "prog.bpf.o");
    fs.writeFileSync(objPath, r.object!);
    const syms = readElf(r.object!).symbols;
    const at = (n: string) => syms.find((s) => s.name === n)!.value;

    const obj = BpfObject.open(objPath);
    try {
      const bss = obj.global(".bss");
      new DataView(bss.buffer, bss.byteOffset).setInt32(at("target"), process.pid, true);
      obj.update(".bss", new Uint8Array(4), bss);
      const detach = obj.attach("on_switch");
      try {
        const read = () => {
          const b = obj.global(".bss");
          const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
          return { switches: dv.getBigUint64(at("switches"), true), seen: dv.getUint32(at("seen_in"), true), prio: dv.getInt32(at("last_prio"), true), comm0: dv.getUint32(at("comm0"), true) };
        };
        await waitFor(() => read().seen > 0, 3000);
        const v = read();
        const stat = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
        const prio = Number(stat[15]) + 100; // field 18, "priority", is prio - MAX_RT_PRIO
        expect(v.switches).toBeGreaterThan(0n);
        expect(v.seen).toBeGreaterThan(0);
        expect(v.prio).toBe(prio);
        expect(v.comm0).toBe(fs.readFileSync("/proc/self/comm")[0]);
      } finally {
        detach();
      }
    } finally {
      obj.close();
    }
  });
});
