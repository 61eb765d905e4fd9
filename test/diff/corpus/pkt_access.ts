// Port of the kernel's tools/testing/selftests/bpf/progs/test_pkt_access.c,
// line by line: IPv4/IPv6 parsing to the TCP header, BPF-to-BPF calls taking
// the context (two of them with 448-byte frames, MAX_STACK), and a subprogram
// that writes to the packet. C's nullable `tcp` pointer is an offset and a flag;
// its field accesses are header<T>() views.
import {
  license, tc, zeroed, bpf_htons, i32, u32, TC_ACT_OK, TC_ACT_SHOT, TC_ACT_UNSPEC, ETH_P_IP, ETH_P_IPV6,
  type u8, type u16, type i8, type i64, type u64, type SkBuff, type FixedArray,
} from "tsbpf";

interface EthHdr { h_dest: FixedArray<u8, 6>; h_source: FixedArray<u8, 6>; h_proto: u16 }
interface IpHdr { ver_ihl: u8; tos: u8; tot_len: u16; id: u16; frag_off: u16; ttl: u8; protocol: u8; check: u16; saddr: u32; daddr: u32 }
interface Ipv6Hdr { prio_version: u8; flow_lbl: FixedArray<u8, 3>; payload_len: u16; nexthdr: u8; hop_limit: u8; saddr: FixedArray<u8, 16>; daddr: FixedArray<u8, 16> }
interface TcpHdr { source: u16; dest: u16; seq: u32; ack_seq: u32; res1_doff: u8; flags: u8; window: u16; check: u16; urg_ptr: u16 }

/** @noinline */
function test_pkt_access_subprog1(skb: SkBuff): i32 {
  return skb.len * 2;
}

/** @noinline */
function test_pkt_access_subprog2(val: i32, skb: SkBuff): i32 {
  return skb.len * val;
}

// MAX_STACK = 512 - 2 * 32 = 448

/** @noinline */
function get_skb_len(skb: SkBuff): i32 {
  const buf = zeroed<FixedArray<i8, 448>>(); // MAX_STACK

  return skb.len;
}

/** @noinline */
function get_constant(val: i64): i32 {
  return i32(val - 122);
}

/** @noinline */
function test_pkt_access_subprog3(val: i32, skb: SkBuff): i32 {
  return get_skb_len(skb) * get_skb_ifindex(val, skb, get_constant(123));
}

/** @noinline */
function get_skb_ifindex(val: i32, skb: SkBuff, v: i32): i32 {
  const buf = zeroed<FixedArray<i8, 448>>(); // MAX_STACK

  return skb.ifindex * val * v;
}

/** @noinline */
function test_pkt_write_access_subprog(skb: SkBuff, off: u32): i32 {
  if (off > 14 + 40) return -1;

  const tcp = skb.header<TcpHdr>(off);
  if (tcp === null) return -1;
  /* make modification to the packet data */
  tcp.check++;
  return 0;
}

export const test_pkt_access = tc((skb) => {
  let tcp = false; // C's `tcp != NULL`
  let tcp_off: u64 = 0; // C's `(void *)tcp - data`
  let proto: u8 = 255;
  let ihl_len: u64;

  const eth = skb.header<EthHdr>(0);
  if (eth === null) return TC_ACT_SHOT;

  if (eth.h_proto === bpf_htons(ETH_P_IP)) {
    const iph = skb.header<IpHdr>(14);

    if (iph === null) return TC_ACT_SHOT;
    ihl_len = (iph.ver_ihl & 0xf) * 4;
    proto = iph.protocol;
    tcp = true;
    tcp_off = 14 + ihl_len;
  } else if (eth.h_proto === bpf_htons(ETH_P_IPV6)) {
    const ip6h = skb.header<Ipv6Hdr>(14);

    if (ip6h === null) return TC_ACT_SHOT;
    ihl_len = 40;
    proto = ip6h.nexthdr;
    tcp = true;
    tcp_off = 14 + ihl_len;
  }

  if (test_pkt_access_subprog1(skb) !== skb.len * 2) return TC_ACT_SHOT;
  if (test_pkt_access_subprog2(2, skb) !== skb.len * 2) return TC_ACT_SHOT;
  if (test_pkt_access_subprog3(3, skb) !== skb.len * 3 * skb.ifindex) return TC_ACT_SHOT;
  if (tcp) {
    if (test_pkt_write_access_subprog(skb, u32(tcp_off)) !== 0) return TC_ACT_SHOT;
    if (skb.data + tcp_off + 20 > skb.data_end || proto !== 6) return TC_ACT_SHOT;
    const th = skb.header<TcpHdr>(tcp_off);
    if (th === null) return TC_ACT_SHOT;
    if (th.urg_ptr === 123) return TC_ACT_OK;
  }

  return TC_ACT_UNSPEC;
});

license("GPL");
