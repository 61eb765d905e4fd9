// Port of libbpf-bootstrap examples/c/tc.bpf.c (tc_ingress), line by line; the
// values it prints are also kept in globals so that the differential test can
// see them.
import { license, tc, bpf_htons, bpf_ntohs, bpf_printk, TC_ACT_OK, ETH_P_IP, type u8, type u16, type u32, type FixedArray } from "tsbpf";

interface EthHdr { h_dest: FixedArray<u8, 6>; h_source: FixedArray<u8, 6>; h_proto: u16 }
interface IpHdr { ver_ihl: u8; tos: u8; tot_len: u16; id: u16; frag_off: u16; ttl: u8; protocol: u8; check: u16; saddr: u32; daddr: u32 }

export let last_tot_len: u32 = 0;
export let last_ttl: u32 = 0;

export const tc_ingress = tc((ctx) => {
  if (ctx.protocol !== bpf_htons(ETH_P_IP)) return TC_ACT_OK;

  const l2 = ctx.header<EthHdr>(0);
  if (l2 === null) return TC_ACT_OK;

  const l3 = ctx.header<IpHdr>(14);
  if (l3 === null) return TC_ACT_OK;

  bpf_printk("Got IP packet: tot_len: %d, ttl: %d", bpf_ntohs(l3.tot_len), l3.ttl);
  last_tot_len = bpf_ntohs(l3.tot_len);
  last_ttl = l3.ttl;
  return TC_ACT_OK;
});

license("GPL");
