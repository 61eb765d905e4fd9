// Map options: `pinning: LIBBPF_PIN_BY_NAME` (libbpf pins the map under the
// pin root path and a second load reuses it) and `numaNode` (BPF_F_NUMA_NODE
// reaches the kernel); `bpftool map dump` shows a struct value with its
// TypeScript field names (from the object's BTF). The C twin's definitions match.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { compileC } from "./clang.js";
import { describeKernel } from "./helpers.js";
import { BpfObject } from "./libbpf.js";
import { mapDefinitions } from "./map-defs.js";

const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/maps-more/${f}`, import.meta.url));
const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const BPF_F_NUMA_NODE = 4;

describeKernel("pinned and NUMA maps", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-pin-"));
  let pinRoot: string;
  let tsObj: string;

  beforeAll(() => {
    const r = compile(fixture("pin.ts"));
    expect(r.diagnostics).toEqual([]);
    tsObj = path.join(dir, "pin.bpf.o");
    fs.writeFileSync(tsObj, r.object!);
    pinRoot = fs.mkdtempSync("/sys/fs/bpf/tsbpf-pin-");
  });
  afterAll(() => {
    fs.rmSync(path.join(pinRoot, "pinned"), { force: true });
    fs.rmdirSync(pinRoot);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("LIBBPF_PIN_BY_NAME: pinned under the pin root; a second load reuses the map; bpftool shows the field names", () => {
    const pin = path.join(pinRoot, "pinned");
    const first = BpfObject.open(tsObj, { pinRootPath: pinRoot });
    try {
      expect(first.testRun("p_pin").retval).toBe(1); // creates the record
      expect(fs.existsSync(pin)).toBe(true);
    } finally {
      first.close();
    }
    const second = BpfObject.open(tsObj, { pinRootPath: pinRoot });
    try {
      expect(second.testRun("p_pin").retval).toBe(2); // sees the first run's record
      const v = second.lookup("pinned", u32(1))!;
      expect(new DataView(v.buffer).getBigUint64(0, true)).toBe(2n);
      // numaNode: the kernel got BPF_F_NUMA_NODE, and the map works.
      expect(second.mapInfo("near").mapFlags & BPF_F_NUMA_NODE).toBe(BPF_F_NUMA_NODE);
      expect(second.lookup("near", u32(0))).toEqual(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0]));
    } finally {
      second.close();
    }
    const dump = spawnSync("bpftool", ["map", "dump", "pinned", pin, "-j"], { encoding: "utf8" });
    expect(dump.status).toBe(0);
    const entries = JSON.parse(dump.stdout) as { formatted: unknown }[];
    expect(entries.map((e) => e.formatted)).toEqual([{ key: 1, value: { count: 2, last_len: expect.any(Number), tag: 0xabc } }]);
  });

  it("the definitions match clang's __uint(pinning, …), __uint(numa_node, …) with BPF_F_NUMA_NODE", () => {
    expect(mapDefinitions(tsObj)).toEqual(mapDefinitions(compileC(fixture("pin.c"))));
    expect(mapDefinitions(tsObj).near).toContain("map_flags=4");
  });
});
