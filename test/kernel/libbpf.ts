// A small typed loader over the system libbpf (libbpf.so.1, 1.1 or newer) via
// koffi, for tests that run compiled BPF objects in the real kernel. Objects
// are opened and loaded exactly like a C user of libbpf would (bpf_object__*),
// so clang's objects and tsbpf's objects are judged by the same code.
//
// Everything is synchronous: libbpf's print callback is only invoked during
// the calls made here, and its output is captured per BpfObject.open() so that
// load failures carry libbpf's messages, including the verifier log.

import koffi from "koffi";
import { existsSync, readFileSync } from "node:fs";
import { constants as osConstants } from "node:os";

// ---------------------------------------------------------------------------
// Kernel UAPI numbers (enum bpf_prog_type / bpf_attach_type / bpf_map_type)

export const BPF_PROG_TYPE = {
  UNSPEC: 0,
  SOCKET_FILTER: 1,
  KPROBE: 2,
  SCHED_CLS: 3,
  SCHED_ACT: 4,
  TRACEPOINT: 5,
  XDP: 6,
  PERF_EVENT: 7,
  CGROUP_SKB: 8,
  CGROUP_SOCK: 9,
  LWT_IN: 10,
  LWT_OUT: 11,
  LWT_XMIT: 12,
  SOCK_OPS: 13,
  SK_SKB: 14,
  CGROUP_DEVICE: 15,
  SK_MSG: 16,
  RAW_TRACEPOINT: 17,
  CGROUP_SOCK_ADDR: 18,
  LWT_SEG6LOCAL: 19,
  LIRC_MODE2: 20,
  SK_REUSEPORT: 21,
  FLOW_DISSECTOR: 22,
  CGROUP_SYSCTL: 23,
  RAW_TRACEPOINT_WRITABLE: 24,
  CGROUP_SOCKOPT: 25,
  TRACING: 26,
  STRUCT_OPS: 27,
  EXT: 28,
  LSM: 29,
  SK_LOOKUP: 30,
  SYSCALL: 31,
  NETFILTER: 32,
} as const;

export const BPF_ATTACH_TYPE = {
  NETFILTER: 45,
  TCX_INGRESS: 46,
  TCX_EGRESS: 47,
  NETKIT_PRIMARY: 54,
  NETKIT_PEER: 55,
} as const;

/**
 * Sections that libbpf 1.1 does not recognise (it leaves such programs with
 * type BPF_PROG_TYPE_UNSPEC after open, logging only a debug message), with the
 * program type / expected attach type a newer libbpf would give them. Applied
 * before load to programs libbpf left untyped, unless `progTypes` says otherwise.
 */
export const UNKNOWN_TO_LIBBPF_1_1: Record<string, { type: number; expectedAttachType: number }> = {
  netfilter: { type: BPF_PROG_TYPE.NETFILTER, expectedAttachType: BPF_ATTACH_TYPE.NETFILTER },
  "tcx/ingress": { type: BPF_PROG_TYPE.SCHED_CLS, expectedAttachType: BPF_ATTACH_TYPE.TCX_INGRESS },
  "tcx/egress": { type: BPF_PROG_TYPE.SCHED_CLS, expectedAttachType: BPF_ATTACH_TYPE.TCX_EGRESS },
  "netkit/primary": { type: BPF_PROG_TYPE.SCHED_CLS, expectedAttachType: BPF_ATTACH_TYPE.NETKIT_PRIMARY },
  "netkit/peer": { type: BPF_PROG_TYPE.SCHED_CLS, expectedAttachType: BPF_ATTACH_TYPE.NETKIT_PEER },
};

const PERCPU_MAP_TYPES = new Set([5 /* PERCPU_HASH */, 6 /* PERCPU_ARRAY */, 10 /* LRU_PERCPU_HASH */, 21 /* PERCPU_CGROUP_STORAGE */]);

/** Program types whose BPF_PROG_TEST_RUN takes an Ethernet frame as data. */
const ETH_PACKET_PROG_TYPES = new Set<number>([
  BPF_PROG_TYPE.SOCKET_FILTER,
  BPF_PROG_TYPE.SCHED_CLS,
  BPF_PROG_TYPE.SCHED_ACT,
  BPF_PROG_TYPE.XDP,
  BPF_PROG_TYPE.CGROUP_SKB,
  BPF_PROG_TYPE.LWT_IN,
  BPF_PROG_TYPE.LWT_OUT,
  BPF_PROG_TYPE.LWT_XMIT,
  BPF_PROG_TYPE.LWT_SEG6LOCAL,
  BPF_PROG_TYPE.FLOW_DISSECTOR,
]);
/** Program types whose test run rejects data_out/ctx_out/repeat (ctx is written back in place). */
const NO_OUT_PROG_TYPES = new Set<number>([BPF_PROG_TYPE.SYSCALL, BPF_PROG_TYPE.RAW_TRACEPOINT, BPF_PROG_TYPE.TRACING]);

// ---------------------------------------------------------------------------
// Default test packets

function ipv4Checksum(hdr: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < hdr.length; i += 2) sum += (hdr[i]! << 8) | hdr[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * A 64-byte Ethernet/IPv4/UDP frame: 02:00:00:00:00:01 -> 02:00:00:00:00:02,
 * 10.0.0.1:1234 -> 10.0.0.2:5678, TTL 64, valid IP checksum, UDP checksum 0,
 * 22 payload bytes 0x00..0x15. A fresh copy on every call.
 */
export function defaultEthPacket(): Uint8Array {
  const p = new Uint8Array(64);
  p.set([0x02, 0, 0, 0, 0, 0x02], 0); // dst MAC
  p.set([0x02, 0, 0, 0, 0, 0x01], 6); // src MAC
  p.set([0x08, 0x00], 12); // ETH_P_IP
  p.set(defaultIpv4Packet(), 14);
  return p;
}

/** The IPv4/UDP packet of defaultEthPacket() without its Ethernet header (50 bytes). */
export function defaultIpv4Packet(): Uint8Array {
  const ip = new Uint8Array(50);
  const dv = new DataView(ip.buffer);
  ip[0] = 0x45; // version 4, IHL 5
  dv.setUint16(2, ip.length); // total length
  dv.setUint16(4, 1); // id
  dv.setUint16(6, 0x4000); // DF
  ip[8] = 64; // TTL
  ip[9] = 17; // UDP
  ip.set([10, 0, 0, 1], 12);
  ip.set([10, 0, 0, 2], 16);
  dv.setUint16(10, ipv4Checksum(ip.subarray(0, 20)));
  dv.setUint16(20, 1234); // UDP sport
  dv.setUint16(22, 5678); // UDP dport
  dv.setUint16(24, ip.length - 20); // UDP length
  for (let i = 28; i < ip.length; i++) ip[i] = i - 28;
  return ip;
}

/** The data a test run of a program of this type gets when none is given (undefined: none). */
export function defaultTestRunData(progType: number): Uint8Array | undefined {
  if (ETH_PACKET_PROG_TYPES.has(progType)) return defaultEthPacket();
  // bpf_prog_test_run_nf(): NF_INET_LOCAL_OUT by default, data starts at the IP header.
  if (progType === BPF_PROG_TYPE.NETFILTER) return defaultIpv4Packet();
  return undefined;
}

// ---------------------------------------------------------------------------
// FFI bindings (loaded lazily so that importing this module never throws)

type Ptr = unknown; // an opaque koffi pointer (null for NULL)
type Fn = (...args: any[]) => any;

interface Lib {
  libbpf_set_print: Fn;
  bpf_object__open_file: Fn;
  bpf_object__open_file_opts: Fn;
  bpf_map__map_flags: Fn;
  bpf_map__max_entries: Fn;
  bpf_object__load: Fn;
  bpf_object__close: Fn;
  bpf_object__next_program: Fn;
  bpf_object__find_program_by_name: Fn;
  bpf_object__next_map: Fn;
  bpf_object__find_map_by_name: Fn;
  bpf_object__pin: Fn;
  bpf_object__unpin_maps: Fn;
  bpf_object__unpin_programs: Fn;
  bpf_program__name: Fn;
  bpf_program__section_name: Fn;
  bpf_program__type: Fn;
  bpf_program__expected_attach_type: Fn;
  bpf_program__set_type: Fn;
  bpf_program__set_expected_attach_type: Fn;
  bpf_program__fd: Fn;
  bpf_program__attach: Fn;
  bpf_link__destroy: Fn;
  bpf_map__attach_struct_ops: Fn;
  bpf_map__name: Fn;
  bpf_map__fd: Fn;
  bpf_map__type: Fn;
  bpf_map__key_size: Fn;
  bpf_map__value_size: Fn;
  bpf_map_create: Fn;
  bpf_map_lookup_elem: Fn;
  bpf_map_update_elem: Fn;
  bpf_map_lookup_and_delete_elem: Fn;
  ring_buffer__new: Fn;
  ring_buffer__consume: Fn;
  ring_buffer__free: Fn;
  SampleFn: unknown;
  bpf_obj_get_info_by_fd: Fn;
  bpf_prog_test_run_opts: Fn;
  libbpf_num_possible_cpus: Fn;
  vsnprintf: Fn;
  strerror: Fn;
  close: Fn;
  TestRunOpts: any;
  printCb: unknown;
}

let lib: Lib | undefined;
let libError: string | undefined;

/** libbpf print levels */
const LEVEL_NAMES = ["warn", "info", "debug"] as const;
let capture: { level: number; text: string }[] | undefined;
let printBuf: unknown; // koffi.alloc'd char[PRINT_BUF_SIZE]
const PRINT_BUF_SIZE = 1 << 24; // libbpf's verifier log buffer is at most 16 MiB

function loadLib(): Lib {
  if (lib) return lib;
  if (libError) throw new Error(libError);
  try {
    const bpf = koffi.load("libbpf.so.1");
    const libc = koffi.load("libc.so.6");
    koffi.opaque("bpf_object");
    koffi.opaque("bpf_program");
    koffi.opaque("bpf_map");
    const TestRunOpts = koffi.struct("bpf_test_run_opts", {
      sz: "size_t",
      data_in: "void *",
      data_out: "void *",
      data_size_in: "uint32_t",
      data_size_out: "uint32_t",
      ctx_in: "void *",
      ctx_out: "void *",
      ctx_size_in: "uint32_t",
      ctx_size_out: "uint32_t",
      retval: "uint32_t",
      repeat: "int",
      duration: "uint32_t",
      flags: "uint32_t",
      cpu: "uint32_t",
      batch_size: "uint32_t",
    });
    // va_list decays to a pointer in a parameter list (x86-64 and aarch64 alike).
    const PrintFn = koffi.proto("int tsbpf_libbpf_print_fn(int level, void *fmt, void *args)");
    const SampleFn = koffi.proto("int tsbpf_ring_buffer_sample_fn(void *ctx, void *data, size_t size)");
    const l: Lib = {
      libbpf_set_print: bpf.func("void *libbpf_set_print(tsbpf_libbpf_print_fn *fn)"),
      bpf_object__open_file: bpf.func("bpf_object *bpf_object__open_file(const char *path, void *opts)"),
      // bpf_object_open_opts up to pin_root_path (libbpf accepts a shorter, older struct by its sz).
      bpf_object__open_file_opts: bpf.func("bpf_object__open_file", "bpf_object *", ["const char *", koffi.pointer(koffi.struct("tsbpf_open_opts", {
        sz: "size_t", object_name: "const char *", relaxed_maps: "bool", pin_root_path: "const char *",
      }))]),
      bpf_map__map_flags: bpf.func("uint32_t bpf_map__map_flags(bpf_map *map)"),
      bpf_map__max_entries: bpf.func("uint32_t bpf_map__max_entries(bpf_map *map)"),
      bpf_object__load: bpf.func("int bpf_object__load(bpf_object *obj)"),
      bpf_object__close: bpf.func("void bpf_object__close(bpf_object *obj)"),
      bpf_object__next_program: bpf.func("bpf_program *bpf_object__next_program(bpf_object *obj, bpf_program *prev)"),
      bpf_object__find_program_by_name: bpf.func("bpf_program *bpf_object__find_program_by_name(bpf_object *obj, const char *name)"),
      bpf_object__next_map: bpf.func("bpf_map *bpf_object__next_map(bpf_object *obj, bpf_map *prev)"),
      bpf_object__find_map_by_name: bpf.func("bpf_map *bpf_object__find_map_by_name(bpf_object *obj, const char *name)"),
      bpf_object__pin: bpf.func("int bpf_object__pin(bpf_object *obj, const char *path)"),
      bpf_object__unpin_maps: bpf.func("int bpf_object__unpin_maps(bpf_object *obj, const char *path)"),
      bpf_object__unpin_programs: bpf.func("int bpf_object__unpin_programs(bpf_object *obj, const char *path)"),
      bpf_program__name: bpf.func("const char *bpf_program__name(bpf_program *prog)"),
      bpf_program__section_name: bpf.func("const char *bpf_program__section_name(bpf_program *prog)"),
      bpf_program__type: bpf.func("int bpf_program__type(bpf_program *prog)"),
      bpf_program__expected_attach_type: bpf.func("int bpf_program__expected_attach_type(bpf_program *prog)"),
      bpf_program__set_type: bpf.func("int bpf_program__set_type(bpf_program *prog, int type)"),
      bpf_program__set_expected_attach_type: bpf.func("int bpf_program__set_expected_attach_type(bpf_program *prog, int type)"),
      bpf_program__fd: bpf.func("int bpf_program__fd(bpf_program *prog)"),
      bpf_program__attach: bpf.func("void *bpf_program__attach(bpf_program *prog)"),
      bpf_link__destroy: bpf.func("int bpf_link__destroy(void *link)"),
      bpf_map__attach_struct_ops: bpf.func("void *bpf_map__attach_struct_ops(bpf_map *map)"),
      bpf_map__name: bpf.func("const char *bpf_map__name(bpf_map *map)"),
      bpf_map__fd: bpf.func("int bpf_map__fd(bpf_map *map)"),
      bpf_map__type: bpf.func("int bpf_map__type(bpf_map *map)"),
      bpf_map__key_size: bpf.func("uint32_t bpf_map__key_size(bpf_map *map)"),
      bpf_map__value_size: bpf.func("uint32_t bpf_map__value_size(bpf_map *map)"),
      bpf_map_create: bpf.func("int bpf_map_create(int map_type, const char *name, uint32_t key_size, uint32_t value_size, uint32_t max_entries, void *opts)"),
      bpf_map_lookup_elem: bpf.func("int bpf_map_lookup_elem(int fd, const void *key, _Out_ void *value)"),
      bpf_map_update_elem: bpf.func("int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)"),
      bpf_map_lookup_and_delete_elem: bpf.func("int bpf_map_lookup_and_delete_elem(int fd, const void *key, _Out_ void *value)"),
      ring_buffer__new: bpf.func("void *ring_buffer__new(int map_fd, tsbpf_ring_buffer_sample_fn *sample_cb, void *ctx, void *opts)"),
      ring_buffer__consume: bpf.func("int ring_buffer__consume(void *rb)"),
      ring_buffer__free: bpf.func("void ring_buffer__free(void *rb)"),
      bpf_obj_get_info_by_fd: bpf.func("int bpf_obj_get_info_by_fd(int fd, _Inout_ void *info, _Inout_ uint32_t *info_len)"),
      bpf_prog_test_run_opts: bpf.func("int bpf_prog_test_run_opts(int prog_fd, _Inout_ bpf_test_run_opts *opts)"),
      libbpf_num_possible_cpus: bpf.func("int libbpf_num_possible_cpus(void)"),
      vsnprintf: libc.func("int vsnprintf(void *str, size_t size, void *fmt, void *ap)"),
      strerror: libc.func("const char *strerror(int errnum)"),
      close: libc.func("int close(int fd)"),
      TestRunOpts,
      SampleFn,
      printCb: undefined,
    };
    // One process-wide print callback; it routes output to the current capture.
    l.printCb = koffi.register((level: number, fmt: unknown, args: unknown): number => {
      printBuf ??= koffi.alloc("char", PRINT_BUF_SIZE);
      const n = l.vsnprintf(printBuf, PRINT_BUF_SIZE, fmt, args) as number;
      if (n <= 0) return 0;
      const len = Math.min(n, PRINT_BUF_SIZE - 1);
      const text = Buffer.from(koffi.view(printBuf, len)).toString("utf8");
      if (capture) capture.push({ level, text });
      else if (level === 0 || process.env.TSBPF_LIBBPF_DEBUG) process.stderr.write(`libbpf: ${text}`);
      return 0;
    }, koffi.pointer(PrintFn));
    l.libbpf_set_print(l.printCb);
    lib = l;
    return l;
  } catch (e) {
    libError = `cannot load libbpf.so.1 through koffi: ${(e as Error).message}`;
    throw new Error(libError);
  }
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([k, v]) => [v as number, k]));

/** "EPERM (Operation not permitted)" for 1 or -1. */
export function errnoString(err: number): string {
  const e = Math.abs(err);
  const name = ERRNO_NAMES.get(e) ?? `errno ${e}`;
  let msg = "";
  try {
    msg = loadLib().strerror(e) as string;
  } catch {
    /* no libc: name only */
  }
  return msg ? `${name} (${msg})` : name;
}

/** libbpf 1.x returns -errno from failing calls (and sets errno). */
function check(ret: number, what: string, log?: string): number {
  if (ret < 0) throw new Error(`${what} failed: ${errnoString(ret)}${log ? `\n${log}` : ""}`);
  return ret;
}

function withCapture<T>(fn: () => T): { value?: T; error?: unknown; log: string } {
  const lines: { level: number; text: string }[] = [];
  const prev = capture;
  capture = lines;
  let value: T | undefined;
  let error: unknown;
  try {
    value = fn();
  } catch (e) {
    error = e;
  } finally {
    capture = prev;
  }
  const log = lines.map((l) => `libbpf[${LEVEL_NAMES[l.level] ?? l.level}]: ${l.text}`).join("");
  return { value, error, log };
}

// ---------------------------------------------------------------------------
// Availability

let availability: { ok: true } | { ok: false; why: string } | undefined;

function capEffective(): bigint | undefined {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return m ? BigInt(`0x${m[1]}`) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether BPF objects can be loaded and run here: Linux, root or CAP_BPF (or
 * CAP_SYS_ADMIN), kernel BTF present, libbpf.so.1 loadable, and bpf() works
 * (a one-entry array map can be created). Memoised.
 */
export function kernelAvailable(): { ok: true } | { ok: false; why: string } {
  if (availability) return availability;
  availability = probe();
  return availability;
}

function probe(): { ok: true } | { ok: false; why: string } {
  if (process.platform !== "linux") return { ok: false, why: `platform is ${process.platform}, not linux` };
  const caps = capEffective();
  const CAP_SYS_ADMIN = 21n, CAP_BPF = 39n;
  const privileged = caps !== undefined ? ((caps >> CAP_BPF) & 1n) === 1n || ((caps >> CAP_SYS_ADMIN) & 1n) === 1n : process.getuid?.() === 0;
  if (!privileged) return { ok: false, why: "neither CAP_BPF nor CAP_SYS_ADMIN in the effective capability set (run as root)" };
  if (!existsSync("/sys/kernel/btf/vmlinux")) return { ok: false, why: "kernel BTF (/sys/kernel/btf/vmlinux) not available" };
  let l: Lib;
  try {
    l = loadLib();
  } catch (e) {
    return { ok: false, why: (e as Error).message };
  }
  const fd = l.bpf_map_create(2 /* BPF_MAP_TYPE_ARRAY */, "tsbpf_probe", 4, 4, 1, null) as number;
  if (fd < 0) return { ok: false, why: `bpf(BPF_MAP_CREATE) failed: ${errnoString(fd)}` };
  l.close(fd);
  return { ok: true };
}

// ---------------------------------------------------------------------------
// Objects

export interface ProgTypeOverride {
  type: number;
  expectedAttachType?: number;
}

export interface OpenOptions {
  /** Program type / expected attach type to set (by program name) before load. */
  progTypes?: Record<string, ProgTypeOverride>;
  /** bpf_object_open_opts.pin_root_path: where maps with `pinning = LIBBPF_PIN_BY_NAME` are pinned and reused. */
  pinRootPath?: string;
}

/** A map as libbpf sees it after opening (before load). */
export interface OpenedMap {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags: number;
}

export interface ProgramHandle {
  name: string;
  fd: number;
  section: string;
  type: number;
  expectedAttachType: number;
}

export interface TestRunOptions {
  /** Packet data; defaults by program type (see defaultTestRunData), none for syscall/tracing. */
  data?: Uint8Array;
  /** Context (e.g. struct __sk_buff, or a syscall program's argument). */
  ctx?: Uint8Array;
  repeat?: number;
  /** Room for the output packet beyond the input's size (default 4096). */
  dataOutSlack?: number;
}

export interface TestRunResult {
  /** The program's return value, as a signed 32-bit number (the kernel reports a u32). */
  retval: number;
  /** Average run time per repetition in ns. */
  duration: number;
  /** The packet after the run (packet program types only). */
  dataOut?: Uint8Array;
  /** The context after the run, when a ctx was given. */
  ctxOut?: Uint8Array;
}

export interface ProgInfo {
  id: number;
  type: number;
  name: string;
  tag: string;
  /** Bytes of translated (post-verifier rewrite) instructions; /8 for the count. */
  xlatedProgLen: number;
  /** Bytes of JITed machine code. */
  jitedProgLen: number;
  /** Instructions the verifier processed. */
  verifiedInsns: number;
  btfId: number;
  runCnt: number;
  runTimeNs: number;
}

interface MapHandle {
  name: string;
  fd: number;
  type: number;
  keySize: number;
  valueSize: number;
}

export class BpfObject {
  /** libbpf's output (all levels) while opening and loading. */
  readonly log: string;
  private obj: Ptr;
  private readonly progs = new Map<string, ProgramHandle>();
  private readonly maps = new Map<string, MapHandle>();

  private constructor(readonly path: string, obj: Ptr, log: string) {
    this.obj = obj;
    this.log = log;
    const l = loadLib();
    for (let p = l.bpf_object__next_program(obj, null); p; p = l.bpf_object__next_program(obj, p)) {
      const name = l.bpf_program__name(p) as string;
      this.progs.set(name, {
        name,
        fd: l.bpf_program__fd(p) as number,
        section: l.bpf_program__section_name(p) as string,
        type: l.bpf_program__type(p) as number,
        expectedAttachType: l.bpf_program__expected_attach_type(p) as number,
      });
    }
  }

  /**
   * Open and load an object file. Programs in sections libbpf 1.1 does not know
   * (see UNKNOWN_TO_LIBBPF_1_1) get their type set before load; `progTypes`
   * overrides any program's type. Throws, with libbpf's log (verifier log
   * included), when open or load fails.
   */
  static open(path: string, opts: OpenOptions = {}): BpfObject {
    const l = loadLib();
    let obj: Ptr = null;
    const res = withCapture(() => {
      obj = opts.pinRootPath === undefined ? l.bpf_object__open_file(path, null)
        : l.bpf_object__open_file_opts(path, { sz: 32, object_name: null, relaxed_maps: false, pin_root_path: opts.pinRootPath });
      if (!obj) throw new Error(`bpf_object__open_file(${path}) failed: ${errnoString(koffi.errno())}`);
      const overrides = { ...(opts.progTypes ?? {}) };
      for (const name of Object.keys(overrides)) {
        if (!l.bpf_object__find_program_by_name(obj, name)) {
          const names: string[] = [];
          for (let p = l.bpf_object__next_program(obj, null); p; p = l.bpf_object__next_program(obj, p)) names.push(l.bpf_program__name(p) as string);
          throw new Error(`progTypes: no program '${name}' in ${path} (programs: ${names.join(", ")})`);
        }
      }
      for (let p = l.bpf_object__next_program(obj, null); p; p = l.bpf_object__next_program(obj, p)) {
        const name = l.bpf_program__name(p) as string;
        const section = l.bpf_program__section_name(p) as string;
        let o = overrides[name];
        if (!o && (l.bpf_program__type(p) as number) === BPF_PROG_TYPE.UNSPEC) {
          o = UNKNOWN_TO_LIBBPF_1_1[section.replace(/^\?/, "")];
          if (!o) throw new Error(`program '${name}': libbpf does not recognise section '${section}'; pass opts.progTypes['${name}'] = { type, expectedAttachType }`);
        }
        if (!o) continue;
        check(l.bpf_program__set_type(p, o.type), `bpf_program__set_type(${name}, ${o.type})`);
        if (o.expectedAttachType !== undefined) {
          check(l.bpf_program__set_expected_attach_type(p, o.expectedAttachType), `bpf_program__set_expected_attach_type(${name}, ${o.expectedAttachType})`);
        }
      }
      check(l.bpf_object__load(obj), `bpf_object__load(${path})`);
    });
    if (res.error !== undefined) {
      if (obj) l.bpf_object__close(obj);
      const e = res.error as Error;
      e.message += res.log ? `\n--- libbpf log ---\n${res.log}` : "";
      throw e;
    }
    return new BpfObject(path, obj, res.log);
  }

  /** Open an object without loading it (for programs this kernel refuses): its maps as libbpf parsed them. */
  static openOnly(path: string): OpenedMap[] {
    const l = loadLib();
    const res = withCapture(() => {
      const obj = l.bpf_object__open_file(path, null);
      if (!obj) throw new Error(`bpf_object__open_file(${path}) failed: ${errnoString(koffi.errno())}`);
      try {
        const maps: OpenedMap[] = [];
        for (let m = l.bpf_object__next_map(obj, null); m; m = l.bpf_object__next_map(obj, m)) {
          maps.push({
            name: l.bpf_map__name(m) as string, type: l.bpf_map__type(m) as number, keySize: l.bpf_map__key_size(m) as number,
            valueSize: l.bpf_map__value_size(m) as number, maxEntries: l.bpf_map__max_entries(m) as number, mapFlags: l.bpf_map__map_flags(m) as number,
          });
        }
        return maps;
      } finally {
        l.bpf_object__close(obj);
      }
    });
    if (res.error !== undefined) throw res.error;
    return res.value!;
  }

  /** struct bpf_map_info of a loaded map: what the kernel made of its definition. */
  mapInfo(name: string): { type: number; id: number; keySize: number; valueSize: number; maxEntries: number; mapFlags: number } {
    const l = loadLib();
    const info = Buffer.alloc(88); // sizeof(struct bpf_map_info) as of 6.x UAPI
    const len = new Uint32Array([info.length]);
    check(l.bpf_obj_get_info_by_fd(this.map(name).fd, info, len), `bpf_obj_get_info_by_fd(${name})`);
    return {
      type: info.readUInt32LE(0), id: info.readUInt32LE(4), keySize: info.readUInt32LE(8),
      valueSize: info.readUInt32LE(12), maxEntries: info.readUInt32LE(16), mapFlags: info.readUInt32LE(20),
    };
  }

  private handle(): Ptr {
    if (!this.obj) throw new Error(`BpfObject(${this.path}) is closed`);
    return this.obj;
  }

  /** Names of the object's programs (entry points, not subprograms). */
  programNames(): string[] {
    return [...this.progs.keys()];
  }

  program(name: string): ProgramHandle {
    this.handle();
    const p = this.progs.get(name);
    if (!p) throw new Error(`no program '${name}' in ${this.path} (programs: ${this.programNames().join(", ")})`);
    return p;
  }

  /** Names of the object's maps as libbpf reports them (internal maps are '<obj>.bss' etc.). */
  mapNames(): string[] {
    const l = loadLib();
    const obj = this.handle();
    const names: string[] = [];
    for (let m = l.bpf_object__next_map(obj, null); m; m = l.bpf_object__next_map(obj, m)) names.push(l.bpf_map__name(m) as string);
    return names;
  }

  private map(name: string): MapHandle {
    const cached = this.maps.get(name);
    if (cached) return cached;
    const l = loadLib();
    const obj = this.handle();
    // find_map_by_name also matches internal maps by their section name ('.bss').
    let m: Ptr = l.bpf_object__find_map_by_name(obj, name);
    if (!m && name.startsWith(".")) {
      for (let it = l.bpf_object__next_map(obj, null); it; it = l.bpf_object__next_map(obj, it)) {
        if ((l.bpf_map__name(it) as string).endsWith(name)) {
          m = it;
          break;
        }
      }
    }
    if (!m) throw new Error(`no map '${name}' in ${this.path} (maps: ${this.mapNames().join(", ")})`);
    const h: MapHandle = {
      name,
      fd: l.bpf_map__fd(m) as number,
      type: l.bpf_map__type(m) as number,
      keySize: l.bpf_map__key_size(m) as number,
      valueSize: l.bpf_map__value_size(m) as number,
    };
    this.maps.set(name, h);
    return h;
  }

  /** A map's fd; '.bss', '.data', '.rodata' name the object's global-data maps. */
  mapFd(name: string): number {
    return this.map(name).fd;
  }

  /**
   * Look a key up; null when absent. valueSize defaults to the map's value size
   * (times the number of possible CPUs, 8-byte rounded, for per-CPU maps).
   */
  lookup(map: string, key: Uint8Array, valueSize?: number): Uint8Array | null {
    const l = loadLib();
    const h = this.map(map);
    let size = valueSize;
    if (size === undefined) {
      size = h.valueSize;
      if (PERCPU_MAP_TYPES.has(h.type)) size = Math.ceil(size / 8) * 8 * (l.libbpf_num_possible_cpus() as number);
    }
    const value = Buffer.alloc(size);
    const ret = l.bpf_map_lookup_elem(h.fd, Buffer.from(key), value) as number;
    if (ret === -osConstants.errno.ENOENT) return null;
    check(ret, `bpf_map_lookup_elem(${map})`);
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  update(map: string, key: Uint8Array, value: Uint8Array, flags = 0): void {
    const l = loadLib();
    const h = this.map(map);
    check(l.bpf_map_update_elem(h.fd, Buffer.from(key), Buffer.from(value), flags), `bpf_map_update_elem(${map})`);
  }

  /** Attaches a program where its section says (tracing, tp_btf, …); returns a function that detaches it. */
  attach(name: string): () => void {
    const l = loadLib();
    const prog = l.bpf_object__find_program_by_name(this.obj, name);
    if (!prog) throw new Error(`no program ${name}`);
    const link = l.bpf_program__attach(prog);
    if (!link) throw new Error(`bpf_program__attach(${name}) failed`);
    let live = true;
    return () => {
      if (live) l.bpf_link__destroy(link);
      live = false;
    };
  }

  /**
   * Registers a struct_ops map with the kernel (libbpf 1.1: an update of the
   * map's only element); returns a function that unregisters it.
   */
  attachStructOps(map: string): () => void {
    const l = loadLib();
    const m = l.bpf_object__find_map_by_name(this.handle(), map);
    if (!m) throw new Error(`no map '${map}' in ${this.path} (maps: ${this.mapNames().join(", ")})`);
    const link = l.bpf_map__attach_struct_ops(m);
    if (!link) throw new Error(`bpf_map__attach_struct_ops(${map}) failed: ${errnoString(koffi.errno())}`);
    let live = true;
    return () => {
      if (live) check(l.bpf_link__destroy(link), `bpf_link__destroy(${map})`);
      live = false;
    };
  }

  /** Pops a value from a queue or stack map (key-less lookup-and-delete); null when empty. */
  pop(map: string): Uint8Array | null {
    const l = loadLib();
    const h = this.map(map);
    const value = Buffer.alloc(h.valueSize);
    const ret = l.bpf_map_lookup_and_delete_elem(h.fd, null, value) as number;
    if (ret === -osConstants.errno.ENOENT) return null;
    check(ret, `bpf_map_lookup_and_delete_elem(${map})`);
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  /** Bloom filter membership from user space: true when `value` may be present. */
  mayContain(map: string, value: Uint8Array): boolean {
    const l = loadLib();
    const h = this.map(map);
    const ret = l.bpf_map_lookup_elem(h.fd, null, Buffer.from(value)) as number;
    if (ret === -osConstants.errno.ENOENT) return false;
    check(ret, `bpf_map_lookup_elem(${map})`);
    return true;
  }

  /** Every record currently in a BPF ring buffer, consumed through libbpf's ring_buffer API. */
  consumeRingbuf(map: string): Uint8Array[] {
    const l = loadLib();
    const h = this.map(map);
    const records: Uint8Array[] = [];
    const cb = koffi.register((_ctx: unknown, data: unknown, size: number) => {
      records.push(Uint8Array.from(koffi.decode(data, "uint8_t", Number(size)) as number[]));
      return 0;
    }, koffi.pointer(l.SampleFn as never));
    try {
      const rb = l.ring_buffer__new(h.fd, cb, null, null);
      if (!rb) throw new Error(`ring_buffer__new(${map}) failed`);
      try {
        check(l.ring_buffer__consume(rb) as number, `ring_buffer__consume(${map})`);
      } finally {
        l.ring_buffer__free(rb);
      }
    } finally {
      koffi.unregister(cb);
    }
    return records;
  }

  /** The whole value (key 0) of an internal global-data map. */
  global(section: ".bss" | ".data" | ".rodata" | `.data.${string}` | `.rodata.${string}`): Uint8Array {
    const v = this.lookup(section, new Uint8Array(4));
    if (!v) throw new Error(`${section}: no element 0`);
    return v;
  }

  /**
   * BPF_PROG_TEST_RUN. Without `data`, packet program types get a default
   * packet (64-byte Ethernet/IPv4/UDP frame; IPv4 packet for netfilter), and
   * other types (syscall, tracing, …) none.
   */
  testRun(name: string, opts: TestRunOptions = {}): TestRunResult {
    const l = loadLib();
    const prog = this.program(name);
    const data = opts.data ?? defaultTestRunData(prog.type);
    const noOut = NO_OUT_PROG_TYPES.has(prog.type);
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
      const dataOutSize = data && !noOut ? data.length + (opts.dataOutSlack ?? 4096) : 0;
      if (data) {
        o.data_in = alloc(data.length, data);
        o.data_size_in = data.length;
        if (!noOut) {
          o.data_out = alloc(dataOutSize);
          o.data_size_out = dataOutSize;
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
      const ret = l.bpf_prog_test_run_opts(prog.fd, o) as number;
      check(ret, `bpf_prog_test_run_opts(${name})`);
      const res: TestRunResult = { retval: (o.retval as number) | 0, duration: o.duration as number };
      if (o.data_out) res.dataOut = new Uint8Array(koffi.view(o.data_out, o.data_size_out as number).slice(0));
      if (opts.ctx) {
        res.ctxOut = o.ctx_out
          ? new Uint8Array(koffi.view(o.ctx_out, o.ctx_size_out as number).slice(0))
          : new Uint8Array(koffi.view(o.ctx_in, opts.ctx.length).slice(0)); // syscall: written back in place
      }
      return res;
    } finally {
      for (const p of allocs) koffi.free(p);
    }
  }

  /** struct bpf_prog_info of a loaded program (bpf_obj_get_info_by_fd). */
  progInfo(name: string): ProgInfo {
    const l = loadLib();
    const prog = this.program(name);
    const info = Buffer.alloc(232); // sizeof(struct bpf_prog_info) as of 6.x UAPI
    const len = new Uint32Array([info.length]);
    check(l.bpf_obj_get_info_by_fd(prog.fd, info, len), `bpf_obj_get_info_by_fd(${name})`);
    const nameEnd = info.indexOf(0, 64);
    return {
      type: info.readUInt32LE(0),
      id: info.readUInt32LE(4),
      tag: info.subarray(8, 16).toString("hex"),
      jitedProgLen: info.readUInt32LE(16),
      xlatedProgLen: info.readUInt32LE(20),
      name: info.subarray(64, nameEnd >= 64 && nameEnd < 80 ? nameEnd : 80).toString("utf8"),
      btfId: info.readUInt32LE(128),
      runTimeNs: Number(info.readBigUInt64LE(192)),
      runCnt: Number(info.readBigUInt64LE(200)),
      verifiedInsns: info.readUInt32LE(216),
    };
  }

  /** Pin all maps and programs under `dir` (on a bpffs mount). */
  pin(dir: string): void {
    const l = loadLib();
    const obj = this.handle();
    const r = withCapture(() => l.bpf_object__pin(obj, dir) as number);
    check(r.value ?? -1, `bpf_object__pin(${dir})`, r.log);
  }

  /** Remove what pin(dir) created. */
  unpin(dir: string): void {
    const l = loadLib();
    const obj = this.handle();
    const r = withCapture(() => {
      check(l.bpf_object__unpin_programs(obj, dir), `bpf_object__unpin_programs(${dir})`);
      check(l.bpf_object__unpin_maps(obj, dir), `bpf_object__unpin_maps(${dir})`);
    });
    if (r.error) throw r.error;
  }

  /** Unload everything (maps go away unless pinned or otherwise referenced). Idempotent. */
  close(): void {
    if (!this.obj) return;
    const l = loadLib();
    const obj = this.obj;
    this.obj = null;
    this.progs.clear();
    this.maps.clear();
    withCapture(() => l.bpf_object__close(obj));
  }
}

/** Poll `pred` every 10 ms until it holds (true) or `ms` elapse (false). */
export async function waitFor(pred: () => boolean, ms = 2000, intervalMs = 10): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (pred()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
