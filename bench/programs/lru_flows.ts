// LRU flow table: 5-tuple keys (the source port varied over 64 values in a
// 128-entry LRU), lookup-or-insert of per-flow stats.
import {
  license, tc, LruHashMap, zeroed, u16, bpf_htons, BPF_NOEXIST,
  TC_ACT_OK, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP,
  type u8, type u32, type u64, type FixedArray,
} from "tsbpf";

license("GPL");

interface EthHdr { h_dest: FixedArray<u8, 6>; h_source: FixedArray<u8, 6>; h_proto: u16 }
interface IpHdr { ver_ihl: u8; tos: u8; tot_len: u16; id: u16; frag_off: u16; ttl: u8; protocol: u8; check: u16; saddr: u32; daddr: u32 }
interface Ports { source: u16; dest: u16 }
interface FlowKey { saddr: u32; daddr: u32; sport: u16; dport: u16; proto: u8 }
interface FlowStats { packets: u64; bytes: u64; first_seq: u64; last_seq: u64 }

export const flows = new LruHashMap<FlowKey, FlowStats>({ maxEntries: 128 });
export let seq: u64 = 0;
export let new_flows: u64 = 0;

export const lru_flows = tc((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null || eth.h_proto !== bpf_htons(ETH_P_IP)) return TC_ACT_OK;
  const ip = ctx.header<IpHdr>(14);
  if (ip === null) return TC_ACT_OK;
  const key = zeroed<FlowKey>();
  key.saddr = ip.saddr;
  key.daddr = ip.daddr;
  key.proto = ip.protocol;
  if (ip.protocol === IPPROTO_TCP || ip.protocol === IPPROTO_UDP) {
    const ports = ctx.header<Ports>(14 + (ip.ver_ihl & 0xf) * 4);
    if (ports === null) return TC_ACT_OK;
    key.sport = u16(ports.source ^ (seq & 63));
    key.dport = ports.dest;
  }
  const f = flows.lookup(key);
  if (f !== null) {
    f.packets += 1;
    f.bytes += ctx.len;
    f.last_seq = seq;
  } else {
    const init = zeroed<FlowStats>();
    init.packets = 1;
    init.bytes = ctx.len;
    init.first_seq = seq;
    init.last_seq = seq;
    flows.update(key, init, BPF_NOEXIST);
    new_flows += 1;
  }
  seq += 1;
  return TC_ACT_OK;
});
