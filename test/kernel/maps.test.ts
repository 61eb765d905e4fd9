// Every map kind beyond the seed's, exercised by a program and checked from user space.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { readElf } from "../../compiler/elf/reader.js";
import { describeKernel } from "./helpers.js";
import { BpfObject } from "./libbpf.js";

const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const sumU64 = (b: Uint8Array) => { let s = 0n; const dv = new DataView(b.buffer, b.byteOffset, b.byteLength); for (let i = 0; i < b.length; i += 8) s += dv.getBigUint64(i, true); return s; };

describeKernel("map kinds", () => {
  let obj: BpfObject | undefined;
  let objPath: string;
  const global = (name: string, size: 4 | 8, signed = false) => {
    const sym = readElf(fs.readFileSync(objPath)).symbols.find((s) => s.name === name)!;
    const bytes = obj!.global(sym.section as ".bss");
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return size === 4 ? dv.getUint32(sym.value, true) : signed ? dv.getBigInt64(sym.value, true) : dv.getBigUint64(sym.value, true);
  };

  beforeAll(() => {
    const r = compile(fileURLToPath(new URL("./fixtures/maps.ts", import.meta.url)));
    expect(r.diagnostics).toEqual([]);
    objPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-maps-")), "maps.bpf.o");
    fs.writeFileSync(objPath, r.object!);
    obj = BpfObject.open(objPath);
  });
  afterAll(() => obj?.close());

  it("per-CPU arrays and hashes, LRU per-CPU hashes, hash delete", () => {
    expect(obj!.testRun("p_percpu").retval).toBe(0);
    expect(sumU64(obj!.lookup("pcpu", u32(1))!)).toBe(5n);
    expect(sumU64(obj!.lookup("pcpu_hash", u32(7))!)).toBe(70n);
    expect(sumU64(obj!.lookup("lru_pcpu", u32(3))!)).toBe(30n);
    expect(obj!.lookup("hash", u32(1))).toBeNull();
    expect(sumU64(obj!.lookup("hash", u32(2))!)).toBe(22n);
    expect(global("deleted", 8, true)).toBe(0n);
  });

  it("ring buffer: reserve/submit and output records reach user space", () => {
    expect(obj!.testRun("p_ringbuf").retval).toBe(0);
    const recs = obj!.consumeRingbuf("rb").map((r) => {
      const dv = new DataView(r.buffer, r.byteOffset, r.byteLength);
      return { size: r.length, pid: dv.getUint32(0, true), value: dv.getBigUint64(8, true) };
    });
    expect(recs).toEqual([{ size: 16, pid: 42, value: 0x1122334455n }, { size: 16, pid: 7, value: 0n }]);
  });

  it("queue (FIFO) and stack (LIFO): push/pop/peek", () => {
    expect(obj!.testRun("p_queue").retval).toBe(0);
    expect(global("popped", 4)).toBe(1);
    expect(global("peeked", 4)).toBe(20);
    expect([obj!.pop("q"), obj!.pop("q"), obj!.pop("q")].map((v) => v && new DataView(v.buffer).getUint32(0, true))).toEqual([2, 3, null]);
    expect([obj!.pop("st"), obj!.pop("st"), obj!.pop("st")].map((v) => v && new DataView(v.buffer).getUint32(0, true))).toEqual([20, 10, null]);
  });

  it("bloom filter: push, then peek from the program and from user space", () => {
    expect(obj!.testRun("p_bloom").retval).toBe(0);
    expect(global("bloom_hit", 8, true)).toBe(0n);
    expect(obj!.mayContain("bloom", u32(9))).toBe(true);
  });

  it("LPM trie: the longest prefix user space inserted matches", () => {
    const key = (len: number, a: number[]) => Uint8Array.from([len, 0, 0, 0, ...a]);
    obj!.update("lpm", key(8, [10, 0, 0, 0]), u32(100));
    obj!.update("lpm", key(24, [10, 1, 0, 0]), u32(200));
    expect(obj!.testRun("p_lpm").retval).toBe(0);
    expect(global("lpm_val", 4)).toBe(100);
  });

  it("program array: bpf_tail_call jumps to the program user space installed", () => {
    expect(obj!.testRun("p_tail_entry").retval).toBe(1); // empty slot: the call falls through
    obj!.update("jt", u32(0), u32(obj!.program("p_tail_target").fd));
    expect(obj!.testRun("p_tail_entry").retval).toBe(7);
    expect(global("tail_reached", 4)).toBe(1);
  });

  it("perf event array: output without a perf event on this CPU gives -ENOENT, as in C", () => {
    expect(obj!.testRun("p_perf").retval).toBe(0);
    expect(global("perf_ret", 8, true)).toBe(-2n);
  });
});
