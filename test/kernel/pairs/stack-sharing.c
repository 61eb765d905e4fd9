#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
struct Rec { __u64 n; __u64 v[24]; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 8); __type(key, __u32); __type(value, struct Rec); } out SEC(".maps");
__u64 total = 0;
static __always_inline long fill(__u32 key, __u64 seed) {
  struct Rec r = {}; r.n = seed;
  for (__u32 i = 0; i < 24; i++) r.v[i] = seed * i + key;
  return bpf_map_update_elem(&out, &key, &r, 0);
}
SEC("syscall") long calls(void *ctx) {
  long e = fill(0, 3); e |= fill(1, 5); e |= fill(2, 7);
  struct Rec *a = bpf_map_lookup_elem(&out, &(__u32){1});
  if (a) total += a->v[3] + a->n;
  return e;
}
SEC("syscall") long steps(void *ctx) {
  long e = 0;
  /* key: a copy of k, since clang keeps k in the slot whose address goes to the helper and the loop never converges (VERIFIER_NOTES 1) */
  for (__u32 k = 4; k < 8; k++) { struct Rec r = {}; __u32 key = k; r.n = k; r.v[k] = total + k; e |= bpf_map_update_elem(&out, &key, &r, 0); }
  struct Rec *a = bpf_map_lookup_elem(&out, &(__u32){6});
  if (a) total += a->v[6];
  return e;
}
