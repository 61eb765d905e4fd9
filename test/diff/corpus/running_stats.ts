// Running minimum, maximum and a count above a .rodata threshold over a loop
// of values hashed from a seed: the copies `lo = v` and `hi = v` are emitted so
// the verifier does not link them to v (opt/unlink.ts); the results must not
// change, and the program must still verify.
import { license, syscall, u32, type u64, type i64 } from "tsbpf";

license("GPL");

export const threshold: u32 = 0x80000000;
export let seed: u32 = 2463534242;
export let sum: u64 = 0;
export let min: u32 = 0;
export let max: u32 = 0;
export let above: u32 = 0;

export const running_stats = syscall((ctx): i64 => {
  let x: u32 = seed;
  let total: u64 = 0;
  let lo: u32 = 0xffffffff;
  let hi: u32 = 0;
  let count: u32 = 0;
  for (let i: u32 = 0; i < 64; i++) {
    const v: u32 = u32(i * 2654435761) ^ x;
    total += v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (v > threshold) count++;
  }
  sum = total;
  min = lo;
  max = hi;
  above = count;
  return count;
});
