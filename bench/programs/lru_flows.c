// LRU flow table: 5-tuple keys (the source port varied over 64 values in a
// 128-entry LRU), lookup-or-insert of per-flow stats.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct ports { __u16 source; __u16 dest; };
struct flow_key { __u32 saddr; __u32 daddr; __u16 sport; __u16 dport; __u8 proto; };
struct flow_stats { __u64 packets; __u64 bytes; __u64 first_seq; __u64 last_seq; };

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
} flows SEC(".maps");

__u64 seq = 0;
__u64 new_flows = 0;

SEC("tc")
int lru_flows(struct __sk_buff *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct flow_key key;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	__builtin_memset(&key, 0, sizeof(key));
	key.saddr = ip->saddr;
	key.daddr = ip->daddr;
	key.proto = ip->protocol;
	if (ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) {
		struct ports *ports = (void *)ip + ip->ihl * 4;
		if ((void *)(ports + 1) > data_end)
			return TC_ACT_OK;
		key.sport = (__u16)(ports->source ^ (seq & 63));
		key.dport = ports->dest;
	}
	struct flow_stats *f = bpf_map_lookup_elem(&flows, &key);
	if (f) {
		f->packets += 1;
		f->bytes += ctx->len;
		f->last_seq = seq;
	} else {
		struct flow_stats init = {
			.packets = 1, .bytes = ctx->len, .first_seq = seq, .last_seq = seq,
		};
		bpf_map_update_elem(&flows, &key, &init, BPF_NOEXIST);
		new_flows += 1;
	}
	seq += 1;
	return TC_ACT_OK;
}
