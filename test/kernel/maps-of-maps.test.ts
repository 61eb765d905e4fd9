// Maps of maps: ArrayOfMaps with slots filled statically (relocations in .maps,
// installed by libbpf at load) and HashOfMaps filled by user space; the program
// reaches inner maps through the outer ones; user space checks the inner maps.
// The same for the C twin built by clang, whose .maps BTF and relocations match.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { readElf } from "../../compiler/elf/reader.js";
import { compileC } from "./clang.js";
import { describeKernel } from "./helpers.js";
import { BpfObject } from "./libbpf.js";
import { mapDefinitions, mapSlotRelocations } from "./map-defs.js";

const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/maps-more/${f}`, import.meta.url));
const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const u64 = (n: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, n, true); return b; };
const num = (b: Uint8Array | null) => (b === null ? null : new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0, true));

describeKernel("maps of maps", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-of-maps-"));
  let tsObj: string, cObj: string;

  beforeAll(() => {
    const r = compile(fixture("of-maps.ts"));
    expect(r.diagnostics).toEqual([]);
    tsObj = path.join(dir, "of-maps.bpf.o");
    fs.writeFileSync(tsObj, r.object!);
    cObj = compileC(fixture("of-maps.c"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function run(objPath: string) {
    const obj = BpfObject.open(objPath);
    try {
      const syms = readElf(fs.readFileSync(objPath)).symbols;
      const global = (name: string, size: 4 | 8) => {
        const s = syms.find((x) => x.name === name)!;
        const dv = new DataView(obj.global(s.section as ".bss").buffer);
        return size === 4 ? dv.getInt32(s.value, true) : dv.getBigUint64(s.value, true);
      };
      obj.update("inner_a", u32(1), u64(100n));
      obj.update("inner_b", u32(0), u64(5n));
      obj.update("by_id", u32(7), u32(obj.mapFd("inner_h"))); // user space installs an inner map by fd
      const retval = obj.testRun("p_outer").retval;
      return {
        retval,
        innerA1: num(obj.lookup("inner_a", u32(1))),
        innerB3: num(obj.lookup("inner_b", u32(3))),
        innerH70: num(obj.lookup("inner_h", u32(70))),
        emptySlot: global("empty_slot", 4),
        readB: global("read_b", 8),
        missingKey: global("missing_key", 4),
      };
    } finally {
      obj.close();
    }
  }

  const expected = { retval: 0, innerA1: 111n, innerB3: 33n, innerH70: 700n, emptySlot: 1, readB: 5n, missingKey: 1 };

  it("ArrayOfMaps/HashOfMaps: lookup gives the inner map, whose methods reach it (tsbpf)", () => {
    expect(run(tsObj)).toEqual(expected);
  });

  it("the clang twin behaves the same, and .maps BTF and slot relocations match clang's", () => {
    expect(run(cObj)).toEqual(expected);
    expect(mapDefinitions(tsObj)).toEqual(mapDefinitions(cObj));
    expect(mapSlotRelocations(tsObj)).toEqual(["outer+24 → inner_a", "outer+40 → inner_b"]);
    expect(mapSlotRelocations(cObj)).toEqual(mapSlotRelocations(tsObj));
    const sizes = (o: string) => readElf(fs.readFileSync(o)).symbols.filter((s) => s.section === ".maps").map((s) => `${s.name}:${s.size}`).sort();
    expect(sizes(tsObj)).toEqual(sizes(cObj));
  });
});
