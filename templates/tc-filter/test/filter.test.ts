// Runs the filter in the kernel through the generated skeleton (root or CAP_BPF).
// The test packet is UDP 10.0.0.1:1234 → 10.0.0.2:5678 (defaultPacket()).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FilterSkeleton } from "../dist/filter.skel.js";

const TC_ACT_OK = 0;
const TC_ACT_SHOT = 2;

describe("tc-filter", () => {
  let skel: FilterSkeleton;
  beforeAll(() => {
    skel = FilterSkeleton.load();
  });
  afterAll(() => skel?.close());

  it("lets packets to open ports through", () => {
    expect(skel.progs.filter.testRun().retval).toBe(TC_ACT_OK);
  });

  it("drops packets to a blocked port and counts them", () => {
    skel.maps.blocked.update(5678, 0n);
    expect(skel.progs.filter.testRun().retval).toBe(TC_ACT_SHOT);
    expect(skel.progs.filter.testRun().retval).toBe(TC_ACT_SHOT);
    expect(skel.maps.blocked.lookup(5678)).toBe(2n);
    skel.maps.blocked.delete(5678);
    expect(skel.progs.filter.testRun().retval).toBe(TC_ACT_OK);
  });
});
