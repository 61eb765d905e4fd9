#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
struct S { __u8 a; __u32 b; long c; };
__u64 r1 = 0; int r2 = 7; __u8 r3 = 0; long r4 = 0;
static __attribute__((noinline)) __u64 add3(__u32 a, __u32 b, __u64 c) { __u64 s = a; for (__u32 i = 0; i < 10; i++) { if (i == 3) continue; s += b * i; if (s > 1000) break; } return s + c; }
static __attribute__((noinline)) int tri(int n) { int acc = 0; int k = n; while (k > 0) { acc += k; k--; } return acc; }
SEC("syscall") long prog(void *ctx) {
  struct S s = {}; s.a = 250; s.b = 0xffffffff; s.c = -5; s.a += 10;
  r1 = add3(s.b, 3, 100); r2 = tri(r2 & 7) + (__s8)s.a; r3 = (__u8)s.c; r4 = s.c * 3 + (s.b > 5 ? 1 : 2);
  switch (r2) { case 28: r4 += 100; case 29: r4 += 1000; break; default: r4 = 0; }
  return s.c / 2;
}
