// tc firewall: drops IPv4 TCP/UDP packets whose destination port is in a hash map;
// verdict counters in a per-CPU array.
import {
  license, tc, HashMap, PerCpuArrayMap, bpf_ntohs, bpf_htons,
  TC_ACT_OK, TC_ACT_SHOT, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP,
  type u8, type u16, type u32, type u64, type FixedArray,
} from "tsbpf";

license("GPL");

interface EthHdr { h_dest: FixedArray<u8, 6>; h_source: FixedArray<u8, 6>; h_proto: u16 }
interface IpHdr { ver_ihl: u8; tos: u8; tot_len: u16; id: u16; frag_off: u16; ttl: u8; protocol: u8; check: u16; saddr: u32; daddr: u32 }
interface Ports { source: u16; dest: u16 }
interface FwStats { passed: u64; dropped: u64; non_ip: u64; fragments: u64 }

export const blocked = new HashMap<u16, u8>({ maxEntries: 1024 });
export const fw_stats = new PerCpuArrayMap<u32, FwStats>({ maxEntries: 1 });

export const tc_firewall = tc((ctx) => {
  const st = fw_stats.lookup(0);
  if (st === null) return TC_ACT_OK;
  const eth = ctx.header<EthHdr>(0);
  if (eth === null || eth.h_proto !== bpf_htons(ETH_P_IP)) {
    st.non_ip += 1;
    return TC_ACT_OK;
  }
  const ip = ctx.header<IpHdr>(14);
  if (ip === null) return TC_ACT_SHOT;
  if ((ip.frag_off & bpf_htons(0x3fff)) !== 0) {
    st.fragments += 1;
    return TC_ACT_OK;
  }
  if (ip.protocol !== IPPROTO_TCP && ip.protocol !== IPPROTO_UDP) {
    st.passed += 1;
    return TC_ACT_OK;
  }
  const ports = ctx.header<Ports>(14 + (ip.ver_ihl & 0xf) * 4);
  if (ports === null) return TC_ACT_SHOT;
  const verdict = blocked.lookup(bpf_ntohs(ports.dest));
  if (verdict !== null && verdict.value !== 0) {
    st.dropped += 1;
    return TC_ACT_SHOT;
  }
  st.passed += 1;
  return TC_ACT_OK;
});
