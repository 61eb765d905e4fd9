// Running minimum, maximum and a count above a .rodata threshold over a loop
// of values hashed from a seed (see running_stats.ts).
#include <linux/types.h>
#define SEC(name) __attribute__((section(name), used))

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 threshold = 0x80000000;
__u32 seed = 2463534242;
__u64 sum = 0;
__u32 min = 0;
__u32 max = 0;
__u32 above = 0;

SEC("syscall") long running_stats(void *ctx) {
  __u32 x = seed;
  __u64 total = 0;
  __u32 lo = 0xffffffff, hi = 0, count = 0;
  for (__u32 i = 0; i < 64; i++) {
    __u32 v = (i * 2654435761u) ^ x;
    total += v;
    if (v < lo)
      lo = v;
    if (v > hi)
      hi = v;
    if (v > threshold)
      count++;
  }
  sum = total;
  min = lo;
  max = hi;
  above = count;
  return count;
}
