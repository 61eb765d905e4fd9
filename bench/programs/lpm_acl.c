// LPM-trie ACL: longest-prefix match of the IPv4 source, then of the destination;
// per-rule hit counters and a drop/pass verdict.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct lpm_key { __u32 prefixlen; __u32 addr; };
struct rule { __u32 action; __u64 hits; };

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, struct rule);
} src_acl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, struct rule);
} dst_acl SEC(".maps");

__u64 misses = 0;

SEC("xdp")
int lpm_acl(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_DROP;
	struct lpm_key key = { .prefixlen = 32, .addr = ip->saddr };
	struct rule *r = bpf_map_lookup_elem(&src_acl, &key);
	if (r) {
		r->hits += 1;
		if (r->action)
			return XDP_DROP;
	} else {
		misses += 1;
	}
	key.addr = ip->daddr;
	struct rule *d = bpf_map_lookup_elem(&dst_acl, &key);
	if (!d)
		return XDP_PASS;
	d->hits += 1;
	return d->action ? XDP_DROP : XDP_PASS;
}
