// The seed: examples/wq/wq.ts (the kernel's bpf_wq selftest in TypeScript) built by
// tsbpf, loaded by libbpf, test-run, and compared with clang's build of the C original.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { readElf } from "../../compiler/elf/reader.js";
import { compileC } from "./clang.js";
import { describeKernel } from "./helpers.js";
import { BpfObject, waitFor } from "./libbpf.js";

const SEED = fileURLToPath(new URL("../../examples/wq/wq.ts", import.meta.url));
const WQ_C = fileURLToPath(new URL("./fixtures/wq.c", import.meta.url));
const PROGRAMS = [
  "test_call_array_sleepable",
  "test_syscall_array_sleepable",
  "test_call_hash_sleepable",
  "test_call_hash_malloc_sleepable",
  "test_call_lru_sleepable",
];

/** Runs all five programs on an open object; returns their return values and the globals once the work ran. */
async function runSeed(obj: BpfObject, objPath: string) {
  const retvals = PROGRAMS.map((p) => obj.testRun(p).retval);
  const syms = readElf(fs.readFileSync(objPath)).symbols;
  const off = (n: string) => syms.find((s) => s.name === n && s.section === ".bss")!.value;
  const read = () => {
    const bss = obj.global(".bss");
    const dv = new DataView(bss.buffer, bss.byteOffset, bss.byteLength);
    return { ok: dv.getUint32(off("ok"), true), ok_sleepable: dv.getUint32(off("ok_sleepable"), true) };
  };
  await waitFor(() => read().ok === 0x1c && read().ok_sleepable === 0x3, 5000);
  return { retvals, globals: read() };
}

describeKernel("the bpf_wq seed in TypeScript, in the kernel", () => {
  let tsPath: string;
  let ts: BpfObject | undefined;
  let clang: BpfObject | undefined;
  let cPath: string;

  beforeAll(() => {
    const r = compile(SEED);
    expect(r.diagnostics).toEqual([]);
    tsPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-wq-")), "wq.bpf.o");
    fs.writeFileSync(tsPath, r.object!);
    cPath = compileC(WQ_C);
  });
  afterAll(() => {
    ts?.close();
    clang?.close();
  });

  it("libbpf loads all five programs (the object stays open: the maps hold the work-queues)", () => {
    ts = BpfObject.open(tsPath);
    expect(ts.programNames().sort()).toEqual([...PROGRAMS].sort());
  });

  it("every program returns 0 and the callbacks set exactly the bits clang's build sets", async () => {
    const ours = await runSeed(ts!, tsPath);
    expect(ours.retvals).toEqual([0, 0, 0, 0, 0]);
    expect(ours.globals).toEqual({ ok: 0x1c, ok_sleepable: 0x3 });
    clang = BpfObject.open(cPath);
    const theirs = await runSeed(clang, cPath);
    expect(ours).toEqual(theirs);
  });

  it("is as small as clang's build (instructions after load) — figures printed, not asserted", () => {
    const rows = PROGRAMS.map((p) => {
      const a = ts!.progInfo(p), b = clang!.progInfo(p);
      return { program: p, tsbpf: a.xlatedProgLen / 8, clang: b.xlatedProgLen / 8, tsbpfVerified: a.verifiedInsns, clangVerified: b.verifiedInsns };
    });
    console.table(rows);
    for (const r of rows) expect(r.tsbpf).toBeGreaterThan(0);
  });
});
