// Counters over a loop: fizzbuzz tallies, sums, an alternating sum.
import { license, syscall, u8, u64, i64, type i32, type u32 } from "tsbpf";

license("GPL");

export let evens: u32 = 0;
export let odds: u32 = 0;
export let fizz: u32 = 0;
export let buzz: u32 = 0;
export let fizzbuzz: u32 = 0;
export let sum: u64 = 0;
export let sumsq: u64 = 0;
export let alt: i64 = 0;
export let last: u8 = 0;
export let runs: u32 = 7;

export const count = syscall((ctx): i64 => {
  runs++;
  for (let i: u32 = 1; i <= 16; i++) {
    if (i % 2 === 0) {
      evens++;
    } else {
      odds++;
    }
    if (i % 15 === 0) {
      fizzbuzz++;
    } else if (i % 5 === 0) {
      buzz++;
    } else if (i % 3 === 0) {
      fizz++;
    }
    sum += i;
    sumsq += u64(i) * i;
    alt += (i & 1) !== 0 ? -i64(i) : i64(i);
    last = u8(i * 37);
  }
  return i64(sum) - i64(evens);
});

export let down: i32 = 0;
export let steps: u32 = 0;

export const countdown = syscall((ctx): i64 => {
  let n: i32 = 100;
  while (n > 0) {
    steps++;
    if (n % 7 === 3) {
      n -= 11;
      continue;
    }
    n -= 9;
    if (steps >= 13) {
      break;
    }
  }
  down = n;
  return n;
});
