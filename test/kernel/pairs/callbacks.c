#include "../fixtures/wq_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";
struct acc { __u64 sum; __u32 steps; };
struct telem { struct bpf_timer t; __u32 hits; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); } vals SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct telem); } timers SEC(".maps");
__u64 loop_sum = 0; long loop_ret = 0; __u64 each_sum = 0; long each_ret = 0; long printed = 0; long timer_rets = 0;

static long square(__u32 i, struct acc *acc) { acc->sum += i * i; acc->steps += 1; if (i == 9) return 1; return 0; }
static long add(void *map, __u32 *key, __u64 *value, struct acc *acc) { acc->sum += *value + *key; return 0; }
static int fire(void *map, __u32 *key, struct telem *value) { value->hits += 1; return 0; }

SEC("tc") long prog(void *ctx) {
  struct acc acc = {};
  loop_ret = bpf_loop(100, square, &acc, 0);
  loop_sum = acc.sum + acc.steps;
  for (__u32 k = 0; k < 8; k++) { __u32 kk = k; __u64 v = k * 10; bpf_map_update_elem(&vals, &kk, &v, 0); }
  struct acc acc2 = {};
  each_ret = bpf_for_each_map_elem(&vals, add, &acc2, 0);
  each_sum = acc2.sum;
  printed = bpf_printk("tsbpf: loop %d each %d", loop_sum, each_sum);
  printed += bpf_printk("tsbpf: %d %d %d %d", 1, 2, 3, 4);
  __u32 z = 0;
  struct telem *te = bpf_map_lookup_elem(&timers, &z);
  if (!te) return 1;
  long a = bpf_timer_init(&te->t, &timers, 1);
  long b = bpf_timer_set_callback(&te->t, fire);
  long c = bpf_timer_start(&te->t, 1000000, 0);
  timer_rets = a * 100 + b * 10 + c;
  return bpf_ktime_get_ns() > 0 ? 0 : 2;
}
