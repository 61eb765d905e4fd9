// LPM-trie ACL: longest-prefix match of the IPv4 source, then of the destination;
// per-rule hit counters and a drop/pass verdict.
import {
  license, xdp, LpmTrieMap, zeroed, bpf_htons, XDP_PASS, XDP_DROP, ETH_P_IP,
  type u8, type u16, type u32, type u64, type FixedArray,
} from "tsbpf";

license("GPL");

interface EthHdr { h_dest: FixedArray<u8, 6>; h_source: FixedArray<u8, 6>; h_proto: u16 }
interface IpHdr { ver_ihl: u8; tos: u8; tot_len: u16; id: u16; frag_off: u16; ttl: u8; protocol: u8; check: u16; saddr: u32; daddr: u32 }
interface LpmKey { prefixlen: u32; addr: u32 }
interface Rule { action: u32; hits: u64 }

export const src_acl = new LpmTrieMap<LpmKey, Rule>({ maxEntries: 1024 });
export const dst_acl = new LpmTrieMap<LpmKey, Rule>({ maxEntries: 1024 });
export let misses: u64 = 0;

export const lpm_acl = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null || eth.h_proto !== bpf_htons(ETH_P_IP)) return XDP_PASS;
  const ip = ctx.header<IpHdr>(14);
  if (ip === null) return XDP_DROP;
  const key = zeroed<LpmKey>();
  key.prefixlen = 32;
  key.addr = ip.saddr;
  const r = src_acl.lookup(key);
  if (r !== null) {
    r.hits += 1;
    if (r.action !== 0) return XDP_DROP;
  } else {
    misses += 1;
  }
  key.addr = ip.daddr;
  const d = dst_acl.lookup(key);
  if (d === null) return XDP_PASS;
  d.hits += 1;
  return d.action !== 0 ? XDP_DROP : XDP_PASS;
});
