// Runs the program in the kernel through the generated skeleton (root or CAP_BPF).
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codec as c } from "tsbpf/loader";
import { EventsSkeleton } from "../dist/events.skel.js";

/** src/events.ts's `Event`, as user space reads it. */
const Event = c.struct<{ pid: number; cpu: number; time_ns: bigint }>(16, {
  pid: [0, c.u32],
  cpu: [4, c.u32],
  time_ns: [8, c.u64],
});

describe("ringbuf-events", () => {
  let skel: EventsSkeleton;
  beforeAll(() => {
    skel = EventsSkeleton.load();
  });
  afterAll(() => skel?.close());

  it("a test run sends one event from this process", () => {
    expect(skel.progs.on_exec.testRun().retval).toBe(0);
    const events = skel.maps.events.consume(Event);
    expect(events.map((e) => e.pid)).toEqual([process.pid]);
    expect(skel.bss.dropped).toBe(0n);
  });

  it("attached to sched_process_exec, it reports a new process", () => {
    const link = skel.progs.on_exec.attach();
    try {
      const child = spawnSync("true");
      const events = skel.maps.events.consume(Event);
      expect(events.map((e) => e.pid)).toContain(child.pid);
    } finally {
      link.destroy();
    }
  });
});
