import { license, syscall, zeroed, ArrayMap, type FixedArray, type u32, type u64, type i64 } from "tsbpf";
license("GPL");
// Each inlined call and each unrolled loop step has a 200-byte record of its own:
// 600 and 800 bytes in all, which fit BPF's 512 only when slots not in use together share.
interface Rec { n: u64; v: FixedArray<u64, 24> }
export const out = new ArrayMap<u32, Rec>({ maxEntries: 8 });
export let total: u64 = 0;

function fill(key: u32, seed: u64): i64 {
  const r = zeroed<Rec>();
  r.n = seed;
  for (let i: u32 = 0; i < 24; i++) r.v[i] = seed * i + key;
  return out.update(key, r);
}

export const calls = syscall((ctx): i64 => {
  let e = fill(0, 3);
  e |= fill(1, 5);
  e |= fill(2, 7);
  const a = out.lookup(1);
  if (a !== null) total += a.v[3] + a.n;
  return e;
});

export const steps = syscall((ctx): i64 => {
  let e: i64 = 0;
  for (let k: u32 = 4; k < 8; k++) {
    const r = zeroed<Rec>();
    r.n = k;
    r.v[k] = total + k;
    e |= out.update(k, r);
  }
  const a = out.lookup(6);
  if (a !== null) total += a.v[6];
  return e;
});
