// Globals read in loops: the first loop never writes mode or step, so they are
// read once before it (opt/licm.ts); the second writes acc, which it also
// reads, so every iteration must read it again.
import { license, syscall, type u32, type u64, type i64 } from "tsbpf";

license("GPL");

export let mode: u32 = 3;
export let step: u32 = 7;
export let acc: u64 = 5;
export let out: u64 = 0;

export const loop_globals = syscall((ctx): i64 => {
  let sum: u64 = 0;
  for (let i: u32 = 0; i < 40; i++) {
    if (mode === 0) sum += i;
    else if (mode === 3) sum += step * i;
    else sum ^= i;
    out = sum;
  }
  for (let i: u32 = 0; i < 10; i++) {
    acc = acc * 3 + i;
    if (acc > 1000) acc -= 1000;
  }
  return sum + acc;
});
