// Proves the kernel harness on clang's build of the wq selftest port, and
// records what clang's build does in the kernel (the reference the TypeScript
// port of the same program is compared with).

import { afterAll, beforeAll, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileC, elfSections, elfSymbol } from "./clang.js";
import { describeKernel } from "./helpers.js";
import { BPF_PROG_TYPE, BpfObject, waitFor } from "./libbpf.js";

const WQ_C = fileURLToPath(new URL("./fixtures/wq.c", import.meta.url));

const PROGRAMS = [
  { name: "test_call_array_sleepable", section: "tc", type: BPF_PROG_TYPE.SCHED_CLS },
  { name: "test_syscall_array_sleepable", section: "syscall", type: BPF_PROG_TYPE.SYSCALL },
  { name: "test_call_hash_sleepable", section: "tc", type: BPF_PROG_TYPE.SCHED_CLS },
  { name: "test_call_hash_malloc_sleepable", section: "tc", type: BPF_PROG_TYPE.SCHED_CLS },
  { name: "test_call_lru_sleepable", section: "tc", type: BPF_PROG_TYPE.SCHED_CLS },
] as const;

describeKernel("kernel harness: clang build of wq.c", () => {
  let objPath: string;
  let obj: BpfObject | undefined;

  beforeAll(() => {
    objPath = compileC(WQ_C);
    // Keep the object (hence the maps holding the bpf_wq's) open while the work runs.
    obj = BpfObject.open(objPath);
  });
  afterAll(() => obj?.close());

  it("compiles to the object shape of clang's seed build", () => {
    const sections = elfSections(objPath).map((s) => s.name);
    for (const s of ["tc", "syscall", ".text", ".maps", ".bss", "license", ".BTF", ".BTF.ext"]) expect(sections).toContain(s);
    expect(elfSymbol(objPath, "ok", ".bss")).toMatchObject({ value: 0, size: 4 });
    expect(elfSymbol(objPath, "ok_sleepable", ".bss")).toMatchObject({ value: 4, size: 4 });
    expect(elfSymbol(objPath, "wq_cb_sleepable", ".text")).toMatchObject({ binding: "Local", type: "Function" });
    expect(elfSymbol(objPath, "wq_callback", ".text")).toMatchObject({ binding: "Local", type: "Function" });
  });

  it("loads the five programs with the types of their sections", () => {
    expect(obj!.programNames().sort()).toEqual(PROGRAMS.map((p) => p.name).sort());
    for (const p of PROGRAMS) {
      const prog = obj!.program(p.name);
      expect(prog).toMatchObject({ section: p.section, type: p.type });
      expect(prog.fd).toBeGreaterThan(0);
    }
    expect(obj!.mapFd(".bss")).toBeGreaterThan(0);
    for (const m of ["array", "hmap", "hmap_malloc", "lru"]) expect(obj!.mapFd(m)).toBeGreaterThan(0);
  });

  it("runs all five programs; the work-queue callbacks run afterwards", async () => {
    for (const p of PROGRAMS) {
      const r = obj!.testRun(p.name); // tc: default 64-byte frame; syscall: no data
      expect(r.retval, p.name).toBe(0);
    }
    // ok/ok_sleepable offsets from the object's symbol table, not assumed.
    const okOff = elfSymbol(objPath, "ok", ".bss").value;
    const okSleepableOff = elfSymbol(objPath, "ok_sleepable", ".bss").value;
    const read = () => {
      const bss = obj!.global(".bss");
      const dv = new DataView(bss.buffer, bss.byteOffset, bss.byteLength);
      return { ok: dv.getUint32(okOff, true), okSleepable: dv.getUint32(okSleepableOff, true) };
    };
    const done = await waitFor(() => {
      const v = read();
      return v.ok === 0x1c && v.okSleepable === 0x3;
    }, 5000);
    const v = read();
    expect({ ok: `0x${v.ok.toString(16)}`, okSleepable: `0x${v.okSleepable.toString(16)}` }).toEqual({ ok: "0x1c", okSleepable: "0x3" });
    expect(done).toBe(true);
  });

  it("reports plausible bpf_prog_info numbers", () => {
    const jitEnabled = readFileSync("/proc/sys/net/core/bpf_jit_enable", "utf8").trim() !== "0";
    const rows: Record<string, { xlatedInsns: number; verifiedInsns: number; jitedBytes: number }> = {};
    for (const p of PROGRAMS) {
      const info = obj!.progInfo(p.name);
      expect(info.type).toBe(p.type);
      expect(info.xlatedProgLen % 8).toBe(0);
      // The translated program holds the entry point plus its callback subprogram.
      expect(info.xlatedProgLen / 8).toBeGreaterThan(20);
      expect(info.xlatedProgLen / 8).toBeLessThan(200);
      expect(info.verifiedInsns).toBeGreaterThan(10);
      expect(info.verifiedInsns).toBeLessThan(10_000);
      if (jitEnabled) expect(info.jitedProgLen).toBeGreaterThan(0);
      rows[p.name] = { xlatedInsns: info.xlatedProgLen / 8, verifiedInsns: info.verifiedInsns, jitedBytes: info.jitedProgLen };
    }
    console.log("clang wq.c in the kernel:");
    console.table(rows);
  });
});
