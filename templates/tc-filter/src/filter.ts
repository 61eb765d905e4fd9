// Drops IPv4 TCP and UDP packets whose destination port user space has blocked.
import {
  license, tc, HashMap, bpf_ntohs, ETH_HLEN, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP, TC_ACT_OK, TC_ACT_SHOT,
  type FixedArray, type u8, type u16, type u32, type u64,
} from "tsbpf";

license("GPL");

interface EthHdr {
  h_dest: FixedArray<u8, 6>;
  h_source: FixedArray<u8, 6>;
  h_proto: u16;
}

interface IpHdr {
  ver_ihl: u8;
  tos: u8;
  tot_len: u16;
  id: u16;
  frag_off: u16;
  ttl: u8;
  protocol: u8;
  check: u16;
  saddr: u32;
  daddr: u32;
}

/** The first four bytes of both TCP and UDP headers. */
interface Ports {
  source: u16;
  dest: u16;
}

/** Blocked destination ports (host byte order) → packets dropped so far. */
export const blocked = new HashMap<u16, u64>({ maxEntries: 64 });

export const filter = tc((ctx) => {
  // header<T>() is null when the packet is too short: the null check is the verifier's bounds check.
  const eth = ctx.header<EthHdr>(0);
  if (eth === null || bpf_ntohs(eth.h_proto) !== ETH_P_IP) return TC_ACT_OK;
  const ip = ctx.header<IpHdr>(ETH_HLEN);
  if (ip === null || (ip.protocol !== IPPROTO_TCP && ip.protocol !== IPPROTO_UDP)) return TC_ACT_OK;
  const ports = ctx.header<Ports>(ETH_HLEN + (ip.ver_ihl & 0xf) * 4);
  if (ports === null) return TC_ACT_OK;
  const drops = blocked.lookup(bpf_ntohs(ports.dest));
  if (drops === null) return TC_ACT_OK;
  drops.value += 1;
  return TC_ACT_SHOT;
});
