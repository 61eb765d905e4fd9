// XDP parser: Ethernet → IPv4 (any IHL) / IPv6 → TCP/UDP ports, counters in array maps.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct ports { __u16 source; __u16 dest; };
struct counter { __u64 packets; __u64 bytes; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct counter);
} l4_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} dport_count SEC(".maps");

__u16 last_sport = 0;
__u16 last_dport = 0;
__u64 non_ip = 0;

SEC("xdp")
int xdp_parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 off = sizeof(*eth), len, key;
	__u8 l4;

	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	__u16 proto = bpf_ntohs(eth->h_proto);
	if (proto == ETH_P_IP) {
		struct iphdr *ip = data + sizeof(*eth);
		if ((void *)(ip + 1) > data_end)
			return XDP_DROP;
		__u32 ihl = ip->ihl;
		if (ihl < 5)
			return XDP_DROP;
		l4 = ip->protocol;
		len = bpf_ntohs(ip->tot_len);
		off += ihl * 4;
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr *ip6 = data + sizeof(*eth);
		if ((void *)(ip6 + 1) > data_end)
			return XDP_DROP;
		l4 = ip6->nexthdr;
		len = bpf_ntohs(ip6->payload_len) + sizeof(*ip6);
		off += sizeof(*ip6);
	} else {
		non_ip += 1;
		return XDP_PASS;
	}
	key = l4;
	struct counter *c = bpf_map_lookup_elem(&l4_count, &key);
	if (c) {
		c->packets += 1;
		c->bytes += len;
	}
	if (l4 != IPPROTO_TCP && l4 != IPPROTO_UDP)
		return XDP_PASS;
	struct ports *ports = data + off;
	if ((void *)(ports + 1) > data_end)
		return XDP_DROP;
	last_sport = bpf_ntohs(ports->source);
	last_dport = bpf_ntohs(ports->dest);
	key = last_dport & 1023;
	__u64 *d = bpf_map_lookup_elem(&dport_count, &key);
	if (d)
		*d += 1;
	return XDP_PASS;
}
