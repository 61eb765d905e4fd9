/**
 * BPF objects in Node: open and load an object file (tsbpf's or clang's) with
 * the system libbpf, as a C program using libbpf would, then test-run or attach
 * its programs and read and write its maps. Synchronous, like the calls below it.
 */
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import { constants as osConstants } from "node:os";
import { check, errnoString, koffi, LibbpfError, libbpf, withCapture } from "./libbpf.js";

type Ptr = unknown;

/** enum bpf_prog_type */
export const BPF_PROG_TYPE = {
  UNSPEC: 0, SOCKET_FILTER: 1, KPROBE: 2, SCHED_CLS: 3, SCHED_ACT: 4, TRACEPOINT: 5, XDP: 6, PERF_EVENT: 7,
  CGROUP_SKB: 8, CGROUP_SOCK: 9, LWT_IN: 10, LWT_OUT: 11, LWT_XMIT: 12, SOCK_OPS: 13, SK_SKB: 14, CGROUP_DEVICE: 15,
  SK_MSG: 16, RAW_TRACEPOINT: 17, CGROUP_SOCK_ADDR: 18, LWT_SEG6LOCAL: 19, LIRC_MODE2: 20, SK_REUSEPORT: 21,
  FLOW_DISSECTOR: 22, CGROUP_SYSCTL: 23, RAW_TRACEPOINT_WRITABLE: 24, CGROUP_SOCKOPT: 25, TRACING: 26, STRUCT_OPS: 27,
  EXT: 28, LSM: 29, SK_LOOKUP: 30, SYSCALL: 31, NETFILTER: 32,
} as const;

/** enum bpf_attach_type (the ones the loader uses). */
export const BPF_ATTACH_TYPE = { NETFILTER: 45, TCX_INGRESS: 46, TCX_EGRESS: 47, NETKIT_PRIMARY: 54, NETKIT_PEER: 55 } as const;

/** enum bpf_map_type */
export const BPF_MAP_TYPE = {
  HASH: 1, ARRAY: 2, PROG_ARRAY: 3, PERF_EVENT_ARRAY: 4, PERCPU_HASH: 5, PERCPU_ARRAY: 6, STACK_TRACE: 7,
  CGROUP_ARRAY: 8, LRU_HASH: 9, LRU_PERCPU_HASH: 10, LPM_TRIE: 11, ARRAY_OF_MAPS: 12, HASH_OF_MAPS: 13,
  DEVMAP: 14, SOCKMAP: 15, CPUMAP: 16, XSKMAP: 17, SOCKHASH: 18, CGROUP_STORAGE: 19, REUSEPORT_SOCKARRAY: 20,
  PERCPU_CGROUP_STORAGE: 21, QUEUE: 22, STACK: 23, SK_STORAGE: 24, DEVMAP_HASH: 25, STRUCT_OPS: 26, RINGBUF: 27,
  INODE_STORAGE: 28, TASK_STORAGE: 29, BLOOM_FILTER: 30, USER_RINGBUF: 31, CGRP_STORAGE: 32, ARENA: 33,
} as const;

const PERCPU_MAPS = new Set<number>([BPF_MAP_TYPE.PERCPU_HASH, BPF_MAP_TYPE.PERCPU_ARRAY, BPF_MAP_TYPE.LRU_PERCPU_HASH, BPF_MAP_TYPE.PERCPU_CGROUP_STORAGE]);

/**
 * Sections libbpf 1.1 does not know, with the program type and expected attach
 * type newer libbpf gives them (applied when libbpf left a program untyped).
 */
export const SECTIONS_UNKNOWN_TO_OLD_LIBBPF: Record<string, { type: number; expectedAttachType: number }> = {
  netfilter: { type: BPF_PROG_TYPE.NETFILTER, expectedAttachType: BPF_ATTACH_TYPE.NETFILTER },
  "tcx/ingress": { type: BPF_PROG_TYPE.SCHED_CLS, expectedAttachType: BPF_ATTACH_TYPE.TCX_INGRESS },
  "tcx/egress": { type: BPF_PROG_TYPE.SCHED_CLS, expectedAttachType: BPF_ATTACH_TYPE.TCX_EGRESS },
  "netkit/primary": { type: BPF_PROG_TYPE.SCHED_CLS, expectedAttachType: BPF_ATTACH_TYPE.NETKIT_PRIMARY },
  "netkit/peer": { type: BPF_PROG_TYPE.SCHED_CLS, expectedAttachType: BPF_ATTACH_TYPE.NETKIT_PEER },
};

const PACKET_PROGS = new Set<number>([
  BPF_PROG_TYPE.SOCKET_FILTER, BPF_PROG_TYPE.SCHED_CLS, BPF_PROG_TYPE.SCHED_ACT, BPF_PROG_TYPE.XDP, BPF_PROG_TYPE.CGROUP_SKB,
  BPF_PROG_TYPE.LWT_IN, BPF_PROG_TYPE.LWT_OUT, BPF_PROG_TYPE.LWT_XMIT, BPF_PROG_TYPE.LWT_SEG6LOCAL, BPF_PROG_TYPE.FLOW_DISSECTOR,
]);
/** Test runs of these types reject data_out/ctx_out (the ctx is written back in place). */
const NO_OUT_PROGS = new Set<number>([BPF_PROG_TYPE.SYSCALL, BPF_PROG_TYPE.RAW_TRACEPOINT, BPF_PROG_TYPE.TRACING]);

/**
 * A 64-byte Ethernet/IPv4/UDP frame, 02:00:00:00:00:01 → 02:00:00:00:00:02,
 * 10.0.0.1:1234 → 10.0.0.2:5678, TTL 64, 22 payload bytes: the packet test runs
 * of packet programs get when none is given.
 */
export function defaultPacket(): Uint8Array {
  const p = new Uint8Array(64);
  const dv = new DataView(p.buffer);
  p.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00], 0);
  const ip = 14;
  p[ip] = 0x45;
  dv.setUint16(ip + 2, 50);
  dv.setUint16(ip + 4, 1);
  dv.setUint16(ip + 6, 0x4000);
  p[ip + 8] = 64;
  p[ip + 9] = 17;
  p.set([10, 0, 0, 1, 10, 0, 0, 2], ip + 12);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (p[ip + i]! << 8) | p[ip + i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  dv.setUint16(ip + 10, ~sum & 0xffff);
  dv.setUint16(ip + 20, 1234);
  dv.setUint16(ip + 22, 5678);
  dv.setUint16(ip + 24, 30);
  for (let i = 0; i < 22; i++) p[ip + 28 + i] = i;
  return p;
}

export interface OpenOptions {
  /** The object's name (libbpf prefixes internal maps with it); default: the file's basename. */
  name?: string;
  /** Program type / expected attach type by program name, set before load. */
  progTypes?: Record<string, { type: number; expectedAttachType?: number }>;
  /** Where maps with `pinning: LIBBPF_PIN_BY_NAME` are pinned, and reused when already there (default /sys/fs/bpf). */
  pinRootPath?: string;
}

export interface TestRunOptions {
  /** Packet bytes; packet programs get defaultPacket() when absent, others nothing. */
  data?: Uint8Array;
  /** The context: `struct __sk_buff`, `struct xdp_md`, a syscall program's argument, raw_tp arguments. */
  ctx?: Uint8Array;
  repeat?: number;
}

export interface TestRunResult {
  /** The program's return value as a signed 32-bit number. */
  retval: number;
  /** Average run time per repetition in ns. */
  duration: number;
  /** The packet after the run (packet programs). */
  data?: Uint8Array;
  /** The context after the run, when one was given. */
  ctx?: Uint8Array;
}

export interface ProgramInfo {
  id: number;
  type: number;
  name: string;
  tag: string;
  /** Instructions after the verifier's rewrites. */
  xlatedInsns: number;
  jitedBytes: number;
  /** Instructions the verifier processed. */
  verifiedInsns: number;
  runCount: number;
  runTimeNs: number;
}

/** An attachment; `destroy()` detaches (so does the process exiting). */
export class BpfLink {
  private link: Ptr;
  private fd: number;
  constructor(link: Ptr, fd = -1) {
    this.link = link;
    this.fd = fd;
  }
  destroy(): void {
    if (this.link) libbpf().bpf_link__destroy(this.link);
    else if (this.fd >= 0) libbpf().close(this.fd);
    this.link = null;
    this.fd = -1;
  }
}

export class BpfProgram {
  constructor(private readonly owner: BpfObject, private readonly prog: Ptr) {}

  get name(): string {
    return libbpf().bpf_program__name(this.prog) as string;
  }
  get section(): string {
    return libbpf().bpf_program__section_name(this.prog) as string;
  }
  get type(): number {
    return libbpf().bpf_program__type(this.prog) as number;
  }
  get expectedAttachType(): number {
    return libbpf().bpf_program__expected_attach_type(this.prog) as number;
  }
  /** The program's fd once loaded. */
  get fd(): number {
    this.owner.requireLoaded(`program ${this.name}`);
    return libbpf().bpf_program__fd(this.prog) as number;
  }
  /** Before load: whether the program is loaded with the object. */
  set autoload(on: boolean) {
    check(libbpf().bpf_program__set_autoload(this.prog, on) as number, `bpf_program__set_autoload(${this.name})`);
  }
  get autoload(): boolean {
    return libbpf().bpf_program__autoload(this.prog) as boolean;
  }
  setType(type: number, expectedAttachType?: number): void {
    const l = libbpf();
    check(l.bpf_program__set_type(this.prog, type) as number, `bpf_program__set_type(${this.name})`);
    if (expectedAttachType !== undefined) {
      check(l.bpf_program__set_expected_attach_type(this.prog, expectedAttachType) as number, `bpf_program__set_expected_attach_type(${this.name})`);
    }
  }

  /** BPF_PROG_TEST_RUN: runs the program once (or `repeat` times) in the kernel. */
  testRun(opts: TestRunOptions = {}): TestRunResult {
    const l = libbpf();
    const fd = this.fd;
    const type = this.type;
    const data = opts.data ?? (PACKET_PROGS.has(type) ? defaultPacket() : undefined);
    const noOut = NO_OUT_PROGS.has(type);
    const allocs: unknown[] = [];
    const alloc = (n: number, init?: Uint8Array): unknown => {
      const p = koffi.alloc("uint8_t", Math.max(n, 1));
      allocs.push(p);
      const view = new Uint8Array(koffi.view(p, Math.max(n, 1)));
      view.fill(0);
      if (init) view.set(init);
      return p;
    };
    try {
      const o: Record<string, unknown> = {
        sz: koffi.sizeof(l.TestRunOpts),
        data_in: null, data_out: null, data_size_in: 0, data_size_out: 0,
        ctx_in: null, ctx_out: null, ctx_size_in: 0, ctx_size_out: 0,
        retval: 0, repeat: opts.repeat ?? 0, duration: 0, flags: 0, cpu: 0, batch_size: 0,
      };
      if (data) {
        o.data_in = alloc(data.length, data);
        o.data_size_in = data.length;
        if (!noOut) {
          o.data_out = alloc(data.length + 4096);
          o.data_size_out = data.length + 4096;
        }
      }
      if (opts.ctx) {
        o.ctx_in = alloc(opts.ctx.length, opts.ctx);
        o.ctx_size_in = opts.ctx.length;
        if (!noOut) {
          o.ctx_out = alloc(opts.ctx.length);
          o.ctx_size_out = opts.ctx.length;
        }
      }
      check(l.bpf_prog_test_run_opts(fd, o) as number, `bpf_prog_test_run_opts(${this.name})`);
      const res: TestRunResult = { retval: (o.retval as number) | 0, duration: o.duration as number };
      if (o.data_out) res.data = new Uint8Array(koffi.view(o.data_out, o.data_size_out as number).slice(0));
      if (opts.ctx) {
        res.ctx = o.ctx_out
          ? new Uint8Array(koffi.view(o.ctx_out, o.ctx_size_out as number).slice(0))
          : new Uint8Array(koffi.view(o.ctx_in, opts.ctx.length).slice(0));
      }
      return res;
    } finally {
      for (const p of allocs) koffi.free(p);
    }
  }

  /** Attaches where the section says (tracing, LSM, raw tracepoints, kprobes…), as libbpf's auto-attach. */
  attach(): BpfLink {
    this.owner.requireLoaded(`program ${this.name}`);
    const r = withCapture(() => libbpf().bpf_program__attach(this.prog));
    if (!r.value) throw new LibbpfError(`bpf_program__attach(${this.name}) failed: ${errnoString(koffi.errno())}`, koffi.errno(), r.log);
    return this.owner.track(new BpfLink(r.value));
  }

  /** Attaches an XDP program to a network interface (a BPF link: detached on destroy or exit). */
  attachXdp(ifindex: number): BpfLink {
    this.owner.requireLoaded(`program ${this.name}`);
    const r = withCapture(() => libbpf().bpf_program__attach_xdp(this.prog, ifindex));
    if (!r.value) throw new LibbpfError(`bpf_program__attach_xdp(${this.name}, ${ifindex}) failed: ${errnoString(koffi.errno())}`, koffi.errno(), r.log);
    return this.owner.track(new BpfLink(r.value));
  }

  /** Attaches a tc program to an interface's tcx hook (Linux ≥ 6.6; a BPF link). */
  attachTcx(ifindex: number, direction: "ingress" | "egress"): BpfLink {
    const fd = check(libbpf().bpf_link_create(this.fd, ifindex, direction === "ingress" ? BPF_ATTACH_TYPE.TCX_INGRESS : BPF_ATTACH_TYPE.TCX_EGRESS, null) as number, `bpf_link_create(${this.name}, tcx ${direction})`);
    return this.owner.track(new BpfLink(null, fd));
  }

  /** struct bpf_prog_info of the loaded program. */
  info(): ProgramInfo {
    const info = Buffer.alloc(232);
    const len = new Uint32Array([info.length]);
    check(libbpf().bpf_obj_get_info_by_fd(this.fd, info, len) as number, `bpf_obj_get_info_by_fd(${this.name})`);
    const nameEnd = info.indexOf(0, 64);
    return {
      type: info.readUInt32LE(0),
      id: info.readUInt32LE(4),
      tag: info.subarray(8, 16).toString("hex"),
      jitedBytes: info.readUInt32LE(16),
      xlatedInsns: info.readUInt32LE(20) / 8,
      name: info.subarray(64, nameEnd >= 64 && nameEnd < 80 ? nameEnd : 80).toString("utf8"),
      runTimeNs: Number(info.readBigUInt64LE(192)),
      runCount: Number(info.readBigUInt64LE(200)),
      verifiedInsns: info.readUInt32LE(216),
    };
  }
}

export class BpfMap {
  constructor(private readonly owner: BpfObject, private readonly map: Ptr) {}

  get name(): string {
    return libbpf().bpf_map__name(this.map) as string;
  }
  get type(): number {
    return libbpf().bpf_map__type(this.map) as number;
  }
  get keySize(): number {
    return libbpf().bpf_map__key_size(this.map) as number;
  }
  get valueSize(): number {
    return libbpf().bpf_map__value_size(this.map) as number;
  }
  get maxEntries(): number {
    return libbpf().bpf_map__max_entries(this.map) as number;
  }
  /** BPF_F_* flags of the map's definition. */
  get mapFlags(): number {
    return libbpf().bpf_map__map_flags(this.map) as number;
  }
  /** True for the maps libbpf makes of `.bss`, `.data`, `.rodata`, `.kconfig`. */
  get internal(): boolean {
    return libbpf().bpf_map__is_internal(this.map) as boolean;
  }
  get fd(): number {
    this.owner.requireLoaded(`map ${this.name}`);
    return libbpf().bpf_map__fd(this.map) as number;
  }
  /** Per-CPU maps hold one value per possible CPU, each rounded up to 8 bytes. */
  get perCpu(): boolean {
    return PERCPU_MAPS.has(this.type);
  }
  /** Bytes of a whole value as user space sees it (all CPUs' for per-CPU maps). */
  get userValueSize(): number {
    return this.perCpu ? Math.ceil(this.valueSize / 8) * 8 * possibleCpus() : this.valueSize;
  }

  lookup(key: Uint8Array | null): Uint8Array | null {
    const value = Buffer.alloc(this.userValueSize);
    const ret = libbpf().bpf_map_lookup_elem(this.fd, key && Buffer.from(key), value) as number;
    if (ret === -osConstants.errno.ENOENT) return null;
    check(ret, `bpf_map_lookup_elem(${this.name})`);
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  update(key: Uint8Array | null, value: Uint8Array, flags = 0): void {
    check(libbpf().bpf_map_update_elem(this.fd, key && Buffer.from(key), Buffer.from(value), flags) as number, `bpf_map_update_elem(${this.name})`);
  }

  /** False when the key was not there. */
  delete(key: Uint8Array): boolean {
    const ret = libbpf().bpf_map_delete_elem(this.fd, Buffer.from(key)) as number;
    if (ret === -osConstants.errno.ENOENT) return false;
    check(ret, `bpf_map_delete_elem(${this.name})`);
    return true;
  }

  /** Every key, in the kernel's order (a snapshot taken as it goes). */
  *keys(): Generator<Uint8Array> {
    const l = libbpf();
    let prev: Buffer | null = null;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      const ret = l.bpf_map_get_next_key(this.fd, prev, next) as number;
      if (ret === -osConstants.errno.ENOENT) return;
      check(ret, `bpf_map_get_next_key(${this.name})`);
      yield new Uint8Array(next.buffer, next.byteOffset, next.byteLength);
      prev = next;
    }
  }

  /** Queue/stack: takes the next value; null when empty. */
  pop(): Uint8Array | null {
    const value = Buffer.alloc(this.valueSize);
    const ret = libbpf().bpf_map_lookup_and_delete_elem(this.fd, null, value) as number;
    if (ret === -osConstants.errno.ENOENT) return null;
    check(ret, `bpf_map_lookup_and_delete_elem(${this.name})`);
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  /** Queue/stack/bloom filter: adds a value. */
  push(value: Uint8Array, flags = 0): void {
    this.update(null, value, flags);
  }

  /** Ring buffer: every record now in it, in order (libbpf's ring_buffer__consume). */
  consume(): Uint8Array[] {
    const l = libbpf();
    const records: Uint8Array[] = [];
    const cb = koffi.register((_ctx: unknown, data: unknown, size: number | bigint) => {
      records.push(new Uint8Array(koffi.view(data, Number(size)).slice(0)));
      return 0;
    }, koffi.pointer(l.SampleFn));
    try {
      const rb = l.ring_buffer__new(this.fd, cb, null, null);
      if (!rb) throw new LibbpfError(`ring_buffer__new(${this.name}) failed: ${errnoString(koffi.errno())}`, koffi.errno());
      try {
        check(l.ring_buffer__consume(rb) as number, `ring_buffer__consume(${this.name})`);
      } finally {
        l.ring_buffer__free(rb);
      }
    } finally {
      koffi.unregister(cb);
    }
    return records;
  }

  /** struct_ops maps: registers the operations with the kernel; `destroy()` unregisters them. */
  attachStructOps(): BpfLink {
    this.owner.requireLoaded(`map ${this.name}`);
    const r = withCapture(() => libbpf().bpf_map__attach_struct_ops(this.map));
    if (!r.value) throw new LibbpfError(`bpf_map__attach_struct_ops(${this.name}) failed: ${errnoString(koffi.errno())}`, koffi.errno(), r.log);
    return this.owner.track(new BpfLink(r.value));
  }

  /** Global-data maps before load: the initial contents (a copy). */
  initialValue(): Uint8Array {
    const size = [0];
    const p = libbpf().bpf_map__initial_value(this.map, size);
    if (!p) throw new Error(`map ${this.name} has no initial value (not a global-data map)`);
    return new Uint8Array(koffi.view(p, Number(size[0])).slice(0));
  }

  /** Global-data maps before load: replaces the initial contents (e.g. `.rodata` configuration). */
  setInitialValue(bytes: Uint8Array): void {
    if (this.owner.loaded) throw new Error(`map ${this.name}: the initial value can only be set before load()`);
    check(libbpf().bpf_map__set_initial_value(this.map, Buffer.from(bytes), bytes.length) as number, `bpf_map__set_initial_value(${this.name})`);
  }
}

let cpus: number | undefined;
/** libbpf_num_possible_cpus(): the number of values a per-CPU map holds. */
export function possibleCpus(): number {
  cpus ??= check(libbpf().libbpf_num_possible_cpus() as number, "libbpf_num_possible_cpus");
  return cpus;
}

/** A load that failed; `log` holds libbpf's messages, verifier log included. */
export class LoadError extends LibbpfError {
  /** libbpf's warnings (its own account of what failed; the verifier log is among them). */
  warnings = "";
  constructor(message: string, errno: number, log: string, readonly file: string) {
    super(message, errno, log);
    this.name = "LoadError";
  }
}

export class BpfObject {
  private obj: Ptr;
  private isLoaded = false;
  private readonly links: BpfLink[] = [];
  private readonly keep: Buffer | undefined;
  private logText: string;

  private constructor(obj: Ptr, readonly file: string, log: string, keep?: Buffer) {
    this.obj = obj;
    this.logText = log;
    this.keep = keep;
  }

  /** Opens an object (a path, a file: URL or the bytes) without loading it. */
  static open(file: string | URL | Uint8Array, opts: OpenOptions = {}): BpfObject {
    const l = libbpf();
    let keep: Buffer | undefined;
    let label: string;
    const openOpts: Record<string, unknown> = {
      sz: koffi.sizeof(l.OpenOpts), object_name: opts.name ?? null, relaxed_maps: false, pin_root_path: opts.pinRootPath ?? null,
      kconfig: null, btf_custom_path: null, kernel_log_buf: null, kernel_log_size: 0, kernel_log_level: 0,
    };
    const r = withCapture(() => {
      if (file instanceof Uint8Array) {
        keep = Buffer.from(file);
        label = opts.name ?? "object";
        openOpts.object_name = label;
        return l.bpf_object__open_mem(keep, keep.length, openOpts);
      }
      label = file instanceof URL ? fileURLToPath(file) : file;
      if (!fs.existsSync(label)) throw new LoadError(`${label}: no such file`, osConstants.errno.ENOENT, "", label);
      return l.bpf_object__open_file(label, openOpts);
    });
    if (r.error) throw r.error;
    if (!r.value) {
      const errno = koffi.errno();
      const e = new LoadError(`cannot open ${label!}: ${errnoString(errno)}`, errno, r.log, label!);
      e.warnings = r.warnings;
      throw e;
    }
    const obj = new BpfObject(r.value, label!, r.log, keep);
    try {
      for (const p of obj.programs()) {
        const o = opts.progTypes?.[p.name] ?? (p.type === 0 ? SECTIONS_UNKNOWN_TO_OLD_LIBBPF[p.section.replace(/^\?/, "")] : undefined);
        if (o) p.setType(o.type, o.expectedAttachType);
      }
      for (const name of Object.keys(opts.progTypes ?? {})) obj.program(name);
    } catch (e) {
      obj.close();
      throw e;
    }
    return obj;
  }

  /** Opens and loads. */
  static load(file: string | URL | Uint8Array, opts: OpenOptions = {}): BpfObject {
    return BpfObject.open(file, opts).load();
  }

  /** Loads every program (the verifier runs now) and creates the maps. Throws LoadError with the verifier log. */
  load(): this {
    const l = libbpf();
    const obj = this.handle();
    if (this.isLoaded) return this;
    const r = withCapture(() => l.bpf_object__load(obj) as number);
    this.logText += r.log;
    if (r.error) throw r.error;
    if ((r.value ?? -1) < 0) {
      const e = new LoadError(`cannot load ${this.file}: ${errnoString(r.value!)}`, -r.value!, r.log, this.file);
      e.warnings = r.warnings;
      throw e;
    }
    this.isLoaded = true;
    return this;
  }

  get loaded(): boolean {
    return this.isLoaded;
  }

  /** What libbpf printed while opening and loading. */
  get log(): string {
    return this.logText;
  }

  /** @internal */
  requireLoaded(what: string): void {
    this.handle();
    if (!this.isLoaded) throw new Error(`${what}: the object is not loaded yet (call load())`);
  }

  /** @internal */
  track(link: BpfLink): BpfLink {
    this.links.push(link);
    return link;
  }

  private handle(): Ptr {
    if (!this.obj) throw new Error(`${this.file}: the object is closed`);
    return this.obj;
  }

  programs(): BpfProgram[] {
    const l = libbpf();
    const obj = this.handle();
    const out: BpfProgram[] = [];
    for (let p = l.bpf_object__next_program(obj, null); p; p = l.bpf_object__next_program(obj, p)) out.push(new BpfProgram(this, p));
    return out;
  }

  program(name: string): BpfProgram {
    const p = libbpf().bpf_object__find_program_by_name(this.handle(), name);
    if (!p) throw new Error(`no program '${name}' in ${this.file} (programs: ${this.programs().map((x) => x.name).join(", ")})`);
    return new BpfProgram(this, p);
  }

  maps(): BpfMap[] {
    const l = libbpf();
    const obj = this.handle();
    const out: BpfMap[] = [];
    for (let m = l.bpf_object__next_map(obj, null); m; m = l.bpf_object__next_map(obj, m)) out.push(new BpfMap(this, m));
    return out;
  }

  /** A map by name; `.bss`, `.data`, `.rodata` (and `.data.x`…) name the global-data maps. */
  map(name: string): BpfMap {
    // libbpf also finds internal maps by their section, which their (truncated) names may not end with.
    const m = libbpf().bpf_object__find_map_by_name(this.handle(), name);
    if (m) return new BpfMap(this, m);
    const all = this.maps();
    const found = name.startsWith(".") ? all.find((x) => x.internal && x.name.endsWith(name)) : undefined;
    if (!found) throw new Error(`no map '${name}' in ${this.file} (maps: ${all.map((x) => x.name).join(", ")})`);
    return found;
  }

  /** Pins every map and program under `dir` (on a bpffs mount). */
  pin(dir: string): void {
    const r = withCapture(() => libbpf().bpf_object__pin(this.handle(), dir) as number);
    if (r.error) throw r.error;
    check(r.value!, `bpf_object__pin(${dir})`, r.log);
  }

  /** Removes what pin(dir) made. */
  unpin(dir: string): void {
    const l = libbpf();
    const obj = this.handle();
    const r = withCapture(() => {
      check(l.bpf_object__unpin_programs(obj, dir) as number, `bpf_object__unpin_programs(${dir})`);
      check(l.bpf_object__unpin_maps(obj, dir) as number, `bpf_object__unpin_maps(${dir})`);
    });
    if (r.error) throw r.error;
  }

  /** Detaches every link made through this object, unloads the programs and drops the maps. Idempotent. */
  close(): void {
    if (!this.obj) return;
    for (const link of this.links.splice(0)) link.destroy();
    const obj = this.obj;
    this.obj = null;
    withCapture(() => libbpf().bpf_object__close(obj));
    void this.keep;
  }
}

/** Whether bpf() works here (and why not): creates and closes a tiny array map. */
export function bpfAvailable(): { ok: true } | { ok: false; why: string } {
  try {
    const l = libbpf();
    const fd = l.bpf_map_create(BPF_MAP_TYPE.ARRAY, "tsbpf_probe", 4, 4, 1, null) as number;
    if (fd < 0) return { ok: false, why: `bpf(BPF_MAP_CREATE) failed: ${errnoString(fd)} (root or CAP_BPF is needed)` };
    l.close(fd);
    return { ok: true };
  } catch (e) {
    return { ok: false, why: (e as Error).message };
  }
}
