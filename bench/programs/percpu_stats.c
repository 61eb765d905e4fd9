// Per-CPU counters: packets, bytes, per-family counts and a log2 packet-size histogram.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct stats {
	__u64 packets;
	__u64 bytes;
	__u64 ipv4;
	__u64 ipv6;
	__u64 other;
	__u64 hist[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stats);
} stats SEC(".maps");

SEC("tc")
int percpu_stats(struct __sk_buff *ctx)
{
	__u32 zero = 0;
	struct stats *s = bpf_map_lookup_elem(&stats, &zero);
	if (!s)
		return TC_ACT_OK;
	s->packets += 1;
	s->bytes += ctx->len;
	if (ctx->protocol == bpf_htons(ETH_P_IP))
		s->ipv4 += 1;
	else if (ctx->protocol == bpf_htons(ETH_P_IPV6))
		s->ipv6 += 1;
	else
		s->other += 1;
	__u32 bucket = 0, v = ctx->len;
	while (v > 1 && bucket < 15) {
		v >>= 1;
		bucket++;
	}
	s->hist[bucket] += 1;
	return TC_ACT_OK;
}
