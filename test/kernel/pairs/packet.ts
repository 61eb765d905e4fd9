import { license, xdp, tc, ArrayMap, bpf_ntohs, XDP_PASS, XDP_DROP, ETH_P_IP, TC_ACT_OK, u32, type u8, type u16, type u64, type i64, type FixedArray } from "tsbpf";
license("GPL");
interface EthHdr { h_dest: FixedArray<u8, 6>; h_source: FixedArray<u8, 6>; h_proto: u16 }
interface IpHdr { ver_ihl: u8; tos: u8; tot_len: u16; id: u16; frag_off: u16; ttl: u8; protocol: u8; check: u16; saddr: u32; daddr: u32 }
export const counts = new ArrayMap<u32, u64>({ maxEntries: 256 });
export let last_len: u32 = 0;
export let last_proto: u32 = 0;
export let pkt_len: i64 = 0;
export const count_xdp = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return XDP_PASS;
  if (bpf_ntohs(eth.h_proto) !== ETH_P_IP) return XDP_PASS;
  const ip = ctx.header<IpHdr>(14);
  if (!ip) return XDP_DROP;
  last_proto = ip.protocol;
  const c = counts.lookup(ip.protocol);
  if (c !== null) c.value += 1;
  return XDP_PASS;
});
export const len_tc = tc((ctx) => {
  if (ctx.data + 14 > ctx.data_end) return TC_ACT_OK;
  last_len = ctx.len + ctx.cb[1];
  pkt_len = ctx.data_end - ctx.data;
  return TC_ACT_OK;
});
