// Ring-buffer event emitter: one record per packet (addresses, ports, sizes), dropped-event count.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct ports { __u16 source; __u16 dest; };
struct event {
	__u64 seq;
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 tos;
	__u16 len;
	__u32 ifindex;
	__u32 mark;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

__u64 seq = 0;
__u64 dropped = 0;

SEC("tc")
int ringbuf_events(struct __sk_buff *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		dropped += 1;
		return TC_ACT_OK;
	}
	e->seq = seq;
	seq += 1;
	e->saddr = ip->saddr;
	e->daddr = ip->daddr;
	e->proto = ip->protocol;
	e->tos = ip->tos;
	e->len = bpf_ntohs(ip->tot_len);
	e->ifindex = ctx->ifindex;
	e->mark = ctx->mark;
	e->sport = 0;
	e->dport = 0;
	if (ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) {
		struct ports *ports = (void *)ip + ip->ihl * 4;
		if ((void *)(ports + 1) <= data_end) {
			e->sport = bpf_ntohs(ports->source);
			e->dport = bpf_ntohs(ports->dest);
		}
	}
	bpf_ringbuf_submit(e, 0);
	return TC_ACT_OK;
}
