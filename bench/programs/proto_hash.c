// Hash maps keyed by protocol: lookup-or-insert of per-(family, L4 protocol) stats
// and of a per-destination-port packet count.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct ports { __u16 source; __u16 dest; };
struct proto_stat { __u64 packets; __u64 bytes; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, struct proto_stat);
} proto_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u16);
	__type(value, __u64);
} port_hits SEC(".maps");

__u64 inserts = 0;

SEC("tc")
int proto_hash(struct __sk_buff *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 l4 = 0, off = sizeof(*eth);

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	__u16 h_proto = bpf_ntohs(eth->h_proto);
	if (h_proto == ETH_P_IP) {
		struct iphdr *ip = data + sizeof(*eth);
		if ((void *)(ip + 1) > data_end)
			return TC_ACT_OK;
		l4 = ip->protocol;
		off += ip->ihl * 4;
	} else if (h_proto == ETH_P_IPV6) {
		struct ipv6hdr *ip6 = data + sizeof(*eth);
		if ((void *)(ip6 + 1) > data_end)
			return TC_ACT_OK;
		l4 = ip6->nexthdr;
		off += sizeof(*ip6);
	}
	__u32 key = ((__u32)h_proto << 8) | l4;
	struct proto_stat *st = bpf_map_lookup_elem(&proto_stats, &key);
	if (st) {
		st->packets += 1;
		st->bytes += ctx->len;
	} else {
		struct proto_stat init = { .packets = 1, .bytes = ctx->len };
		bpf_map_update_elem(&proto_stats, &key, &init, BPF_NOEXIST);
		inserts += 1;
	}
	if (l4 != IPPROTO_TCP && l4 != IPPROTO_UDP)
		return TC_ACT_OK;
	struct ports *ports = data + off;
	if ((void *)(ports + 1) > data_end)
		return TC_ACT_OK;
	__u16 dport = bpf_ntohs(ports->dest);
	__u64 *hits = bpf_map_lookup_elem(&port_hits, &dport);
	if (hits) {
		*hits += 1;
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&port_hits, &dport, &one, BPF_NOEXIST);
	}
	return TC_ACT_OK;
}
