// Bounded loop over an array in a map value: sum, min, max and a count above a
// threshold (a .rodata constant), for the first n samples (n ≤ 64, from the map).
import { license, tc, ArrayMap, TC_ACT_OK, type u32, type u64, type FixedArray } from "tsbpf";

license("GPL");

interface Samples { n: u32; vals: FixedArray<u32, 64> }

export const samples = new ArrayMap<u32, Samples>({ maxEntries: 1 });
export const threshold: u32 = 1000;
export let sum: u64 = 0;
export let min: u32 = 0;
export let max: u32 = 0;
export let above: u32 = 0;

export const array_stats = tc((ctx) => {
  const s = samples.lookup(0);
  if (s === null) return TC_ACT_OK;
  const n: u32 = s.n < 64 ? s.n : 64;
  let total: u64 = 0;
  let lo: u32 = 0xffffffff;
  let hi: u32 = 0;
  let count: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const v = s.vals[i];
    total += v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (v > threshold) count++;
  }
  sum = total;
  min = lo;
  max = hi;
  above = count;
  return TC_ACT_OK;
});
