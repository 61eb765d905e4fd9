/**
 * The `tsbpf` module: declarations only. tsbpf programs type-check with `tsc`
 * against this file; the tsbpf compiler gives every name here its C/BPF meaning.
 * Nothing in it runs in Node.
 */

export * from "./helpers.js";
import type { BtfStruct } from "./helpers.js";

// ---------------------------------------------------------------------------
// Integer types. Aliases of `number` for tsc; the compiler types them exactly
// (C semantics: usual arithmetic conversions, wrapping unsigned arithmetic).

export type i8 = number;
export type i16 = number;
export type i32 = number;
export type i64 = number;
export type u8 = number;
export type u16 = number;
export type u32 = number;
export type u64 = number;
export type bool = boolean;

/** Explicit conversions, as C casts: `u8(x)` is `(__u8)x`. */
export declare function i8(x: number | bigint | boolean): i8;
export declare function i16(x: number | bigint | boolean): i16;
export declare function i32(x: number | bigint | boolean): i32;
export declare function i64(x: number | bigint | boolean): i64;
export declare function u8(x: number | bigint | boolean): u8;
export declare function u16(x: number | bigint | boolean): u16;
export declare function u32(x: number | bigint | boolean): u32;
export declare function u64(x: number | bigint | boolean): u64;

/** `T *` to a scalar: `p.value` loads and stores through the pointer. */
export interface Ptr<T> {
  value: T;
}

/** `T[N]`: a C array inside a struct, a map value or on the stack. */
export interface FixedArray<T, N extends number> {
  [index: number]: T;
  readonly length: N;
}

/** `T x = {}`: a zeroed struct on the BPF stack, used by reference. */
export declare function zeroed<T>(): T;

// ---------------------------------------------------------------------------
// Opaque kernel objects that live inside map values.

declare const kernelObject: unique symbol;

/** `struct bpf_wq`: a work-queue item inside a map value. */
export declare class BpfWq {
  private readonly [kernelObject]: "bpf_wq";
  /** `bpf_wq_init(this, map, flags)` */
  init(map: AnyMap, flags?: u32): i32;
  /** `bpf_wq_set_callback(this, callback, flags)` */
  setCallback<K, V>(callback: WqCallback<K, V>, flags?: u32): i32;
  /** `bpf_wq_start(this, flags)` */
  start(flags?: u32): i32;
}

/** `struct bpf_timer`: a timer inside a map value. */
export declare class BpfTimer {
  private readonly [kernelObject]: "bpf_timer";
  /** `bpf_timer_init(this, map, flags)` — flags: a clock id such as CLOCK_MONOTONIC. */
  init(map: AnyMap, flags?: u64): i64;
  /** `bpf_timer_set_callback(this, callback)` */
  setCallback<K, V>(callback: TimerCallback<K, V>): i64;
  /** `bpf_timer_start(this, nsecs, flags)` */
  start(nsecs: u64, flags?: u64): i64;
  /** `bpf_timer_cancel(this)` */
  cancel(): i64;
}

/** `struct bpf_spin_lock` */
export declare class BpfSpinLock {
  private readonly [kernelObject]: "bpf_spin_lock";
}

// ---------------------------------------------------------------------------
// Maps. `new Kind<K, V>({ … })` as a module-level `const`; the map's name in
// the object is the variable's name.

declare const mapKind: unique symbol;

/** Any BPF map, as a `void *map` parameter. */
export interface AnyMap {
  readonly [mapKind]: string;
}

export interface MapOptions {
  maxEntries: number;
  flags?: number;
  /** `LIBBPF_PIN_BY_NAME` to pin under the bpffs default path. */
  pinning?: number;
  numaNode?: number;
}

/** What `lookup` returns: the struct itself for a struct value, a `Ptr` for a scalar. */
export type ValueRef<V> = V extends number | bigint | boolean ? Ptr<V> : V;

interface MapMethods<K, V> {
  /** `bpf_map_lookup_elem(&map, &key)`; the key is passed by value. */
  lookup(key: K): ValueRef<V> | null;
  /** `bpf_map_update_elem(&map, &key, &value, flags)` */
  update(key: K, value: V, flags?: u64): i64;
  /** `bpf_map_delete_elem(&map, &key)` */
  delete(key: K): i64;
}

export declare class ArrayMap<K, V> implements AnyMap, MapMethods<K, V> {
  readonly [mapKind]: "array";
  constructor(options: MapOptions);
  lookup(key: K): ValueRef<V> | null;
  update(key: K, value: V, flags?: u64): i64;
  delete(key: K): i64;
}

export declare class HashMap<K, V> implements AnyMap, MapMethods<K, V> {
  readonly [mapKind]: "hash";
  constructor(options: MapOptions);
  lookup(key: K): ValueRef<V> | null;
  update(key: K, value: V, flags?: u64): i64;
  delete(key: K): i64;
}

export declare class LruHashMap<K, V> implements AnyMap, MapMethods<K, V> {
  readonly [mapKind]: "lru_hash";
  constructor(options: MapOptions);
  lookup(key: K): ValueRef<V> | null;
  update(key: K, value: V, flags?: u64): i64;
  delete(key: K): i64;
}

export declare class PerCpuArrayMap<K, V> implements AnyMap, MapMethods<K, V> {
  readonly [mapKind]: "percpu_array";
  constructor(options: MapOptions);
  lookup(key: K): ValueRef<V> | null;
  update(key: K, value: V, flags?: u64): i64;
  delete(key: K): i64;
}

export declare class PerCpuHashMap<K, V> implements AnyMap, MapMethods<K, V> {
  readonly [mapKind]: "percpu_hash";
  constructor(options: MapOptions);
  lookup(key: K): ValueRef<V> | null;
  update(key: K, value: V, flags?: u64): i64;
  delete(key: K): i64;
}

export declare class LruPerCpuHashMap<K, V> implements AnyMap, MapMethods<K, V> {
  readonly [mapKind]: "lru_percpu_hash";
  constructor(options: MapOptions);
  lookup(key: K): ValueRef<V> | null;
  update(key: K, value: V, flags?: u64): i64;
  delete(key: K): i64;
}

/** `BPF_MAP_TYPE_LPM_TRIE`: keys are structs starting with `prefixlen: u32` (BPF_F_NO_PREALLOC is implied). */
export declare class LpmTrieMap<K, V> implements AnyMap, MapMethods<K, V> {
  readonly [mapKind]: "lpm_trie";
  constructor(options: MapOptions);
  lookup(key: K): ValueRef<V> | null;
  update(key: K, value: V, flags?: u64): i64;
  delete(key: K): i64;
}

/** `BPF_MAP_TYPE_RINGBUF`: `maxEntries` is the size in bytes (a power of two, a multiple of the page size). */
export declare class RingBuf implements AnyMap {
  readonly [mapKind]: "ringbuf";
  constructor(options: MapOptions);
  /** `bpf_ringbuf_reserve(&rb, sizeof(T), 0)`: a record to fill, then submit or discard — on every path. */
  reserve<T>(): ValueRef<T> | null;
  /** `bpf_ringbuf_submit(record, flags)` */
  submit(record: object, flags?: u64): void;
  /** `bpf_ringbuf_discard(record, flags)` */
  discard(record: object, flags?: u64): void;
  /** `bpf_ringbuf_output(&rb, &data, sizeof(data), flags)`: copies `data` in. */
  output<T>(data: T, flags?: u64): i64;
}

/** `BPF_MAP_TYPE_PERF_EVENT_ARRAY` */
export declare class PerfEventArray implements AnyMap {
  readonly [mapKind]: "perf_event_array";
  constructor(options: Partial<MapOptions>);
  /** `bpf_perf_event_output(ctx, &map, flags, &data, sizeof(data))`; flags default to BPF_F_CURRENT_CPU. */
  output<T>(ctx: object, data: T, flags?: u64): i64;
}

/** `BPF_MAP_TYPE_PROG_ARRAY`, for tail calls. */
export declare class ProgArray implements AnyMap {
  readonly [mapKind]: "prog_array";
  constructor(options: MapOptions);
  /** `bpf_tail_call(ctx, &map, index)`: does not return when it succeeds. */
  tailCall(ctx: object, index: u32): i64;
}

interface ValueStore<V> {
  /** `bpf_map_push_elem(&map, &value, flags)` */
  push(value: V, flags?: u64): i64;
}

/** `BPF_MAP_TYPE_QUEUE` (FIFO). */
export declare class QueueMap<V> implements AnyMap, ValueStore<V> {
  readonly [mapKind]: "queue";
  constructor(options: MapOptions);
  push(value: V, flags?: u64): i64;
  /** `bpf_map_pop_elem`: the value (in a fresh stack slot), or null when empty. */
  pop(): ValueRef<V> | null;
  /** `bpf_map_peek_elem`: like pop, without removing. */
  peek(): ValueRef<V> | null;
}

/** `BPF_MAP_TYPE_STACK` (LIFO). */
export declare class StackMap<V> implements AnyMap, ValueStore<V> {
  readonly [mapKind]: "stack";
  constructor(options: MapOptions);
  push(value: V, flags?: u64): i64;
  pop(): ValueRef<V> | null;
  peek(): ValueRef<V> | null;
}

/** `BPF_MAP_TYPE_BLOOM_FILTER` */
export declare class BloomFilterMap<V> implements AnyMap, ValueStore<V> {
  readonly [mapKind]: "bloom_filter";
  constructor(options: MapOptions);
  push(value: V, flags?: u64): i64;
  /** 0 when `value` may be in the set, a negative error (-ENOENT) when it certainly is not. */
  peek(value: V): i64;
}

/** Options of local storage maps: BPF_F_NO_PREALLOC is implied (the kernel requires it); no maxEntries. */
export interface LocalStorageOptions {
  flags?: number;
  pinning?: number;
}

interface LocalStorage<Owner, V> {
  /**
   * `bpf_<kind>_storage_get(&map, owner, NULL, flags)`: the owner's value, or null;
   * with BPF_LOCAL_STORAGE_GET_F_CREATE a zeroed value is created when there is none.
   */
  get(owner: Owner, flags?: u64): ValueRef<V> | null;
  /** `bpf_<kind>_storage_delete(&map, owner)` */
  delete(owner: Owner): i64;
}

/** `BPF_MAP_TYPE_TASK_STORAGE`: a `V` per task (`struct task_struct *`); user space keys it by a pidfd. */
export declare class TaskStorage<V> implements AnyMap, LocalStorage<BtfStruct<"task_struct">, V> {
  readonly [mapKind]: "task_storage";
  constructor(options?: LocalStorageOptions);
  get(task: BtfStruct<"task_struct">, flags?: u64): ValueRef<V> | null;
  delete(task: BtfStruct<"task_struct">): i64;
}

/** `BPF_MAP_TYPE_CGRP_STORAGE`: a `V` per cgroup (`struct cgroup *`); user space keys it by a cgroup fd. */
export declare class CgrpStorage<V> implements AnyMap, LocalStorage<BtfStruct<"cgroup">, V> {
  readonly [mapKind]: "cgrp_storage";
  constructor(options?: LocalStorageOptions);
  get(cgroup: BtfStruct<"cgroup">, flags?: u64): ValueRef<V> | null;
  delete(cgroup: BtfStruct<"cgroup">): i64;
}

/** `BPF_MAP_TYPE_SK_STORAGE`: a `V` per socket (any `struct sock *`); user space keys it by a socket fd. */
export declare class SkStorage<V> implements AnyMap, LocalStorage<object, V> {
  readonly [mapKind]: "sk_storage";
  constructor(options?: LocalStorageOptions);
  get(sk: object, flags?: u64): ValueRef<V> | null;
  delete(sk: object): i64;
}

/** `BPF_MAP_TYPE_INODE_STORAGE` (LSM programs): a `V` per inode (`struct inode *`). */
export declare class InodeStorage<V> implements AnyMap, LocalStorage<object, V> {
  readonly [mapKind]: "inode_storage";
  constructor(options?: LocalStorageOptions);
  get(inode: object, flags?: u64): ValueRef<V> | null;
  delete(inode: object): i64;
}

/** Options of a map of maps: `values` are the slots libbpf fills at load (null leaves one empty). */
export interface MapOfMapsOptions<M> extends MapOptions {
  values?: (M | null)[];
}

/**
 * `BPF_MAP_TYPE_ARRAY_OF_MAPS`: `new ArrayOfMaps<u32, typeof inner>({ maxEntries, values: [inner] })`;
 * `typeof inner` names a module-level map, the prototype every slot's map must match.
 */
export declare class ArrayOfMaps<K, M extends AnyMap> implements AnyMap {
  readonly [mapKind]: "array_of_maps";
  constructor(options: MapOfMapsOptions<M>);
  /** `bpf_map_lookup_elem(&outer, &key)`: the inner map, or null for an empty slot. */
  lookup(key: K): M | null;
}

/** `BPF_MAP_TYPE_HASH_OF_MAPS`, as ArrayOfMaps with any key. */
export declare class HashOfMaps<K, M extends AnyMap> implements AnyMap {
  readonly [mapKind]: "hash_of_maps";
  constructor(options: MapOfMapsOptions<M>);
  lookup(key: K): M | null;
}

// Map flags (include/uapi/linux/bpf.h).
export declare const BPF_F_NO_PREALLOC = 1;
export declare const BPF_F_NO_COMMON_LRU = 2;
export declare const BPF_F_NUMA_NODE = 4;
export declare const BPF_F_RDONLY_PROG = 128;
export declare const BPF_LOCAL_STORAGE_GET_F_CREATE = 1;
export declare const BPF_F_WRONLY_PROG = 256;
export declare const BPF_F_MMAPABLE = 1024;
export declare const BPF_F_CURRENT_CPU = 0xffffffff;
export declare const BPF_RB_NO_WAKEUP = 1;
export declare const BPF_RB_FORCE_WAKEUP = 2;
// Update flags.
export declare const BPF_ANY = 0;
export declare const BPF_NOEXIST = 1;
export declare const BPF_EXIST = 2;
export declare const BPF_F_LOCK = 4;
// libbpf pinning.
export declare const LIBBPF_PIN_NONE = 0;
export declare const LIBBPF_PIN_BY_NAME = 1;

// ---------------------------------------------------------------------------
// Callbacks.

/** A timer callback: `int cb(void *map, K *key, V *value)`. */
export type TimerCallback<K, V> = (map: AnyMap, key: Ptr<K>, value: V) => i32;
/** A bpf_loop callback: `long cb(u32 index, C *ctx)`; return 0 to go on, 1 to stop. */
export type LoopCallback<C> = (index: u32, ctx: C) => i64;
/** A bpf_for_each_map_elem callback: `long cb(void *map, K *key, V *value, C *ctx)`; return 0 to go on, 1 to stop. */
export type ForEachCallback<K, V, C> = (map: AnyMap, key: Ptr<K>, value: ValueRef<V>, ctx: C) => i64;
/** A work-queue callback: `int cb(void *map, K *key, V *value)`. */
export type WqCallback<K, V> = (map: AnyMap, key: Ptr<K>, value: V) => i32;

// ---------------------------------------------------------------------------
// Program contexts (kernel names in PascalCase, fields as the UAPI names them).
// Only constant-offset accesses are valid (the verifier rewrites them).
// `data`/`data_end`/`data_meta` are packet pointers: compare them C-style
// (`ctx.data + 14 > ctx.data_end`), or use `header<T>()`.

/** Programs that see packet bytes. */
export interface PacketContext {
  /**
   * The packet bytes at `offset` viewed as `T` (a struct, FixedArray or integer),
   * or null when the packet is too short: TypeScript's narrowing is the
   * verifier's bounds check. Integers come back as `Ptr<T>`.
   */
  header<T>(offset: number): (T extends number ? Ptr<T> : T) | null;
}

/** `struct __sk_buff` */
export interface SkBuff extends PacketContext {
  len: u32; pkt_type: u32; mark: u32; queue_mapping: u32; protocol: u32; vlan_present: u32;
  vlan_tci: u32; vlan_proto: u32; priority: u32; ingress_ifindex: u32; ifindex: u32; tc_index: u32;
  cb: FixedArray<u32, 5>; hash: u32; tc_classid: u32; data: u32; data_end: u32; napi_id: u32;
  family: u32; remote_ip4: u32; local_ip4: u32; remote_ip6: FixedArray<u32, 4>; local_ip6: FixedArray<u32, 4>;
  remote_port: u32; local_port: u32; data_meta: u32; flow_keys: unknown; tstamp: u64; wire_len: u32;
  gso_segs: u32; sk: unknown; gso_size: u32; tstamp_type: u8; hwtstamp: u64;
}
/** `struct xdp_md` */
export interface XdpMd extends PacketContext {
  data: u32; data_end: u32; data_meta: u32; ingress_ifindex: u32; rx_queue_index: u32; egress_ifindex: u32;
}
/** `struct bpf_sock_addr` */
export interface BpfSockAddr {
  user_family: u32; user_ip4: u32; user_ip6: FixedArray<u32, 4>; user_port: u32; family: u32; type: u32;
  protocol: u32; msg_src_ip4: u32; msg_src_ip6: FixedArray<u32, 4>; sk: unknown;
}
/** `struct sk_msg_md` */
export interface SkMsgMd extends PacketContext {
  data: u64; data_end: u64; family: u32; remote_ip4: u32; local_ip4: u32; remote_ip6: FixedArray<u32, 4>;
  local_ip6: FixedArray<u32, 4>; remote_port: u32; local_port: u32; size: u32; sk: unknown;
}
/** `struct bpf_nf_ctx` (its members point into the kernel). */
export interface BpfNfCtx { state: unknown; skb: unknown }
/** `syscall` programs get the bytes user space passed as ctx_in. */
export declare class SyscallCtx { private readonly syscall_ctx: never; }
/** `BPF_PROG` arguments of tracing programs: the raw `u64 *ctx` array. */
export declare class TracingCtx { private readonly tracing_ctx: never; }

// Return codes and protocol numbers (include/uapi/linux/*.h).
export declare const XDP_ABORTED = 0;
export declare const XDP_DROP = 1;
export declare const XDP_PASS = 2;
export declare const XDP_TX = 3;
export declare const XDP_REDIRECT = 4;
export declare const TC_ACT_UNSPEC = -1;
export declare const TC_ACT_OK = 0;
export declare const TC_ACT_RECLASSIFY = 1;
export declare const TC_ACT_SHOT = 2;
export declare const TC_ACT_PIPE = 3;
export declare const TC_ACT_STOLEN = 4;
export declare const TC_ACT_REDIRECT = 7;
export declare const SK_DROP = 0;
export declare const SK_PASS = 1;
export declare const NF_DROP = 0;
export declare const NF_ACCEPT = 1;
export declare const ETH_HLEN = 14;
export declare const ETH_P_IP = 0x0800;
export declare const ETH_P_ARP = 0x0806;
export declare const ETH_P_IPV6 = 0x86dd;
export declare const IPPROTO_ICMP = 1;
export declare const IPPROTO_TCP = 6;
export declare const IPPROTO_UDP = 17;
export declare const IPPROTO_ICMPV6 = 58;

/** Byte order (bpf_endian.h). */
export declare function bpf_ntohs(x: u16): u16;
export declare function bpf_htons(x: u16): u16;
export declare function bpf_ntohl(x: u32): u32;
export declare function bpf_htonl(x: u32): u32;
export declare function bpf_be64_to_cpu(x: u64): u64;
export declare function bpf_cpu_to_be64(x: u64): u64;

// ---------------------------------------------------------------------------
// Programs: `export const NAME = kind(fn)`; the factory picks the ELF section.

declare const programBrand: unique symbol;
export interface Program<Ctx> {
  readonly [programBrand]: Ctx;
}

type Ret = number | bigint | boolean;

export declare function license(name: string): void;

export declare function socket(fn: (ctx: SkBuff) => Ret): Program<SkBuff>;
export declare function tc(fn: (ctx: SkBuff) => Ret): Program<SkBuff>;
export declare function action(fn: (ctx: SkBuff) => Ret): Program<SkBuff>;
export declare function xdp(fn: (ctx: XdpMd) => Ret): Program<XdpMd>;
export declare function cgroupSkb(dir: "ingress" | "egress", fn: (ctx: SkBuff) => Ret): Program<SkBuff>;
export declare function cgroupSockAddr(
  hook: "bind4" | "bind6" | "connect4" | "connect6" | "getpeername4" | "getpeername6" | "getsockname4" |
    "getsockname6" | "sendmsg4" | "sendmsg6" | "recvmsg4" | "recvmsg6",
  fn: (ctx: BpfSockAddr) => Ret,
): Program<BpfSockAddr>;
export declare function lwtIn(fn: (ctx: SkBuff) => Ret): Program<SkBuff>;
export declare function lwtOut(fn: (ctx: SkBuff) => Ret): Program<SkBuff>;
export declare function lwtXmit(fn: (ctx: SkBuff) => Ret): Program<SkBuff>;
export declare function lwtSeg6local(fn: (ctx: SkBuff) => Ret): Program<SkBuff>;
export declare function skSkb(kind: "stream_verdict" | "stream_parser", fn: (ctx: SkBuff) => Ret): Program<SkBuff>;
export declare function netfilter(fn: (ctx: BpfNfCtx) => Ret): Program<BpfNfCtx>;
/**
 * Tracing programs take the traced function's (or tracepoint's) arguments, typed
 * with `tsbpf vmlinux` declarations — libbpf's BPF_PROG convention:
 * `tpBtf("sched_switch", (preempt: bool, prev: TaskStruct, next: TaskStruct) => …)`.
 * An untyped single parameter is the raw context.
 */
export declare function lsm<A extends unknown[]>(hook: string, fn: (...args: A) => Ret): Program<TracingCtx>;
export declare function fentry<A extends unknown[]>(fn: string, f: (...args: A) => Ret): Program<TracingCtx>;
export declare function fexit<A extends unknown[]>(fn: string, f: (...args: A) => Ret): Program<TracingCtx>;
export declare function tpBtf<A extends unknown[]>(tp: string, f: (...args: A) => Ret): Program<TracingCtx>;
export declare function syscall(fn: (ctx: SyscallCtx) => Ret): Program<SyscallCtx>;
/** Any libbpf section name; libbpf's rules pick the program type. */
export declare function program<Ctx = unknown>(section: string, fn: (ctx: Ctx) => Ret): Program<Ctx>;

/**
 * The members of a struct_ops map of kernel type `T` (a `tsbpf vmlinux`
 * interface such as `TcpCongestionOps`): function members are module-level
 * functions (each becomes a `struct_ops/<function>` program; the compiler checks
 * its parameters against the kernel's), char arrays take a string literal,
 * other members a constant.
 */
export type StructOpsInit<T> = {
  [K in keyof T as K extends "@btf" ? never : K]?:
    T[K] extends (...args: never) => infer R ? (...args: never) => R :
    T[K] extends FixedArray<u8 | i8, number> ? string : T[K];
};
declare const structOpsBrand: unique symbol;
export interface StructOps<T> {
  readonly [structOpsBrand]: T;
}
/** `export const NAME = structOps<TcpCongestionOps>({ … })`: libbpf's `SEC(".struct_ops") struct tcp_congestion_ops NAME`. */
export declare function structOps<T extends { readonly "@btf": string }>(ops: StructOpsInit<T>): StructOps<T>;

// ---------------------------------------------------------------------------
// Helpers (kernel names, so C ports line by line).

export declare function bpf_map_lookup_elem<K, V>(map: MapMethods<K, V>, key: K): ValueRef<V> | null;
export declare function bpf_map_update_elem<K, V>(map: MapMethods<K, V>, key: K, value: V, flags: u64): i64;
export declare function bpf_map_delete_elem<K, V>(map: MapMethods<K, V>, key: K): i64;

// Work-queue kfuncs.
export declare function bpf_wq_init(wq: BpfWq, map: AnyMap, flags: u32): i32;
/** Emitted as the kernel's `bpf_wq_set_callback_impl(wq, callback, flags, NULL)`. */
export declare function bpf_wq_set_callback<K, V>(wq: BpfWq, callback: WqCallback<K, V>, flags: u32): i32;
export declare function bpf_wq_start(wq: BpfWq, flags: u32): i32;

/** `bpf_loop(nr_loops, callback, ctx, flags)`: calls `callback(i, ctx)` for i = 0… until it returns 1. */
export declare function bpf_loop<C extends object>(nrLoops: u32, callback: LoopCallback<C>, ctx: C | null, flags?: u64): i64;
/** `bpf_for_each_map_elem(&map, callback, ctx, flags)` */
export declare function bpf_for_each_map_elem<K, V, C extends object>(map: MapMethods<K, V>, callback: ForEachCallback<K, V, C>, ctx: C | null, flags?: u64): i64;
export declare function bpf_timer_init(timer: BpfTimer, map: AnyMap, flags: u64): i64;
export declare function bpf_timer_set_callback<K, V>(timer: BpfTimer, callback: TimerCallback<K, V>): i64;
export declare function bpf_timer_start(timer: BpfTimer, nsecs: u64, flags: u64): i64;
export declare function bpf_timer_cancel(timer: BpfTimer): i64;
export declare const CLOCK_REALTIME = 0;
export declare const CLOCK_MONOTONIC = 1;
export declare const CLOCK_BOOTTIME = 7;

/**
 * libbpf's `bpf_printk(fmt, args…)`: a literal format (it goes to .rodata) and up to
 * twelve integer arguments; output in /sys/kernel/tracing/trace_pipe.
 */
export declare function bpf_printk(fmt: string, ...args: (number | bigint | boolean)[]): i64;

export declare function bpf_ktime_get_ns(): u64;
export declare function bpf_ktime_get_boot_ns(): u64;
export declare function bpf_ktime_get_coarse_ns(): u64;
export declare function bpf_ktime_get_tai_ns(): u64;
export declare function bpf_get_prandom_u32(): u32;
export declare function bpf_get_smp_processor_id(): u32;
export declare function bpf_get_current_pid_tgid(): u64;
export declare function bpf_get_current_uid_gid(): u64;
export declare function bpf_get_numa_node_id(): i64;
export declare function bpf_jiffies64(): u64;

/**
 * Declares a kfunc by its kernel name; its TypeScript signature becomes the BTF
 * prototype libbpf checks against the kernel's:
 * `const bpf_rcu_read_lock = kfunc<() => void>("bpf_rcu_read_lock");`
 * `weak: true` lets the object load on kernels without it (C's `__weak __ksym`).
 */
export declare function kfunc<F extends (...args: never[]) => unknown>(name: string, options?: { weak?: boolean }): F;
