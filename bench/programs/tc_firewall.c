// tc firewall: drops IPv4 TCP/UDP packets whose destination port is in a hash map;
// verdict counters in a per-CPU array.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct ports { __u16 source; __u16 dest; };
struct fw_stats { __u64 passed; __u64 dropped; __u64 non_ip; __u64 fragments; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);
	__type(value, __u8);
} blocked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fw_stats);
} fw_stats SEC(".maps");

SEC("tc")
int tc_firewall(struct __sk_buff *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0;

	struct fw_stats *st = bpf_map_lookup_elem(&fw_stats, &zero);
	if (!st)
		return TC_ACT_OK;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP)) {
		st->non_ip += 1;
		return TC_ACT_OK;
	}
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_SHOT;
	if (ip->frag_off & bpf_htons(0x3fff)) {
		st->fragments += 1;
		return TC_ACT_OK;
	}
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP) {
		st->passed += 1;
		return TC_ACT_OK;
	}
	struct ports *ports = (void *)ip + ip->ihl * 4;
	if ((void *)(ports + 1) > data_end)
		return TC_ACT_SHOT;
	__u16 dport = bpf_ntohs(ports->dest);
	__u8 *verdict = bpf_map_lookup_elem(&blocked, &dport);
	if (verdict && *verdict) {
		st->dropped += 1;
		return TC_ACT_SHOT;
	}
	st->passed += 1;
	return TC_ACT_OK;
}
