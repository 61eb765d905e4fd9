// Bit tricks (Hacker's Delight, the kernel's bitops and the BPF selftests'
// cpuv4 cases): population count, bit reversal, byte swaps, rotations, count
// leading/trailing zeros, sign extension, signed division and modulo.
import { license, syscall, i8, i16, i32, i64, u8, u16, u32, u64 } from "tsbpf";

license("GPL");

export let pop: u32 = 0;
export let rev: u32 = 0;
export let swapped: u64 = 0;
export let swapped16: u16 = 0;
export let rotl: u32 = 0;
export let rotr: u64 = 0;
export let lz: u32 = 0;
export let tz: u32 = 0;
export let pow2: u32 = 0;
export let isPow2: u8 = 0;
export let sext8: i64 = 0;
export let sext16: i64 = 0;
export let sext32: i64 = 0;
export let sdiv: i64 = 0;
export let smod: i64 = 0;
export let sdiv32: i32 = 0;
export let smod32: i32 = 0;
export let udiv: u64 = 0;
export let mixed: u32 = 0;
export let parity: u8 = 0;
export let absdiff: u32 = 0;

function popcount64(x: u64): u32 {
  let v: u64 = x - ((x >> 1) & 0x5555555555555555);
  v = (v & 0x3333333333333333) + ((v >> 2) & 0x3333333333333333);
  v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0f;
  return u32((v * 0x0101010101010101) >> 56);
}

function reverse32(x: u32): u32 {
  let v: u32 = ((x >> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  v = ((v >> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return (v >> 16) | (v << 16);
}

function bswap64(x: u64): u64 {
  return ((x & 0xff) << 56) | ((x & 0xff00) << 40) | ((x & 0xff0000) << 24) | ((x & 0xff000000) << 8) |
    ((x >> 8) & 0xff000000) | ((x >> 24) & 0xff0000) | ((x >> 40) & 0xff00) | (x >> 56);
}

function clz32(x: u32): u32 {
  if (x === 0) return 32;
  let n: u32 = 0;
  for (let i: i32 = 31; i >= 0; i--) {
    if ((x >> i) & 1) break;
    n++;
  }
  return n;
}

function ctz64(x: u64): u32 {
  if (x === 0) return 64;
  let n: u32 = 0;
  let v: u64 = x & (~x + 1);
  if ((v & 0xffffffff) === 0) n += 32;
  if ((v & 0x0000ffff0000ffff) === 0) n += 16;
  if ((v & 0x00ff00ff00ff00ff) === 0) n += 8;
  if ((v & 0x0f0f0f0f0f0f0f0f) === 0) n += 4;
  if ((v & 0x3333333333333333) === 0) n += 2;
  if ((v & 0x5555555555555555) === 0) n += 1;
  return n;
}

function roundupPow2(x: u32): u32 {
  let v: u32 = x - 1;
  v |= v >> 1;
  v |= v >> 2;
  v |= v >> 4;
  v |= v >> 8;
  v |= v >> 16;
  return v + 1;
}

export const bits = syscall((ctx): i64 => {
  const a: u64 = 0xf0e1d2c3b4a59687;
  pop = popcount64(a);
  rev = reverse32(0x12345678);
  swapped = bswap64(a);
  swapped16 = u16((0xbeef >> 8) | (0xbeef << 8));
  const r: u32 = 13;
  rotl = (0x80000001 << (r & 31)) | (0x80000001 >> ((32 - r) & 31));
  rotr = (a >> 17) | (a << 47);
  lz = clz32(0x00f00000);
  tz = ctz64(0x0000100000000000);
  pow2 = roundupPow2(1000);
  isPow2 = u8(pow2 !== 0 && (pow2 & (pow2 - 1)) === 0);
  sext8 = i8(0x1ff80);
  sext16 = i16(0x18000);
  sext32 = i32(0x180000000);
  sdiv = -i64(0x7fffffffffff) / 3;
  smod = -i64(0x7fffffffffff) % 3;
  sdiv32 = i32(-20) / 3;
  smod32 = i32(20) % -3;
  udiv = 0xffffffffffffffff / 7;
  // unsigned meets signed: -1 becomes 0xffffffff
  mixed = u32(-1 < u32(1) ? 1 : 2) + u32(i8(-1) < u8(1) ? 10 : 20);
  let p: u32 = 0x6996;
  let w: u32 = 0xdeadbeef;
  w ^= w >> 16;
  w ^= w >> 8;
  w ^= w >> 4;
  parity = u8((p >> (w & 0xf)) & 1);
  const x: i32 = -1000;
  const y: i32 = 77;
  absdiff = x > y ? u32(x - y) : u32(y - x);
  return pop + lz + tz;
});
