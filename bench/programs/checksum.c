// Checksums in bounded loops: verify the IPv4 header checksum, then the Internet
// checksum of the first 64 bytes of UDP payload; counters of good and bad headers.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

__u64 good = 0;
__u64 bad = 0;
__u32 payload_csum = 0;

static __always_inline __u32 fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

SEC("xdp")
int checksum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	__u16 *words = data + 14;
	if ((void *)(words + 10) > data_end)
		return XDP_DROP;
	__u32 sum = 0;
	for (__u32 i = 0; i < 10; i++)
		sum += words[i];
	if (fold(sum) != 0) {
		bad += 1;
		return XDP_DROP;
	}
	good += 1;
	__u16 *payload = data + 14 + 20 + 8;
	if ((void *)(payload + 32) > data_end)
		return XDP_PASS;
	__u32 psum = 0;
	for (__u32 i = 0; i < 32; i++)
		psum += payload[i];
	payload_csum = fold(psum);
	return XDP_PASS;
}
