// Bit counting over four 64-bit words of the packet: a bit-by-bit loop, the SWAR
// population count, parity, and leading zeros by binary search.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

__u32 loop_bits = 0;
__u32 swar_bits = 0;
__u32 parity = 0;
__u32 lz_total = 0;

static __always_inline __u32 popcount64(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

static __always_inline __u32 clz64(__u64 x)
{
	__u32 n = 0;

	if (x == 0)
		return 64;
	if ((x & 0xffffffff00000000ULL) == 0) { n += 32; x <<= 32; }
	if ((x & 0xffff000000000000ULL) == 0) { n += 16; x <<= 16; }
	if ((x & 0xff00000000000000ULL) == 0) { n += 8; x <<= 8; }
	if ((x & 0xf000000000000000ULL) == 0) { n += 4; x <<= 4; }
	if ((x & 0xc000000000000000ULL) == 0) { n += 2; x <<= 2; }
	if ((x & 0x8000000000000000ULL) == 0)
		n += 1;
	return n;
}

SEC("tc")
int popcount(struct __sk_buff *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 *w = data + 14;
	__u32 bits = 0, swar = 0, lz = 0;
	__u64 par = 0;

	if ((void *)(w + 4) > data_end)
		return TC_ACT_OK;
	for (__u32 i = 0; i < 4; i++) {
		__u64 x = w[i];
		par ^= x;
		swar += popcount64(x);
		lz += clz64(x);
		for (__u32 b = 0; b < 64; b++) {
			bits += x & 1;
			x >>= 1;
		}
	}
	par ^= par >> 32;
	par ^= par >> 16;
	par ^= par >> 8;
	par ^= par >> 4;
	par ^= par >> 2;
	par ^= par >> 1;
	loop_bits = bits;
	swar_bits = swar;
	parity = par & 1;
	lz_total = lz;
	return bits == swar ? TC_ACT_OK : TC_ACT_SHOT;
}
