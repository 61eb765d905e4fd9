// A small state machine with switch: parse an HTTP request line
// ("METHOD SP PATH SP VERSION CR") from the first 64 bytes of TCP payload and
// count requests per method.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

enum state { ST_METHOD, ST_PATH, ST_VERSION, ST_DONE, ST_ERROR };
enum method { M_UNKNOWN, M_GET, M_POST, M_PUT, M_DELETE, M_HEAD, M_MALFORMED };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} methods SEC(".maps");

__u32 path_len = 0;
__u32 version_len = 0;

SEC("tc")
int http_state(struct __sk_buff *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_TCP || *(__u8 *)ip != 0x45)
		return TC_ACT_OK;
	__u8 *p = data + 14 + 20 + 20;
	if ((void *)(p + 64) > data_end)
		return TC_ACT_OK;

	__u32 state = ST_METHOD, mhash = 0, mlen = 0, plen = 0, vlen = 0;
	for (__u32 i = 0; i < 64 && state < ST_DONE; i++) {
		__u32 c = p[i];
		switch (state) {
		case ST_METHOD:
			if (c == ' ')
				state = mlen > 0 ? ST_PATH : ST_ERROR;
			else if (c >= 'A' && c <= 'Z') {
				mhash = mhash * 31 + c;
				mlen++;
			} else
				state = ST_ERROR;
			break;
		case ST_PATH:
			if (c == ' ')
				state = plen > 0 ? ST_VERSION : ST_ERROR;
			else if (c < 0x21 || c > 0x7e)
				state = ST_ERROR;
			else
				plen++;
			break;
		case ST_VERSION:
			if (c == '\r')
				state = vlen == 8 ? ST_DONE : ST_ERROR;
			else
				vlen++;
			break;
		}
	}
	__u32 method = M_MALFORMED;
	if (state == ST_DONE) {
		switch (mhash) {
		case 70454: method = M_GET; break;        /* "GET" */
		case 2461856: method = M_POST; break;     /* "POST" */
		case 79599: method = M_PUT; break;        /* "PUT" */
		case 2012838315: method = M_DELETE; break; /* "DELETE" */
		case 2213344: method = M_HEAD; break;     /* "HEAD" */
		default: method = M_UNKNOWN;
		}
	}
	__u64 *cnt = bpf_map_lookup_elem(&methods, &method);
	if (cnt)
		*cnt += 1;
	path_len = plen;
	version_len = vlen;
	return TC_ACT_OK;
}
