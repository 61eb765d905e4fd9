// Port of the kernel's tools/testing/selftests/bpf/progs/xdping_kern.c
// (xdping_server and the helpers it uses), line by line: answers an ICMP echo
// request by turning it into an echo reply in place (XDP_TX). C's pointer casts
// become header<T>() views: the bounds check icmp_check makes is repeated by
// each view, and the verifier sees the same packet range.
import {
  license, xdp, zeroed, bpf_csum_diff, bpf_htons, bpf_ntohs, u16, u32, XDP_PASS, XDP_TX, ETH_P_IP, IPPROTO_ICMP,
  type u8, type i32, type XdpMd, type FixedArray,
} from "tsbpf";

interface EthHdr { h_dest: FixedArray<u8, 6>; h_source: FixedArray<u8, 6>; h_proto: u16 }
interface IpHdr { ver_ihl: u8; tos: u8; tot_len: u16; id: u16; frag_off: u16; ttl: u8; protocol: u8; check: u16; saddr: u32; daddr: u32 }
interface IcmpHdr { type: u8; code: u8; checksum: u16; id: u16; sequence: u16 }

const ICMP_ECHOREPLY: u8 = 0;
const ICMP_ECHO: i32 = 8;

function swap_src_dst_mac(p: FixedArray<u16, 6>): void {
  const dst = zeroed<FixedArray<u16, 3>>();

  dst[0] = p[0];
  dst[1] = p[1];
  dst[2] = p[2];
  p[0] = p[3];
  p[1] = p[4];
  p[2] = p[5];
  p[3] = dst[0];
  p[4] = dst[1];
  p[5] = dst[2];
}

function csum_fold_helper(sum: u32): u16 {
  sum = (sum & 0xffff) + (sum >> 16);
  return u16(~((sum & 0xffff) + (sum >> 16)));
}

function ipv4_csum(data_start: FixedArray<u8, 64>, data_size: i32): u16 {
  let sum: u32;

  sum = u32(bpf_csum_diff(null, 0, data_start, u32(data_size), 0));
  return csum_fold_helper(sum);
}

const ICMP_ECHO_LEN: u32 = 64;

function icmp_check(ctx: XdpMd, type: i32): i32 {
  if (ctx.data + 14 + 20 + ICMP_ECHO_LEN > ctx.data_end) return XDP_PASS;
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return XDP_PASS;

  if (eth.h_proto !== bpf_htons(ETH_P_IP)) return XDP_PASS;

  const iph = ctx.header<IpHdr>(14);
  if (iph === null) return XDP_PASS;

  if (iph.protocol !== IPPROTO_ICMP) return XDP_PASS;

  if (u32(bpf_ntohs(iph.tot_len)) - 20 !== ICMP_ECHO_LEN) return XDP_PASS;

  const icmph = ctx.header<IcmpHdr>(14 + 20);
  if (icmph === null) return XDP_PASS;

  if (icmph.type !== type) return XDP_PASS;

  return XDP_TX;
}

export const xdping_server = xdp((ctx) => {
  let raddr: u32;
  let ret: i32;

  ret = icmp_check(ctx, ICMP_ECHO);

  if (ret !== XDP_TX) return ret;

  const macs = ctx.header<FixedArray<u16, 6>>(0);
  const iph = ctx.header<IpHdr>(14);
  const icmph = ctx.header<IcmpHdr>(14 + 20);
  const echo = ctx.header<FixedArray<u8, 64>>(14 + 20);
  if (macs === null || iph === null || icmph === null || echo === null) return XDP_PASS;
  raddr = iph.saddr;

  /* Now convert request into echo reply. */
  swap_src_dst_mac(macs);
  iph.saddr = iph.daddr;
  iph.daddr = raddr;
  icmph.type = ICMP_ECHOREPLY;
  icmph.checksum = 0;
  icmph.checksum = ipv4_csum(echo, ICMP_ECHO_LEN);

  return XDP_TX;
});

license("GPL");
