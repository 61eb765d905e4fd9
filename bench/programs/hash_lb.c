// BPF-to-BPF calls: a jhash-style 5-tuple hash in non-inlined functions picks one of
// 13 backends (h % 13); the packet's destination MAC and IPv4 address are rewritten.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct ports { __u16 source; __u16 dest; };
struct backend { __u32 ip; __u8 mac[6]; __u16 pad; __u64 packets; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct backend);
} backends SEC(".maps");

__u32 last_hash = 0;

static __always_inline __u32 rol32(__u32 x, __u32 k)
{
	return (x << k) | (x >> (32 - k));
}

static __noinline __u32 jhash_final(__u32 a, __u32 b, __u32 c)
{
	c ^= b; c -= rol32(b, 14);
	a ^= c; a -= rol32(c, 11);
	b ^= a; b -= rol32(a, 25);
	c ^= b; c -= rol32(b, 16);
	a ^= c; a -= rol32(c, 4);
	b ^= a; b -= rol32(a, 14);
	c ^= b; c -= rol32(b, 24);
	return c;
}

static __noinline __u32 flow_hash(__u32 saddr, __u32 daddr, __u32 ports, __u32 proto)
{
	const __u32 seed = 0xdeadbeef + (4 << 2);
	__u32 h = jhash_final(saddr + seed, daddr + seed, ports + seed);
	return jhash_final(h, proto + seed, seed);
}

SEC("xdp")
int hash_lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 ports = 0;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_ABORTED;
	if (ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) {
		struct ports *p = (void *)ip + ip->ihl * 4;
		if ((void *)(p + 1) > data_end)
			return XDP_ABORTED;
		ports = ((__u32)p->source << 16) | p->dest;
	}
	__u32 h = flow_hash(ip->saddr, ip->daddr, ports, ip->protocol);
	last_hash = h;
	__u32 idx = h % 13;
	struct backend *b = bpf_map_lookup_elem(&backends, &idx);
	if (!b || b->ip == 0)
		return XDP_PASS;
	b->packets += 1;
	for (__u32 i = 0; i < 6; i++) {
		eth->h_source[i] = eth->h_dest[i];
		eth->h_dest[i] = b->mac[i];
	}
	ip->daddr = b->ip;
	return XDP_TX;
}
