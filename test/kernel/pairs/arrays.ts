import { license, syscall, zeroed, ArrayMap, u32, type i32, type i64, type u64, type u8, type FixedArray } from "tsbpf";
license("GPL");
interface P { x: u32; y: u8 }
interface S { n: u32; vals: FixedArray<u64, 8>; ps: FixedArray<P, 3> }
export const m = new ArrayMap<u32, S>({ maxEntries: 1 });
export let out: u64 = 0;
export let cnt: u32 = 0;
export const prog = syscall((ctx): i64 => {
  const s = zeroed<S>();
  for (let i: u32 = 0; i < s.vals.length; i++) s.vals[i] = i * i;
  for (let j: i32 = -2; j < 5; j++) { s.ps[j].x = 7 + j; cnt += s.ps[j].x; }
  let t: u64 = 0;
  for (let i: u32 = 0; i < 10; i++) t += s.vals[i];
  out = t + s.ps[2].y;
  const v = m.lookup(0);
  if (v === null) return -1;
  v.vals[3] = 33;
  v.n = u32(v.vals[3] + v.vals[cnt & 15]);
  return v.n;
});
