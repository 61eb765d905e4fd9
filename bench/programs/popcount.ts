// Bit counting over four 64-bit words of the packet: a bit-by-bit loop, the SWAR
// population count, parity, and leading zeros by binary search.
import { license, tc, u32, TC_ACT_OK, TC_ACT_SHOT, type u64, type FixedArray } from "tsbpf";

license("GPL");

export let loop_bits: u32 = 0;
export let swar_bits: u32 = 0;
export let parity: u32 = 0;
export let lz_total: u32 = 0;

function popcount64(x: u64): u32 {
  x = x - ((x >> 1) & 0x5555555555555555);
  x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f;
  return u32((x * 0x0101010101010101) >> 56);
}

function clz64(x: u64): u32 {
  if (x === 0) return 64;
  let n: u32 = 0;
  if ((x & 0xffffffff00000000) === 0) { n += 32; x <<= 32; }
  if ((x & 0xffff000000000000) === 0) { n += 16; x <<= 16; }
  if ((x & 0xff00000000000000) === 0) { n += 8; x <<= 8; }
  if ((x & 0xf000000000000000) === 0) { n += 4; x <<= 4; }
  if ((x & 0xc000000000000000) === 0) { n += 2; x <<= 2; }
  if ((x & 0x8000000000000000) === 0) n += 1;
  return n;
}

export const popcount = tc((ctx) => {
  const w = ctx.header<FixedArray<u64, 4>>(14);
  if (w === null) return TC_ACT_OK;
  let bits: u32 = 0;
  let swar: u32 = 0;
  let par: u64 = 0;
  let lz: u32 = 0;
  for (let i: u32 = 0; i < 4; i++) {
    let x: u64 = w[i];
    par ^= x;
    swar += popcount64(x);
    lz += clz64(x);
    for (let b: u32 = 0; b < 64; b++) {
      bits += u32(x & 1);
      x >>= 1;
    }
  }
  par ^= par >> 32;
  par ^= par >> 16;
  par ^= par >> 8;
  par ^= par >> 4;
  par ^= par >> 2;
  par ^= par >> 1;
  loop_bits = bits;
  swar_bits = swar;
  parity = u32(par & 1);
  lz_total = lz;
  return bits === swar ? TC_ACT_OK : TC_ACT_SHOT;
});
