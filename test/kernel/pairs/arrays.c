#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
struct P { __u32 x; __u8 y; };
struct S { __u32 n; __u64 vals[8]; struct P ps[3]; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct S); } m SEC(".maps");
__u64 out = 0; __u32 cnt = 0;
static __u64 zero = 0;
#define AT(arr, n, i) (*((__u64)(i) < (n) ? &(arr)[i] : 0))
SEC("syscall") long prog(void *ctx) {
  struct S s = {};
  for (__u32 i = 0; i < 8; i++) s.vals[i] = i * i;
  for (int j = -2; j < 5; j++) { if ((__u64)(long)j < 3) { s.ps[j].x = 7 + j; cnt += s.ps[j].x; } else { cnt += 0; } }
  __u64 t = 0;
  for (__u32 i = 0; i < 10; i++) t += i < 8 ? s.vals[i] : 0;
  out = t + s.ps[2].y;
  __u32 k = 0;
  struct S *v = bpf_map_lookup_elem(&m, &k);
  if (!v) return -1;
  v->vals[3] = 33;
  __u32 idx = cnt & 15;
  v->n = v->vals[3] + (idx < 8 ? v->vals[idx] : 0);
  return v->n;
}
