// Checksums: the IPv4 header checksum (RFC 1071 fold), Adler-32 and FNV-1a
// over bytes on the stack.
import { license, syscall, zeroed, u8, u16, u32, type i64, type FixedArray } from "tsbpf";

license("GPL");

interface Ipv4Header {
  words: FixedArray<u16, 10>;
}

export let csum: u16 = 0;
export let verify: u16 = 0;
export let adler: u32 = 0;
export let fnv: u32 = 0;

function fold(sum: u32): u16 {
  let s: u32 = (sum & 0xffff) + (sum >> 16);
  s = (s & 0xffff) + (s >> 16);
  return u16(~s);
}

function ipChecksum(h: Ipv4Header): u16 {
  let sum: u32 = 0;
  for (let i: u32 = 0; i < 10; i++) {
    sum += h.words[i];
  }
  return fold(sum);
}

export const checksums = syscall((ctx): i64 => {
  const h = zeroed<Ipv4Header>();
  h.words[0] = 0x4500;
  h.words[1] = 0x0073;
  h.words[2] = 0x0000;
  h.words[3] = 0x4000;
  h.words[4] = 0x4011;
  h.words[5] = 0x0000;
  h.words[6] = 0xc0a8;
  h.words[7] = 0x0001;
  h.words[8] = 0xc0a8;
  h.words[9] = 0x00c7;
  csum = ipChecksum(h);
  h.words[5] = csum;
  verify = ipChecksum(h);

  const data = zeroed<FixedArray<u8, 64>>();
  for (let i: u32 = 0; i < 64; i++) {
    data[i] = u8(i * 7 + 3);
  }
  let a: u32 = 1;
  let b: u32 = 0;
  let h32: u32 = 2166136261;
  for (let i: u32 = 0; i < 64; i++) {
    a = (a + data[i]) % 65521;
    b = (b + a) % 65521;
    h32 ^= data[i];
    h32 *= 16777619;
  }
  adler = (b << 16) | a;
  fnv = h32;
  return csum;
});
