// Ring-buffer event emitter: one record per packet (addresses, ports, sizes), dropped-event count.
import {
  license, tc, RingBuf, bpf_ntohs, bpf_htons,
  TC_ACT_OK, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP,
  type u8, type u16, type u32, type u64, type FixedArray,
} from "tsbpf";

license("GPL");

interface EthHdr { h_dest: FixedArray<u8, 6>; h_source: FixedArray<u8, 6>; h_proto: u16 }
interface IpHdr { ver_ihl: u8; tos: u8; tot_len: u16; id: u16; frag_off: u16; ttl: u8; protocol: u8; check: u16; saddr: u32; daddr: u32 }
interface Ports { source: u16; dest: u16 }
interface Event {
  seq: u64; saddr: u32; daddr: u32; sport: u16; dport: u16; proto: u8; tos: u8; len: u16;
  ifindex: u32; mark: u32;
}

export const events = new RingBuf({ maxEntries: 1 << 24 });
export let seq: u64 = 0;
export let dropped: u64 = 0;

export const ringbuf_events = tc((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null || eth.h_proto !== bpf_htons(ETH_P_IP)) return TC_ACT_OK;
  const ip = ctx.header<IpHdr>(14);
  if (ip === null) return TC_ACT_OK;
  const e = events.reserve<Event>();
  if (e === null) {
    dropped += 1;
    return TC_ACT_OK;
  }
  e.seq = seq;
  seq += 1;
  e.saddr = ip.saddr;
  e.daddr = ip.daddr;
  e.proto = ip.protocol;
  e.tos = ip.tos;
  e.len = bpf_ntohs(ip.tot_len);
  e.ifindex = ctx.ifindex;
  e.mark = ctx.mark;
  e.sport = 0;
  e.dport = 0;
  if (ip.protocol === IPPROTO_TCP || ip.protocol === IPPROTO_UDP) {
    const ports = ctx.header<Ports>(14 + (ip.ver_ihl & 0xf) * 4);
    if (ports !== null) {
      e.sport = bpf_ntohs(ports.source);
      e.dport = bpf_ntohs(ports.dest);
    }
  }
  events.submit(e, 0);
  return TC_ACT_OK;
});
