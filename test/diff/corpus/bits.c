// Bit tricks (Hacker's Delight, the kernel's bitops and the BPF selftests'
// cpuv4 cases): population count, bit reversal, byte swaps, rotations, count
// leading/trailing zeros, sign extension, signed division and modulo.
#include <linux/types.h>
#define SEC(name) __attribute__((section(name), used))

char LICENSE[] SEC("license") = "GPL";

__u32 pop = 0;
__u32 rev = 0;
__u64 swapped = 0;
__u16 swapped16 = 0;
__u32 rotl = 0;
__u64 rotr = 0;
__u32 lz = 0;
__u32 tz = 0;
__u32 pow2 = 0;
__u8 isPow2 = 0;
long sext8 = 0;
long sext16 = 0;
long sext32 = 0;
long sdiv = 0;
long smod = 0;
int sdiv32 = 0;
int smod32 = 0;
__u64 udiv = 0;
__u32 mixed = 0;
__u8 parity = 0;
__u32 absdiff = 0;

static __u32 popcount64(__u64 x) {
  __u64 v = x - ((x >> 1) & 0x5555555555555555);
  v = (v & 0x3333333333333333) + ((v >> 2) & 0x3333333333333333);
  v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0f;
  return (__u32)((v * 0x0101010101010101) >> 56);
}

static __u32 reverse32(__u32 x) {
  __u32 v = ((x >> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  v = ((v >> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return (v >> 16) | (v << 16);
}

static __u64 bswap64(__u64 x) {
  return ((x & 0xff) << 56) | ((x & 0xff00) << 40) | ((x & 0xff0000) << 24) | ((x & 0xff000000) << 8) |
    ((x >> 8) & 0xff000000) | ((x >> 24) & 0xff0000) | ((x >> 40) & 0xff00) | (x >> 56);
}

static __u32 clz32(__u32 x) {
  if (x == 0) return 32;
  __u32 n = 0;
  for (int i = 31; i >= 0; i--) {
    if ((x >> i) & 1) break;
    n++;
  }
  return n;
}

static __u32 ctz64(__u64 x) {
  if (x == 0) return 64;
  __u32 n = 0;
  __u64 v = x & (~x + 1);
  if ((v & 0xffffffff) == 0) n += 32;
  if ((v & 0x0000ffff0000ffff) == 0) n += 16;
  if ((v & 0x00ff00ff00ff00ff) == 0) n += 8;
  if ((v & 0x0f0f0f0f0f0f0f0f) == 0) n += 4;
  if ((v & 0x3333333333333333) == 0) n += 2;
  if ((v & 0x5555555555555555) == 0) n += 1;
  return n;
}

static __u32 roundupPow2(__u32 x) {
  __u32 v = x - 1;
  v |= v >> 1;
  v |= v >> 2;
  v |= v >> 4;
  v |= v >> 8;
  v |= v >> 16;
  return v + 1;
}

SEC("syscall") long bits(void *ctx) {
  const __u64 a = 0xf0e1d2c3b4a59687;
  pop = popcount64(a);
  rev = reverse32(0x12345678);
  swapped = bswap64(a);
  swapped16 = (__u16)((0xbeef >> 8) | (0xbeef << 8));
  const __u32 r = 13;
  rotl = (0x80000001 << (r & 31)) | (0x80000001 >> ((32 - r) & 31));
  rotr = (a >> 17) | (a << 47);
  lz = clz32(0x00f00000);
  tz = ctz64(0x0000100000000000);
  pow2 = roundupPow2(1000);
  isPow2 = (__u8)(pow2 != 0 && (pow2 & (pow2 - 1)) == 0);
  sext8 = (__s8)0x1ff80;
  sext16 = (__s16)0x18000;
  sext32 = (int)0x180000000;
  sdiv = -(long)0x7fffffffffff / 3;
  smod = -(long)0x7fffffffffff % 3;
  sdiv32 = (int)-20 / 3;
  smod32 = (int)20 % -3;
  udiv = 0xffffffffffffffff / 7;
  /* unsigned meets signed: -1 becomes 0xffffffff */
  mixed = (__u32)(-1 < (__u32)1 ? 1 : 2) + (__u32)((__s8)-1 < (__u8)1 ? 10 : 20);
  __u32 p = 0x6996;
  __u32 w = 0xdeadbeef;
  w ^= w >> 16;
  w ^= w >> 8;
  w ^= w >> 4;
  parity = (__u8)((p >> (w & 0xf)) & 1);
  const int x = -1000;
  const int y = 77;
  absdiff = x > y ? (__u32)(x - y) : (__u32)(y - x);
  return pop + lz + tz;
}
