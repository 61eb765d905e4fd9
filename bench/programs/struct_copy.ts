// Struct copying: a map value copied to the stack, nested members swapped by
// assignment, the whole snapshot stored into another map, then copied back
// member-wise map to map.
import { license, tc, ArrayMap, zeroed, TC_ACT_OK, type u16, type u32, type u64, type FixedArray } from "tsbpf";

license("GPL");

interface Addr { ip: u32; port: u16; flags: u16 }
interface Cfg { id: u32; weight: u32; src: Addr; dst: Addr; tags: FixedArray<u32, 8> }
interface Snapshot { seq: u64; cfg: Cfg; hits: u64 }

export const cfgs = new ArrayMap<u32, Cfg>({ maxEntries: 4 });
export const snaps = new ArrayMap<u32, Snapshot>({ maxEntries: 4 });
export let seq: u64 = 0;

export const struct_copy = tc((ctx) => {
  const k: u32 = ctx.len & 3;
  const c = cfgs.lookup(k);
  if (c === null) return TC_ACT_OK;
  const snap = zeroed<Snapshot>();
  snap.seq = seq;
  seq += 1;
  snap.cfg = c;
  snap.cfg.weight += 1;
  snap.cfg.src = c.dst;
  snap.cfg.dst = c.src;
  snap.cfg.tags[0] = c.tags[7];
  snap.cfg.tags[7] = c.tags[0];
  const prev = snaps.lookup(k);
  snap.hits = prev !== null ? prev.hits + 1 : 1;
  snaps.update(k, snap, 0);
  const s2 = snaps.lookup(k);
  if (s2 === null) return TC_ACT_OK;
  c.src = s2.cfg.src;
  c.dst = s2.cfg.dst;
  c.weight = s2.cfg.weight & 0xff;
  return s2.cfg.tags[0] === c.tags[7] ? TC_ACT_OK : 1;
});
