// Struct copying: a map value copied to the stack, nested members swapped by
// assignment, the whole snapshot stored into another map, then copied back
// member-wise map to map.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct addr { __u32 ip; __u16 port; __u16 flags; };
struct cfg { __u32 id; __u32 weight; struct addr src; struct addr dst; __u32 tags[8]; };
struct snapshot { __u64 seq; struct cfg cfg; __u64 hits; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct cfg);
} cfgs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct snapshot);
} snaps SEC(".maps");

__u64 seq = 0;

SEC("tc")
int struct_copy(struct __sk_buff *ctx)
{
	__u32 k = ctx->len & 3;
	struct cfg *c = bpf_map_lookup_elem(&cfgs, &k);
	if (!c)
		return TC_ACT_OK;
	struct snapshot snap = {};
	snap.seq = seq;
	seq += 1;
	snap.cfg = *c;
	snap.cfg.weight += 1;
	snap.cfg.src = c->dst;
	snap.cfg.dst = c->src;
	snap.cfg.tags[0] = c->tags[7];
	snap.cfg.tags[7] = c->tags[0];
	struct snapshot *prev = bpf_map_lookup_elem(&snaps, &k);
	snap.hits = prev ? prev->hits + 1 : 1;
	bpf_map_update_elem(&snaps, &k, &snap, 0);
	struct snapshot *s2 = bpf_map_lookup_elem(&snaps, &k);
	if (!s2)
		return TC_ACT_OK;
	c->src = s2->cfg.src;
	c->dst = s2->cfg.dst;
	c->weight = s2->cfg.weight & 0xff;
	return s2->cfg.tags[0] == c->tags[7] ? TC_ACT_OK : 1;
}
