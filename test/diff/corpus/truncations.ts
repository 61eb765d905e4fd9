// Truncations to 32 bits that later widen again: `u32(x)` of a 64-bit value
// must clear its upper half even where the register allocator gives both the
// same register (fuzzer seed 362: a 32-bit copy was propagated as a 64-bit one).
import { license, syscall, i8, u16, u32, i64, u64 } from "tsbpf";

license("GPL");

export let small: i8 = -3;
export let flag: u32 = 0;
export let low16: u16 = 0;
export let widened: i64 = 0;
export let widened2: u64 = 0;
export let sum: u64 = 0;

export const truncations = syscall((ctx): i64 => {
  let a: u32 = u32(small + 16702611907819016217);
  const never: u32 = 0;
  if (never) {
    low16 = u16(a++);
  }
  widened = a;
  const big: u64 = 0x123456789abcdef0 + u64(flag);
  const b: u32 = u32(big);
  widened2 = b;
  sum = u64(b) + u64(u32(big >> 8));
  return 0;
});
