// The benchmark programs: each is a TypeScript program and its C twin with the
// same behaviour, plus what the runner feeds them (packet, map contents).
//
//   name     the row's name (and bench/programs/NAME.{ts,c} unless ts/c are given)
//   data     the packet every test run gets (default: the harness's 64-byte
//            Ethernet/IPv4/UDP frame 10.0.0.1:1234 → 10.0.0.2:5678)
//   repeat   BPF_PROG_TEST_RUN repetitions per trial (default: the runner's)
//   setup    fills maps, identically in both objects, before anything runs
//   settleMs wait this long after the behaviour check before comparing globals
//            (work-queue callbacks run asynchronously)

import * as path from "node:path";
import { ROOT } from "./harness.mjs";

const u32le = (v) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, true); return b; };
const u16le = (v) => { const b = new Uint8Array(2); new DataView(b.buffer).setUint16(0, v, true); return b; };
const ip4 = (s) => Uint8Array.from(s.split(".").map(Number));
const concat = (...parts) => { const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let o = 0; for (const p of parts) { out.set(p, o); o += p.length; } return out; };

function ipv4Checksum(hdr) {
  let sum = 0;
  for (let i = 0; i < hdr.length; i += 2) sum += (hdr[i] << 8) | hdr[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An Ethernet frame carrying TCP or UDP over IPv4 or IPv6, with `payload`. */
export function frame({ v6 = false, proto = 17, sport = 1234, dport = 5678, payload = new Uint8Array(22) } = {}) {
  const eth = new Uint8Array(14);
  eth.set([0x02, 0, 0, 0, 0, 0x02], 0);
  eth.set([0x02, 0, 0, 0, 0, 0x01], 6);
  const l4 = new Uint8Array(proto === 6 ? 20 : 8);
  const l4v = new DataView(l4.buffer);
  l4v.setUint16(0, sport);
  l4v.setUint16(2, dport);
  if (proto === 6) {
    l4v.setUint32(4, 1000); // seq
    l4[12] = 5 << 4; // data offset
    l4[13] = 0x18; // PSH|ACK
    l4v.setUint16(14, 64240); // window
  } else {
    l4v.setUint16(4, 8 + payload.length);
  }
  let ip;
  if (v6) {
    eth.set([0x86, 0xdd], 12);
    ip = new Uint8Array(40);
    const v = new DataView(ip.buffer);
    v.setUint32(0, 6 << 28);
    v.setUint16(4, l4.length + payload.length);
    ip[6] = proto;
    ip[7] = 64;
    ip.set([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 8);
    ip.set([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], 24);
  } else {
    eth.set([0x08, 0x00], 12);
    ip = new Uint8Array(20);
    const v = new DataView(ip.buffer);
    ip[0] = 0x45;
    v.setUint16(2, 20 + l4.length + payload.length);
    v.setUint16(4, 1);
    v.setUint16(6, 0x4000);
    ip[8] = 64;
    ip[9] = proto;
    ip.set(ip4("10.0.0.1"), 12);
    ip.set(ip4("10.0.0.2"), 16);
    v.setUint16(10, ipv4Checksum(ip));
  }
  return concat(eth, ip, l4, payload);
}

const seq = (n, f) => Uint8Array.from({ length: n }, (_, i) => f(i));
const P = (name) => path.join(ROOT, "bench", "programs", name);

export const PROGRAMS = [
  {
    name: "wq (seed)",
    ts: path.join(ROOT, "examples/wq/wq.ts"),
    c: path.join(ROOT, "test/kernel/fixtures/wq.c"),
    repeat: 10_000,
    settleMs: 200,
  },
  { name: "xdp_parse", data: frame({ v6: true, proto: 6, sport: 40000, dport: 443 }) },
  {
    name: "tc_firewall",
    setup(o) {
      for (const port of [23, 445, 3389, 5678]) o.update("blocked", u16le(port), Uint8Array.of(1));
      o.update("blocked", u16le(80), Uint8Array.of(0));
    },
  },
  { name: "percpu_stats" },
  { name: "proto_hash", data: frame({ proto: 6, sport: 51000, dport: 22, payload: seq(32, (i) => i) }) },
  { name: "lru_flows" },
  { name: "ringbuf_events", repeat: 10_000 }, // 9 trials × 10k records × 40 B fit the 16 MiB ring
  { name: "checksum", data: frame({ payload: seq(64, (i) => (i * 37) & 0xff) }) },
  {
    name: "array_stats",
    setup(o) {
      const v = new Uint8Array(4 + 64 * 4);
      const dv = new DataView(v.buffer);
      dv.setUint32(0, 64, true);
      let x = 12345;
      for (let i = 0; i < 64; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        dv.setUint32(4 + 4 * i, (x >>> 16) % 2000, true);
      }
      o.update("samples", u32le(0), v);
    },
  },
  { name: "popcount" },
  {
    name: "http_state",
    data: frame({
      proto: 6, sport: 50123, dport: 80,
      payload: new TextEncoder().encode("GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: tsbpf-bench\r\nAccept: */*\r\n\r\n"),
    }),
  },
  {
    name: "struct_copy",
    setup(o) {
      for (let k = 0; k < 4; k++) {
        const v = new Uint8Array(56);
        const dv = new DataView(v.buffer);
        dv.setUint32(0, 100 + k, true); // id
        dv.setUint32(4, 10 * k, true); // weight
        v.set(ip4(`10.1.0.${k}`), 8); dv.setUint16(12, 8000 + k, true); dv.setUint16(14, 1, true); // src
        v.set(ip4(`10.2.0.${k}`), 16); dv.setUint16(20, 9000 + k, true); dv.setUint16(22, 2, true); // dst
        for (let t = 0; t < 8; t++) dv.setUint32(24 + 4 * t, k * 100 + t, true);
        o.update("cfgs", u32le(k), v);
      }
    },
  },
  {
    name: "hash_lb",
    setup(o) {
      for (let k = 0; k < 13; k++) {
        const v = new Uint8Array(24);
        v.set(ip4(`192.168.1.${10 + k}`), 0);
        v.set([0x02, 0xbe, 0, 0, 0, k], 4);
        o.update("backends", u32le(k), v);
      }
    },
  },
  { name: "loops" },
  {
    name: "lpm_acl",
    setup(o) {
      const key = (plen, addr) => concat(u32le(plen), ip4(addr));
      const rule = (action) => concat(u32le(action), new Uint8Array(12));
      const src = [[8, "10.0.0.0", 0], [16, "10.9.0.0", 1], [24, "10.0.0.0", 0], [12, "172.16.0.0", 1], [16, "192.168.0.0", 0], [32, "10.0.0.99", 1]];
      for (const [plen, addr, action] of src) o.update("src_acl", key(plen, addr), rule(action));
      const dst = [[8, "10.0.0.0", 0], [30, "10.0.0.0", 0], [32, "10.0.0.3", 1], [24, "10.0.1.0", 1]];
      for (const [plen, addr, action] of dst) o.update("dst_acl", key(plen, addr), rule(action));
    },
  },
].map((p) => ({ ts: P(`${p.name}.ts`), c: P(`${p.name}.c`), ...p }));
