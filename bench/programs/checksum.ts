// Checksums in bounded loops: verify the IPv4 header checksum, then the Internet
// checksum of the first 64 bytes of UDP payload; counters of good and bad headers.
import {
  license, xdp, bpf_htons, u16, XDP_PASS, XDP_DROP, ETH_P_IP,
  type u8, type u32, type u64, type FixedArray,
} from "tsbpf";

license("GPL");

interface EthHdr { h_dest: FixedArray<u8, 6>; h_source: FixedArray<u8, 6>; h_proto: u16 }

export let good: u64 = 0;
export let bad: u64 = 0;
export let payload_csum: u32 = 0;

function fold(sum: u32): u32 {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

export const checksum = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null || eth.h_proto !== bpf_htons(ETH_P_IP)) return XDP_PASS;
  const words = ctx.header<FixedArray<u16, 10>>(14);
  if (words === null) return XDP_DROP;
  let sum: u32 = 0;
  for (let i: u32 = 0; i < 10; i++) sum += words[i];
  if (fold(sum) !== 0) {
    bad += 1;
    return XDP_DROP;
  }
  good += 1;
  const payload = ctx.header<FixedArray<u16, 32>>(14 + 20 + 8);
  if (payload === null) return XDP_PASS;
  let psum: u32 = 0;
  for (let i: u32 = 0; i < 32; i++) psum += payload[i];
  payload_csum = fold(psum);
  return XDP_PASS;
});
