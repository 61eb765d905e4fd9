// Port of libbpf-bootstrap examples/c/tc.bpf.c (tc_ingress), with UAPI headers
// in place of vmlinux.h; the values it prints are also kept in globals so that
// the differential test can see them.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

__u32 last_tot_len = 0;
__u32 last_ttl = 0;

SEC("tc")
int tc_ingress(struct __sk_buff *ctx)
{
	void *data_end = (void *)(__u64)ctx->data_end;
	void *data = (void *)(__u64)ctx->data;
	struct ethhdr *l2;
	struct iphdr *l3;

	if (ctx->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;

	l2 = data;
	if ((void *)(l2 + 1) > data_end)
		return TC_ACT_OK;

	l3 = (struct iphdr *)(l2 + 1);
	if ((void *)(l3 + 1) > data_end)
		return TC_ACT_OK;

	bpf_printk("Got IP packet: tot_len: %d, ttl: %d", bpf_ntohs(l3->tot_len), l3->ttl);
	last_tot_len = bpf_ntohs(l3->tot_len);
	last_ttl = l3->ttl;
	return TC_ACT_OK;
}

char __license[] SEC("license") = "GPL";
