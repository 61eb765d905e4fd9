import {
  license, tc, syscall,
  ArrayMap, HashMap, LruHashMap, BPF_F_NO_PREALLOC,
  BpfWq, BpfTimer, BpfSpinLock, zeroed,
  bpf_wq_init, bpf_wq_set_callback, bpf_wq_start,
  type i32, type u32, type i64, type Ptr, type AnyMap, type WqCallback,
} from "tsbpf";

license("GPL");

interface HmapElem {
  counter: i32;
  timer: BpfTimer;     // unused
  lock: BpfSpinLock;   // unused
  work: BpfWq;
}

interface Elem {
  w: BpfWq;
}

export const hmap = new HashMap<i32, HmapElem>({ maxEntries: 1000 });
export const hmap_malloc = new HashMap<i32, HmapElem>({ maxEntries: 1000, flags: BPF_F_NO_PREALLOC });
export const array = new ArrayMap<i32, Elem>({ maxEntries: 2 });
export const lru = new LruHashMap<i32, Elem>({ maxEntries: 4 });

export let ok: u32 = 0;
export let ok_sleepable: u32 = 0;

function test_elem_callback(map: ArrayMap<i32, Elem> | LruHashMap<i32, Elem>,
                            key: i32, callback: WqCallback<i32, Elem>): i32 {
  if (map === lru && lru.update(key, zeroed<Elem>(), 0) !== 0) return -1;
  const val = map.lookup(key);
  if (val === null) return -2;
  if (bpf_wq_init(val.w, map, 0) !== 0) return -3;
  if (bpf_wq_set_callback(val.w, callback, 0) !== 0) return -4;
  if (bpf_wq_start(val.w, 0) !== 0) return -5;
  return 0;
}

function test_hmap_elem_callback(map: HashMap<i32, HmapElem>, key: i32,
                                 callback: WqCallback<i32, HmapElem>): i32 {
  if (map.update(key, zeroed<HmapElem>(), 0) !== 0) return -1;
  const val = map.lookup(key);
  if (!val) return -2;
  if (val.work.init(map) !== 0) return -3;          // method form of bpf_wq_init
  if (val.work.setCallback(callback) !== 0) return -4;
  if (val.work.start() !== 0) return -5;
  return 0;
}

/* callback for the non-sleepable work-queues */
function wq_callback(map: AnyMap, key: Ptr<i32>, value: unknown): i32 {
  ok |= 1 << key.value;
  return 0;
}

/* callback for the sleepable work-queues */
function wq_cb_sleepable(map: AnyMap, key: Ptr<i32>, value: unknown): i32 {
  ok_sleepable |= 1 << key.value;
  return 0;
}

export const test_call_array_sleepable = tc((ctx): i64 => test_elem_callback(array, 0, wq_cb_sleepable));
export const test_syscall_array_sleepable = syscall((ctx): i64 => test_elem_callback(array, 1, wq_cb_sleepable));
export const test_call_hash_sleepable = tc((ctx): i64 => test_hmap_elem_callback(hmap, 2, wq_callback));
export const test_call_hash_malloc_sleepable = tc((ctx): i64 => test_hmap_elem_callback(hmap_malloc, 3, wq_callback));
export const test_call_lru_sleepable = tc((ctx): i64 => test_elem_callback(lru, 4, wq_callback));
