// Packets the corpus's packet programs are test-run on: each packet program gets
// every one, so parsers see the frames they accept and the ones they reject.

const MAC_DST = [0x02, 0, 0, 0, 0, 0x01], MAC_SRC = [0x02, 0, 0, 0, 0, 0x02];

function eth(proto: number, payload: number[]): number[] {
  return [...MAC_DST, ...MAC_SRC, proto >> 8, proto & 0xff, ...payload];
}

function ipv4(protocol: number, payload: number[], ttl = 64): number[] {
  const len = 20 + payload.length;
  const h = [0x45, 0, len >> 8, len & 0xff, 0x12, 0x34, 0x40, 0, ttl, protocol, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (h[i]! << 8) | h[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  const c = ~sum & 0xffff;
  h[10] = c >> 8;
  h[11] = c & 0xff;
  return [...h, ...payload];
}

function ipv6(nexthdr: number, payload: number[]): number[] {
  const src = [0xfd, 0, ...Array(13).fill(0), 1], dst = [0xfd, 0, ...Array(13).fill(0), 2];
  return [0x60, 0, 0, 0, payload.length >> 8, payload.length & 0xff, nexthdr, 64, ...src, ...dst, ...payload];
}

/** A TCP header (doff from the options' length, padded to 4 bytes); urg_ptr in host order, as the selftests' pkt_v4 has it. */
function tcp(options: number[], urgPtr = 0): number[] {
  const opts = [...options];
  while (opts.length % 4) opts.push(0);
  const doff = (20 + opts.length) / 4;
  return [0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, doff << 4, 0x02, 0xff, 0xff, 0, 0, urgPtr & 0xff, urgPtr >> 8, ...opts];
}

const udp = (n: number): number[] => [0x30, 0x39, 0x00, 0x35, (8 + n) >> 8, (8 + n) & 0xff, 0, 0, ...Array.from({ length: n }, (_, i) => i)];

/** An ICMP echo (type 8) or reply (type 0) with 56 bytes of data: 64 bytes of ICMP in all. */
function icmpEcho(type: number, seq: number): number[] {
  return [type, 0, 0, 0, 0x00, 0x07, seq >> 8, seq & 0xff, ...Array.from({ length: 56 }, (_, i) => (i * 3 + 1) & 0xff)];
}

/** TCP option with kind 0xfd, length 6 and a 32-bit server id (test_parse_tcp_hdr_opt's "tpr" option). */
const TPR = [0xfd, 6, 0xde, 0xad, 0xbe, 0xef];

export const PACKETS: Record<string, Uint8Array> = Object.fromEntries(
  Object.entries({
    ipv4_udp: eth(0x0800, ipv4(17, udp(26))),
    ipv4_tcp: eth(0x0800, ipv4(6, tcp([2, 4, 0x05, 0xb4, 1, 1], 123))),
    ipv4_icmp_echo: eth(0x0800, ipv4(1, icmpEcho(8, 1))),
    ipv4_icmp_reply: eth(0x0800, ipv4(1, icmpEcho(0, 9))),
    ipv6_tcp_tpr: eth(0x86dd, ipv6(6, tcp([1, 1, 2, 4, 0x05, 0xb4, ...TPR]))),
    ipv6_tcp_nop_only: eth(0x86dd, ipv6(6, tcp([1, 1, 1, 1, 1, 1, 1, 1]))),
    ipv6_tcp_bad_len: eth(0x86dd, ipv6(6, tcp([0xfd, 7, 0, 0, 0, 1, 0]))),
    ipv6_udp: eth(0x86dd, ipv6(17, udp(30))),
    arp: eth(0x0806, Array.from({ length: 46 }, (_, i) => i)),
  }).map(([k, v]) => [k, Uint8Array.from(v)]),
);
