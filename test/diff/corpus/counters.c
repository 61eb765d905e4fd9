// Counters over a loop: fizzbuzz tallies, sums, an alternating sum.
#include <linux/types.h>
#define SEC(name) __attribute__((section(name), used))

char LICENSE[] SEC("license") = "GPL";

__u32 evens = 0;
__u32 odds = 0;
__u32 fizz = 0;
__u32 buzz = 0;
__u32 fizzbuzz = 0;
__u64 sum = 0;
__u64 sumsq = 0;
long alt = 0;
__u8 last = 0;
__u32 runs = 7;

SEC("syscall") long count(void *ctx) {
  runs++;
  for (__u32 i = 1; i <= 16; i++) {
    if (i % 2 == 0) {
      evens++;
    } else {
      odds++;
    }
    if (i % 15 == 0) {
      fizzbuzz++;
    } else if (i % 5 == 0) {
      buzz++;
    } else if (i % 3 == 0) {
      fizz++;
    }
    sum += i;
    sumsq += (__u64)i * i;
    alt += (i & 1) != 0 ? -(long)i : (long)i;
    last = (__u8)(i * 37);
  }
  return (long)sum - (long)evens;
}

int down = 0;
__u32 steps = 0;

SEC("syscall") long countdown(void *ctx) {
  int n = 100;
  while (n > 0) {
    steps++;
    if (n % 7 == 3) {
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
}
