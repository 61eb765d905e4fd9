// Runs the programs in the kernel through the generated skeleton (root or CAP_BPF).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "tsbpf/loader";
import { WqSkeleton } from "../dist/wq.skel.js";

describe("wq", () => {
  let skel: WqSkeleton;
  // The object stays open while the work runs: bpf_wq_init fails for a map nobody holds.
  beforeAll(() => {
    skel = WqSkeleton.load();
  });
  afterAll(() => skel?.close());

  it("both programs queue their work, and both callbacks run", async () => {
    expect(skel.progs.queue_from_tc.testRun().retval).toBe(0);
    expect(skel.progs.queue_from_syscall.testRun().retval).toBe(0);
    expect(await waitFor(() => skel.bss.done === 0b11, 5000)).toBe(true);
  });
});
