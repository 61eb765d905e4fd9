import {
  license, tc, ArrayMap, BpfTimer, zeroed, bpf_loop, bpf_for_each_map_elem, bpf_printk, bpf_ktime_get_ns, CLOCK_MONOTONIC,
  type u32, type u64, type i32, type i64, type AnyMap, type Ptr,
} from "tsbpf";

license("GPL");

interface Acc { sum: u64; steps: u32 }
interface TElem { t: BpfTimer; hits: u32 }

export const vals = new ArrayMap<u32, u64>({ maxEntries: 8 });
export const timers = new ArrayMap<u32, TElem>({ maxEntries: 1 });
export let loop_sum: u64 = 0;
export let loop_ret: i64 = 0;
export let each_sum: u64 = 0;
export let each_ret: i64 = 0;
export let printed: i64 = 0;
export let timer_rets: i64 = 0;

function square(i: u32, acc: Acc): i64 {
  acc.sum += i * i;
  acc.steps += 1;
  if (i === 9) return 1;
  return 0;
}

function add(map: AnyMap, key: Ptr<u32>, value: Ptr<u64>, acc: Acc): i64 {
  acc.sum += value.value + key.value;
  return 0;
}

function fire(map: AnyMap, key: Ptr<u32>, value: TElem): i32 {
  value.hits += 1;
  return 0;
}

export const prog = tc((ctx): i64 => {
  const acc = zeroed<Acc>();
  loop_ret = bpf_loop(100, square, acc, 0);
  loop_sum = acc.sum + acc.steps;
  for (let k: u32 = 0; k < 8; k++) vals.update(k, k * 10);
  const acc2 = zeroed<Acc>();
  each_ret = bpf_for_each_map_elem(vals, add, acc2, 0);
  each_sum = acc2.sum;
  printed = bpf_printk("tsbpf: loop %d each %d", loop_sum, each_sum);
  printed += bpf_printk("tsbpf: %d %d %d %d", 1, 2, 3, 4);
  const te = timers.lookup(0);
  if (te === null) return 1;
  const a = te.t.init(timers, CLOCK_MONOTONIC);
  const b = te.t.setCallback(fire);
  const c = te.t.start(1000000, 0);
  timer_rets = a * 100 + b * 10 + c;
  return bpf_ktime_get_ns() > 0 ? 0 : 2;
});
