// A small state machine with switch: parse an HTTP request line
// ("METHOD SP PATH SP VERSION CR") from the first 64 bytes of TCP payload and
// count requests per method.
// (tsbpf has no compile-time named constants yet: module-level `const`s are
// .rodata globals and `enum` is not supported, so the states are literals.)
import {
  license, tc, ArrayMap, bpf_htons, TC_ACT_OK, ETH_P_IP, IPPROTO_TCP,
  type u8, type u16, type u32, type u64, type FixedArray,
} from "tsbpf";

license("GPL");

interface EthHdr { h_dest: FixedArray<u8, 6>; h_source: FixedArray<u8, 6>; h_proto: u16 }
interface IpHdr { ver_ihl: u8; tos: u8; tot_len: u16; id: u16; frag_off: u16; ttl: u8; protocol: u8; check: u16; saddr: u32; daddr: u32 }

// methods: 0 unknown, 1 GET, 2 POST, 3 PUT, 4 DELETE, 5 HEAD; 6: malformed request line
export const methods = new ArrayMap<u32, u64>({ maxEntries: 8 });
export let path_len: u32 = 0;
export let version_len: u32 = 0;

export const http_state = tc((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null || eth.h_proto !== bpf_htons(ETH_P_IP)) return TC_ACT_OK;
  const ip = ctx.header<IpHdr>(14);
  if (ip === null || ip.protocol !== IPPROTO_TCP || ip.ver_ihl !== 0x45) return TC_ACT_OK;
  const p = ctx.header<FixedArray<u8, 64>>(14 + 20 + 20);
  if (p === null) return TC_ACT_OK;

  let state: u32 = 0; // 0 method, 1 path, 2 version, 3 done, 4 error
  let mhash: u32 = 0;
  let mlen: u32 = 0;
  let plen: u32 = 0;
  let vlen: u32 = 0;
  for (let i: u32 = 0; i < 64 && state < 3; i++) {
    const c: u32 = p[i];
    switch (state) {
      case 0: // method: upper-case letters, then a space
        if (c === 0x20) state = mlen > 0 ? 1 : 4;
        else if (c >= 0x41 && c <= 0x5a) { mhash = mhash * 31 + c; mlen++; }
        else state = 4;
        break;
      case 1: // path: printable, up to a space
        if (c === 0x20) state = plen > 0 ? 2 : 4;
        else if (c < 0x21 || c > 0x7e) state = 4;
        else plen++;
        break;
      case 2: // version, up to CR
        if (c === 0x0d) state = vlen === 8 ? 3 : 4;
        else vlen++;
        break;
    }
  }
  let method: u32 = 6;
  if (state === 3) {
    switch (mhash) {
      case 70454: method = 1; break;     // "GET"
      case 2461856: method = 2; break;   // "POST"
      case 79599: method = 3; break;     // "PUT"
      case 2012838315: method = 4; break; // "DELETE"
      case 2213344: method = 5; break;   // "HEAD"
      default: method = 0;
    }
  }
  const cnt = methods.lookup(method);
  if (cnt !== null) cnt.value += 1;
  path_len = plen;
  version_len = vlen;
  return TC_ACT_OK;
});
