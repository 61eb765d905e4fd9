import { license, syscall, zeroed, u8, i8, type i32, type u32, type i64, type u64, type i16 } from "tsbpf";
license("GPL");
interface S { a: u8; b: u32; c: i64 }
export let r1: u64 = 0;
export let r2: i32 = 7;
export let r3: u8 = 0;
export let r4: i64 = 0;

function add3(a: u32, b: u32, c: u64): u64 {
  let s: u64 = a;
  for (let i: u32 = 0; i < 10; i++) {
    if (i === 3) continue;
    s += b * i;
    if (s > 1000) break;
  }
  return s + c;
}

function tri(n: i32): i32 {
  let acc: i32 = 0;
  let k: i32 = n;
  while (k > 0) { acc += k; k--; }
  return acc;
}

export const prog = syscall((ctx): i64 => {
  const s = zeroed<S>();
  s.a = 250;
  s.b = 0xffffffff;
  s.c = -5;
  s.a += 10;
  r1 = add3(s.b, 3, 100);
  r2 = tri(r2 & 7) + i8(s.a);
  r3 = u8(s.c);
  r4 = s.c * 3 + (s.b > 5 ? 1 : 2);
  switch (r2) {
    case 28: r4 += 100;
    case 29: r4 += 1000; break;
    default: r4 = 0;
  }
  return s.c / 2;
});
