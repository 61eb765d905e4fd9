// Counts the packets an interface receives, before the kernel's network stack sees them.
import { license, xdp, PerCpuArrayMap, XDP_PASS, type u32, type u64 } from "tsbpf";

license("GPL");

interface Stats {
  packets: u64;
}

/** One slot, one copy per CPU: no atomics needed; user space adds the CPUs up. */
export const stats = new PerCpuArrayMap<u32, Stats>({ maxEntries: 1 });

export const count_packets = xdp((ctx) => {
  const s = stats.lookup(0);
  if (s !== null) s.packets += 1;
  return XDP_PASS;
});
