// Bounded loop over an array in a map value: sum, min, max and a count above a
// threshold (a .rodata constant), for the first n samples (n ≤ 64, from the map).
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct samples {
	__u32 n;
	__u32 vals[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct samples);
} samples SEC(".maps");

const volatile __u32 threshold = 1000;
__u64 sum = 0;
__u32 min = 0;
__u32 max = 0;
__u32 above = 0;

SEC("tc")
int array_stats(struct __sk_buff *ctx)
{
	__u32 zero = 0;
	struct samples *s = bpf_map_lookup_elem(&samples, &zero);
	if (!s)
		return TC_ACT_OK;
	__u32 n = s->n < 64 ? s->n : 64;
	__u64 total = 0;
	__u32 lo = 0xffffffff, hi = 0, count = 0;
	for (__u32 i = 0; i < n; i++) {
		__u32 v = s->vals[i];
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
	return TC_ACT_OK;
}
