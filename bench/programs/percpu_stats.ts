// Per-CPU counters: packets, bytes, per-family counts and a log2 packet-size histogram.
import {
  license, tc, PerCpuArrayMap, bpf_htons, TC_ACT_OK, ETH_P_IP, ETH_P_IPV6,
  type u32, type u64, type FixedArray,
} from "tsbpf";

license("GPL");

interface Stats { packets: u64; bytes: u64; ipv4: u64; ipv6: u64; other: u64; hist: FixedArray<u64, 16> }

export const stats = new PerCpuArrayMap<u32, Stats>({ maxEntries: 1 });

export const percpu_stats = tc((ctx) => {
  const s = stats.lookup(0);
  if (s === null) return TC_ACT_OK;
  s.packets += 1;
  s.bytes += ctx.len;
  if (ctx.protocol === bpf_htons(ETH_P_IP)) s.ipv4 += 1;
  else if (ctx.protocol === bpf_htons(ETH_P_IPV6)) s.ipv6 += 1;
  else s.other += 1;
  let bucket: u32 = 0;
  let v: u32 = ctx.len;
  while (v > 1 && bucket < 15) {
    v >>= 1;
    bucket++;
  }
  s.hist[bucket] += 1;
  return TC_ACT_OK;
});
