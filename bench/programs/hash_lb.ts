// BPF-to-BPF calls: a jhash-style 5-tuple hash in non-inlined functions picks one of
// 13 backends (h % 13); the packet's destination MAC and IPv4 address are rewritten.
import {
  license, xdp, ArrayMap, bpf_htons, u32, XDP_PASS, XDP_TX, XDP_ABORTED, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP,
  type u8, type u16, type u64, type FixedArray,
} from "tsbpf";

license("GPL");

interface EthHdr { h_dest: FixedArray<u8, 6>; h_source: FixedArray<u8, 6>; h_proto: u16 }
interface IpHdr { ver_ihl: u8; tos: u8; tot_len: u16; id: u16; frag_off: u16; ttl: u8; protocol: u8; check: u16; saddr: u32; daddr: u32 }
interface Ports { source: u16; dest: u16 }
interface Backend { ip: u32; mac: FixedArray<u8, 6>; pad: u16; packets: u64 }

export const backends = new ArrayMap<u32, Backend>({ maxEntries: 16 });
export let last_hash: u32 = 0;

function rol32(x: u32, k: u32): u32 {
  return (x << k) | (x >> (32 - k));
}

/** @noinline */
function jhash_final(a: u32, b: u32, c: u32): u32 {
  c ^= b; c -= rol32(b, 14);
  a ^= c; a -= rol32(c, 11);
  b ^= a; b -= rol32(a, 25);
  c ^= b; c -= rol32(b, 16);
  a ^= c; a -= rol32(c, 4);
  b ^= a; b -= rol32(a, 14);
  c ^= b; c -= rol32(b, 24);
  return c;
}

/** @noinline */
function flow_hash(saddr: u32, daddr: u32, ports: u32, proto: u32): u32 {
  const seed: u32 = 0xdeadbeef + (4 << 2);
  const h = jhash_final(saddr + seed, daddr + seed, ports + seed);
  return jhash_final(h, proto + seed, seed);
}

export const hash_lb = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null || eth.h_proto !== bpf_htons(ETH_P_IP)) return XDP_PASS;
  const ip = ctx.header<IpHdr>(14);
  if (ip === null) return XDP_ABORTED;
  let ports: u32 = 0;
  if (ip.protocol === IPPROTO_TCP || ip.protocol === IPPROTO_UDP) {
    const p = ctx.header<Ports>(14 + (ip.ver_ihl & 0xf) * 4);
    if (p === null) return XDP_ABORTED;
    ports = (u32(p.source) << 16) | p.dest;
  }
  const h = flow_hash(ip.saddr, ip.daddr, ports, ip.protocol);
  last_hash = h;
  const b = backends.lookup(h % 13);
  if (b === null || b.ip === 0) return XDP_PASS;
  b.packets += 1;
  for (let i: u32 = 0; i < 6; i++) {
    eth.h_source[i] = eth.h_dest[i];
    eth.h_dest[i] = b.mac[i];
  }
  ip.daddr = b.ip;
  return XDP_TX;
});
