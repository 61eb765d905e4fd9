// The same 64-step computation (an LCG stream folded into a sum of squares) as a
// bpf_loop() callback and as an open-coded bounded for loop.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct loop_ctx { __u32 seed; __u64 sum; };

__u64 loop_sum = 0;
__u64 for_sum = 0;

static long step(__u32 i, struct loop_ctx *c)
{
	c->seed = c->seed * 1103515245 + 12345;
	__u32 v = (c->seed >> 16) ^ i;
	c->sum += v * v;
	return 0;
}

SEC("tc")
int loop_cb(struct __sk_buff *ctx)
{
	struct loop_ctx c = { .seed = ctx->len };
	bpf_loop(64, step, &c, 0);
	loop_sum = c.sum;
	return TC_ACT_OK;
}

SEC("tc")
int loop_for(struct __sk_buff *ctx)
{
	__u32 seed = ctx->len;
	__u64 sum = 0;
	for (__u32 i = 0; i < 64; i++) {
		seed = seed * 1103515245 + 12345;
		__u32 v = (seed >> 16) ^ i;
		sum += v * v;
	}
	for_sum = sum;
	return TC_ACT_OK;
}
