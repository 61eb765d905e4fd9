// Hash maps keyed by protocol: lookup-or-insert of per-(family, L4 protocol) stats
// and of a per-destination-port packet count.
import {
  license, tc, HashMap, zeroed, bpf_ntohs, BPF_NOEXIST,
  TC_ACT_OK, ETH_P_IP, ETH_P_IPV6, IPPROTO_TCP, IPPROTO_UDP,
  u32, type u8, type u16, type u64, type FixedArray,
} from "tsbpf";

license("GPL");

interface EthHdr { h_dest: FixedArray<u8, 6>; h_source: FixedArray<u8, 6>; h_proto: u16 }
interface IpHdr { ver_ihl: u8; tos: u8; tot_len: u16; id: u16; frag_off: u16; ttl: u8; protocol: u8; check: u16; saddr: u32; daddr: u32 }
interface Ipv6Hdr { ver_tc_flow: u32; payload_len: u16; nexthdr: u8; hop_limit: u8; saddr: FixedArray<u32, 4>; daddr: FixedArray<u32, 4> }
interface Ports { source: u16; dest: u16 }
interface ProtoStat { packets: u64; bytes: u64 }

export const proto_stats = new HashMap<u32, ProtoStat>({ maxEntries: 512 });
export const port_hits = new HashMap<u16, u64>({ maxEntries: 4096 });
export let inserts: u64 = 0;

export const proto_hash = tc((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return TC_ACT_OK;
  const h_proto = bpf_ntohs(eth.h_proto);
  let l4: u32 = 0;
  let off: u32 = 14;
  if (h_proto === ETH_P_IP) {
    const ip = ctx.header<IpHdr>(14);
    if (ip === null) return TC_ACT_OK;
    l4 = ip.protocol;
    off += (ip.ver_ihl & 0xf) * 4;
  } else if (h_proto === ETH_P_IPV6) {
    const ip6 = ctx.header<Ipv6Hdr>(14);
    if (ip6 === null) return TC_ACT_OK;
    l4 = ip6.nexthdr;
    off += 40;
  }
  const key: u32 = (u32(h_proto) << 8) | l4;
  const st = proto_stats.lookup(key);
  if (st !== null) {
    st.packets += 1;
    st.bytes += ctx.len;
  } else {
    const init = zeroed<ProtoStat>();
    init.packets = 1;
    init.bytes = ctx.len;
    proto_stats.update(key, init, BPF_NOEXIST);
    inserts += 1;
  }
  if (l4 !== IPPROTO_TCP && l4 !== IPPROTO_UDP) return TC_ACT_OK;
  const ports = ctx.header<Ports>(off);
  if (ports === null) return TC_ACT_OK;
  const dport = bpf_ntohs(ports.dest);
  const hits = port_hits.lookup(dport);
  if (hits !== null) hits.value += 1;
  else port_hits.update(dport, 1, BPF_NOEXIST);
  return TC_ACT_OK;
});
