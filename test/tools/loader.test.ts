// tsbpf/loader on its own: open/load in two steps with `.rodata` set between,
// typed maps of every shape, load errors carrying the verifier log, and
// attaching XDP and tcx programs to the loopback interface.
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { BpfObject, LoadError, PerCpuMap, TypedMap, ValueStore, codec as c, globalsView, possibleCpus, waitFor } from "../../loader/index.js";
import { parseLoadLog } from "../../compiler/tools/verifier.js";
import { describeKernel } from "../kernel/helpers.js";
import { REPO } from "../support/tmp.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

function build(src: string): Uint8Array {
  const r = compile(src);
  expect(r.diagnostics).toEqual([]);
  return r.object!;
}

async function sendUdp(port: number, count: number): Promise<void> {
  const sock = dgram.createSocket("udp4");
  for (let i = 0; i < count; i++) await new Promise<void>((r) => sock.send(Buffer.from("tsbpf"), port, "127.0.0.1", () => r()));
  sock.close();
}

const loIndex = () => Number(fs.readFileSync("/sys/class/net/lo/ifindex", "utf8"));

describeKernel(
  "tsbpf/loader",
  () => {
    it("sets .rodata before load, then runs with it; .rodata is read-only once loaded", () => {
      const obj = BpfObject.open(build(path.join(FIXTURES, "rodata-config.ts")), { name: "ro" });
      try {
        const rodata = globalsView<{ factor: number }>(() => obj, ".rodata", { factor: [0, c.u32] });
        const bss = globalsView<{ result: number }>(() => obj, ".bss", { result: [0, c.u32] });
        expect(rodata.factor).toBe(3);
        rodata.factor = 5;
        expect(() => obj.program("p").testRun()).toThrow(/not loaded yet/);
        obj.load();
        expect(obj.program("p").testRun().retval).toBe(0);
        expect(bss.result).toBe(35);
        expect(rodata.factor).toBe(5);
        expect(() => {
          rodata.factor = 6;
        }).toThrow();
      } finally {
        obj.close();
        obj.close(); // idempotent
      }
    });

    it("typed maps: per-CPU values, queues and stacks, hash iteration", () => {
      const obj = BpfObject.load(build(path.join(REPO, "test/kernel/fixtures/maps.ts")), { name: "maps" });
      try {
        const pcpu = new PerCpuMap(obj.map("pcpu"), c.u32, c.u64);
        pcpu.updatePerCpu(2, [1n, 2n]);
        const got = pcpu.lookup(2)!;
        expect(got).toHaveLength(possibleCpus());
        expect(got.slice(0, 2)).toEqual(possibleCpus() > 1 ? [1n, 2n] : [1n]);
        pcpu.update(3, 9n);
        expect(pcpu.lookup(3)!.every((v) => v === 9n)).toBe(true);

        const q = new ValueStore(obj.map("q"), c.u32);
        q.push(7);
        q.push(8);
        expect([q.pop(), q.pop(), q.pop()]).toEqual([7, 8, null]);

        const hash = new TypedMap(obj.map("hash"), c.u32, c.u64);
        hash.update(10, 100n);
        hash.update(11, 110n);
        expect(new Map(hash.entries())).toEqual(new Map([[10, 100n], [11, 110n]]));
        expect(hash.delete(10)).toBe(true);
        expect(hash.delete(10)).toBe(false);
        expect([...hash.keys()]).toEqual([11]);
        expect(() => obj.map("nope")).toThrow(/no map 'nope'.*maps: /);
        expect(() => obj.program("nope")).toThrow(/no program 'nope'/);
      } finally {
        obj.close();
      }
    });

    it("a rejected load throws LoadError carrying the verifier log", () => {
      let err: unknown;
      try {
        BpfObject.load(build(path.join(FIXTURES, "unbounded-loop.ts")), { name: "loop" });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LoadError);
      const f = parseLoadLog((err as LoadError).log)!;
      expect(f.program).toBe("spin");
      expect(f.message).toBe("The sequence of 8193 jumps is too complex.");
    });

    it("attaches an XDP program to lo and counts real packets; destroy detaches", async () => {
      const obj = BpfObject.load(build(path.join(REPO, "templates/xdp-counter/src/counter.ts")), { name: "counter" });
      try {
        const stats = new PerCpuMap(obj.map("stats"), c.u32, c.struct<{ packets: bigint }>(8, { packets: [0, c.u64] }));
        const total = () => stats.lookup(0)!.reduce((s, v) => s + v.packets, 0n);
        const link = obj.program("count_packets").attachXdp(loIndex());
        await sendUdp(9, 3);
        expect(await waitFor(() => total() >= 3n)).toBe(true);
        link.destroy();
        const after = total();
        await sendUdp(9, 3);
        await new Promise((r) => setTimeout(r, 50));
        expect(total()).toBe(after);
      } finally {
        obj.close();
      }
    });

    it("attaches a tc filter to lo's tcx ingress: datagrams to a blocked port are dropped and counted", async () => {
      const obj = BpfObject.load(build(path.join(REPO, "templates/tc-filter/src/filter.ts")), { name: "filter" });
      const server = dgram.createSocket("udp4");
      try {
        await new Promise<void>((r) => server.bind(0, "127.0.0.1", () => r()));
        const port = server.address().port;
        let received = 0;
        server.on("message", () => received++);
        const blocked = new TypedMap(obj.map("blocked"), c.u16, c.u64);
        const link = obj.program("filter").attachTcx(loIndex(), "ingress");
        try {
          await sendUdp(port, 1);
          expect(await waitFor(() => received === 1)).toBe(true);
          blocked.update(port, 0n);
          await sendUdp(port, 2);
          expect(await waitFor(() => blocked.lookup(port) === 2n)).toBe(true);
          await new Promise((r) => setTimeout(r, 50));
          expect(received).toBe(1);
        } finally {
          link.destroy();
        }
        await sendUdp(port, 1);
        expect(await waitFor(() => received === 2)).toBe(true);
      } finally {
        server.close();
        obj.close();
      }
    });
  },
  { clang: false },
);
