#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
char LICENSE[] SEC("license") = "GPL";
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 256); __type(key, __u32); __type(value, __u64); } counts SEC(".maps");
__u32 last_len = 0, last_proto = 0;
long pkt_len = 0;
SEC("xdp") int count_xdp(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return XDP_PASS;
  if (bpf_ntohs(eth->h_proto) != ETH_P_IP) return XDP_PASS;
  struct iphdr *ip = data + 14;
  if ((void *)(ip + 1) > end) return XDP_DROP;
  last_proto = ip->protocol;
  __u32 k = ip->protocol;
  __u64 *c = bpf_map_lookup_elem(&counts, &k);
  if (c) *c += 1;
  return XDP_PASS;
}
SEC("tc") int len_tc(struct __sk_buff *ctx) {
  if ((void *)(long)ctx->data + 14 > (void *)(long)ctx->data_end) return TC_ACT_OK;
  last_len = ctx->len + ctx->cb[1];
  pkt_len = (long)ctx->data_end - (long)ctx->data;
  return TC_ACT_OK;
}
