// `tsbpf build --skeleton`: the seed's generated module drives the kernel with
// the seed's own types — five programs run, the callbacks' bits read back
// through typed `.bss` accessors.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../kernel/helpers.js";
import { SEED } from "../support/tmp.js";
import { projectWithTsbpf, tsbpf } from "./support.js";

const PROGRAMS = [
  "test_call_array_sleepable",
  "test_syscall_array_sleepable",
  "test_call_hash_sleepable",
  "test_call_hash_malloc_sleepable",
  "test_call_lru_sleepable",
] as const;

describeKernel(
  "the wq seed through its generated skeleton",
  () => {
    let dir: string;
    // The generated module's type, loosely: the test checks the names exist at run time.
    let skel: any;

    beforeAll(() => {
      dir = projectWithTsbpf();
      const r = tsbpf(["build", SEED, "--out-dir", dir, "--skeleton"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(fs.readdirSync(dir).sort()).toEqual(["node_modules", "wq.bpf.o", "wq.skel.ts"]);
    });
    afterAll(() => skel?.close());

    it("generates a module that names the programs, maps and globals with their types", () => {
      const text = fs.readFileSync(path.join(dir, "wq.skel.ts"), "utf8");
      expect(text).toContain('import * as L from "tsbpf/loader";');
      expect(text).toContain("export interface HmapElem {\n  counter: number;");
      expect(text).toContain("readonly hmap: L.TypedMap<number, HmapElem>;");
      expect(text).toContain("readonly lru: L.TypedMap<number, Elem>;");
      expect(text).toContain("export interface Bss {\n  ok: number;\n  ok_sleepable: number;\n}");
      expect(text).toContain('test_syscall_array_sleepable: "syscall"');
    });

    it("loads the object, runs the five programs and reads ok/ok_sleepable through typed accessors", async () => {
      const mod = await import(path.join(dir, "wq.skel.ts"));
      const { waitFor } = await import("../../loader/index.js");
      skel = mod.WqSkeleton.load();
      expect(Object.keys(skel.progs)).toEqual([...PROGRAMS]);
      for (const p of PROGRAMS) expect(skel.progs[p].testRun().retval).toBe(0);
      await waitFor(() => skel.bss.ok === 0x1c && skel.bss.ok_sleepable === 0x3, 5000);
      expect({ ok: skel.bss.ok, ok_sleepable: skel.bss.ok_sleepable }).toEqual({ ok: 0x1c, ok_sleepable: 0x3 });
    });

    it("reads and writes map values with their TypeScript types", () => {
      // The array's element 0 holds an initialised bpf_wq: opaque bytes, typed as a Uint8Array field.
      const elem = skel.maps.array.lookup(0);
      expect(elem.w).toBeInstanceOf(Uint8Array);
      expect(elem.w.length).toBe(16);
      // hmap's values are HmapElem: write one from user space and read it back.
      const v = { counter: -7, timer: new Uint8Array(16), lock: new Uint8Array(4), work: new Uint8Array(16) };
      skel.maps.hmap.update(100, v);
      expect(skel.maps.hmap.lookup(100).counter).toBe(-7);
      expect([...skel.maps.hmap.keys()].sort((a: number, b: number) => a - b)).toEqual([2, 100]);
      expect(skel.maps.hmap.delete(100)).toBe(true);
      expect(skel.maps.hmap.lookup(100)).toBeNull();
    });

    it("writes globals through the same accessors", () => {
      skel.bss.ok = 0x1;
      expect(skel.bss.ok).toBe(0x1);
      expect(skel.bss.ok_sleepable).toBe(0x3);
    });
  },
  { clang: false },
);
