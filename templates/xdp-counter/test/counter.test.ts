// Runs the program in the kernel through the generated skeleton (root or CAP_BPF).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CounterSkeleton } from "../dist/counter.skel.js";

const XDP_PASS = 2;

describe("xdp-counter", () => {
  let skel: CounterSkeleton;
  beforeAll(() => {
    skel = CounterSkeleton.load();
  });
  afterAll(() => skel?.close());

  it("passes every packet and counts it", () => {
    for (let i = 0; i < 3; i++) expect(skel.progs.count_packets.testRun().retval).toBe(XDP_PASS);
    const perCpu = skel.maps.stats.lookup(0)!;
    expect(perCpu.reduce((sum, s) => sum + s.packets, 0n)).toBe(3n);
  });
});
