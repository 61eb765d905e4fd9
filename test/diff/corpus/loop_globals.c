// Globals read in loops (see loop_globals.ts).
#include <linux/types.h>
#define SEC(name) __attribute__((section(name), used))

char LICENSE[] SEC("license") = "GPL";

__u32 mode = 3;
__u32 step = 7;
__u64 acc = 5;
__u64 out = 0;

SEC("syscall") long loop_globals(void *ctx) {
  __u64 sum = 0;
  for (__u32 i = 0; i < 40; i++) {
    if (mode == 0)
      sum += i;
    else if (mode == 3)
      sum += (__u64)(step * i);
    else
      sum ^= i;
    out = sum;
  }
  for (__u32 i = 0; i < 10; i++) {
    acc = acc * 3 + i;
    if (acc > 1000)
      acc -= 1000;
  }
  return sum + acc;
}
