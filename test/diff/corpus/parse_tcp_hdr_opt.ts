// Port of the kernel's tools/testing/selftests/bpf/progs/test_parse_tcp_hdr_opt.c
// (from katran's pckt_parsing.h), line by line: walks an IPv6/TCP packet's
// header options, at most tcp_hdr_opt_max_opt_checks of them, looking for the
// experimental option 0xfd that carries a server id. C's `data + off` pointers
// are header<T>(off) views (null where C's `> data_end` check fails).
import { license, xdp, zeroed, u8, u32, XDP_DROP, XDP_PASS, type i32, type u16, type u64, type XdpMd, type FixedArray } from "tsbpf";

const TCPOPT_EOL: u8 = 0;
const TCPOPT_NOP: u8 = 1;

license("GPL");

/* Kind number used for experiments */
const tcp_hdr_opt_kind_tpr: u32 = 0xfd;
/* Length of the tcp header option */
const tcp_hdr_opt_len_tpr: u32 = 6;
/* maximum number of header options to check to lookup server_id */
const tcp_hdr_opt_max_opt_checks: u32 = 15;

export let server_id: u32 = 0;

interface hdr_opt_state {
  server_id: u32;
  byte_offset: u8;
  hdr_bytes_remaining: u8;
}

/** struct tcphdr up to doff: source, dest, seq, ack_seq, then res1:4/doff:4 in one byte. */
interface TcpHdr { source: u16; dest: u16; seq: u32; ack_seq: u32; res1_doff: u8; flags: u8; window: u16; check: u16; urg_ptr: u16 }

function parse_hdr_opt(xdp: XdpMd, state: hdr_opt_state): i32 {
  let kind: u8, hdr_len: u8;
  const tcp_opt = xdp.header<u8>(state.byte_offset);
  if (tcp_opt === null) {
    return -1;
  }
  kind = tcp_opt.value;
  if (kind === TCPOPT_EOL) {
    return -1;
  }
  if (kind === TCPOPT_NOP) {
    state.hdr_bytes_remaining--;
    state.byte_offset++;
    return 0;
  }
  const opt2 = xdp.header<FixedArray<u8, 2>>(state.byte_offset);
  if (state.hdr_bytes_remaining < 2
      || opt2 === null) {
    return -1;
  }
  hdr_len = opt2[1];
  if (hdr_len > state.hdr_bytes_remaining) {
    return -1;
  }
  if (kind === tcp_hdr_opt_kind_tpr) {
    if (hdr_len !== tcp_hdr_opt_len_tpr) {
      return -1;
    }
    const id = xdp.header<u32>(state.byte_offset + 2);
    if (id === null) {
      return -1;
    }
    state.server_id = id.value;
    return 1;
  }
  state.hdr_bytes_remaining -= hdr_len;
  state.byte_offset += hdr_len;
  return 0;
}

export const xdp_ingress_v6 = xdp((xdp) => {
  const opt_state = zeroed<hdr_opt_state>();
  let tcp_hdr_opt_len: u8 = 0;
  let tcp_offset: u64 = 0;
  let err: i32;
  tcp_offset = 14 + 40;
  const tcp_hdr = xdp.header<TcpHdr>(tcp_offset);
  if (tcp_hdr === null) {
    return XDP_DROP;
  }
  tcp_hdr_opt_len = u8((tcp_hdr.res1_doff >> 4) * 4 - 20);
  if (tcp_hdr_opt_len < tcp_hdr_opt_len_tpr) {
    return XDP_DROP;
  }
  opt_state.hdr_bytes_remaining = tcp_hdr_opt_len;
  opt_state.byte_offset = u8(20 + tcp_offset);
  /* max number of bytes of options in tcp header is 40 bytes */
  for (let i: i32 = 0; i < tcp_hdr_opt_max_opt_checks; i++) {
    err = parse_hdr_opt(xdp, opt_state);
    if (err !== 0 || opt_state.hdr_bytes_remaining === 0) {
      break;
    }
  }
  if (opt_state.server_id === 0) {
    return XDP_DROP;
  }
  server_id = opt_state.server_id;
  return XDP_PASS;
});
