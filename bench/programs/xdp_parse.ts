// XDP parser: Ethernet → IPv4 (any IHL) / IPv6 → TCP/UDP ports, counters in array maps.
import {
  license, xdp, ArrayMap, bpf_ntohs, u32,
  XDP_PASS, XDP_DROP, XDP_ABORTED, ETH_P_IP, ETH_P_IPV6, IPPROTO_TCP, IPPROTO_UDP,
  type u8, type u16, type u64, type FixedArray,
} from "tsbpf";

license("GPL");

interface EthHdr { h_dest: FixedArray<u8, 6>; h_source: FixedArray<u8, 6>; h_proto: u16 }
interface IpHdr { ver_ihl: u8; tos: u8; tot_len: u16; id: u16; frag_off: u16; ttl: u8; protocol: u8; check: u16; saddr: u32; daddr: u32 }
interface Ipv6Hdr { ver_tc_flow: u32; payload_len: u16; nexthdr: u8; hop_limit: u8; saddr: FixedArray<u32, 4>; daddr: FixedArray<u32, 4> }
interface Ports { source: u16; dest: u16 }
interface Counter { packets: u64; bytes: u64 }

export const l4_count = new ArrayMap<u32, Counter>({ maxEntries: 256 });
export const dport_count = new ArrayMap<u32, u64>({ maxEntries: 1024 });

export let last_sport: u16 = 0;
export let last_dport: u16 = 0;
export let non_ip: u64 = 0;

export const xdp_parse = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return XDP_ABORTED;
  const proto = bpf_ntohs(eth.h_proto);
  let l4: u8 = 0;
  let off: u32 = 14;
  let len: u32 = 0;
  if (proto === ETH_P_IP) {
    const ip = ctx.header<IpHdr>(14);
    if (ip === null) return XDP_DROP;
    const ihl: u32 = ip.ver_ihl & 0xf;
    if (ihl < 5) return XDP_DROP;
    l4 = ip.protocol;
    len = bpf_ntohs(ip.tot_len);
    off += ihl * 4;
  } else if (proto === ETH_P_IPV6) {
    const ip6 = ctx.header<Ipv6Hdr>(14);
    if (ip6 === null) return XDP_DROP;
    l4 = ip6.nexthdr;
    len = bpf_ntohs(ip6.payload_len) + 40;
    off += 40;
  } else {
    non_ip += 1;
    return XDP_PASS;
  }
  const c = l4_count.lookup(l4);
  if (c !== null) {
    c.packets += 1;
    c.bytes += len;
  }
  if (l4 !== IPPROTO_TCP && l4 !== IPPROTO_UDP) return XDP_PASS;
  const ports = ctx.header<Ports>(off);
  if (ports === null) return XDP_DROP;
  last_sport = bpf_ntohs(ports.source);
  last_dport = bpf_ntohs(ports.dest);
  const d = dport_count.lookup(last_dport & 1023);
  if (d !== null) d.value += 1;
  return XDP_PASS;
});
