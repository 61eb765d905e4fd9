// The kernel tests' view of BPF objects, over the product's loader
// (loader/: the system libbpf through koffi), so that clang's objects and
// tsbpf's are opened and loaded by the same libbpf calls a C user would make.
// What is here is only what the tests want on top: open-and-load in one call,
// maps and programs addressed by name, errors phrased after the failing
// libbpf call with libbpf's log attached, and a probe for a usable kernel.
//
// The bench imports this file transpiled on the fly; there the loader's
// imports resolve to dist/loader (see bench/harness.mjs).

import { existsSync, readFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { BPF_PROG_TYPE, BpfObject as LoaderObject, LoadError, bpfAvailable, defaultPacket, errnoString } from "../../loader/index.js";
import type { TestRunOptions, TestRunResult as LoaderTestRunResult } from "../../loader/index.js";
import { check, libbpf } from "../../loader/libbpf.js";

export { BPF_ATTACH_TYPE, BPF_PROG_TYPE, errnoString, waitFor } from "../../loader/index.js";

/** The 64-byte Ethernet/IPv4/UDP frame packet programs are test-run with by default (the loader's). */
export const defaultEthPacket = defaultPacket;

/** The IPv4/UDP packet of defaultEthPacket() without its Ethernet header (50 bytes): netfilter's default. */
export function defaultIpv4Packet(): Uint8Array {
  return defaultPacket().slice(14);
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
  availability ??= probe();
  return availability;
}

function probe(): { ok: true } | { ok: false; why: string } {
  if (process.platform !== "linux") return { ok: false, why: `platform is ${process.platform}, not linux` };
  const caps = capEffective();
  const CAP_SYS_ADMIN = 21n, CAP_BPF = 39n;
  const privileged = caps !== undefined ? ((caps >> CAP_BPF) & 1n) === 1n || ((caps >> CAP_SYS_ADMIN) & 1n) === 1n : process.getuid?.() === 0;
  if (!privileged) return { ok: false, why: "neither CAP_BPF nor CAP_SYS_ADMIN in the effective capability set (run as root)" };
  if (!existsSync("/sys/kernel/btf/vmlinux")) return { ok: false, why: "kernel BTF (/sys/kernel/btf/vmlinux) not available" };
  return bpfAvailable();
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

export type { TestRunOptions } from "../../loader/index.js";

/** The loader's result, with the packet and context after the run named as before. */
export interface TestRunResult extends Omit<LoaderTestRunResult, "data" | "ctx"> {
  dataOut?: Uint8Array;
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
  runCnt: number;
  runTimeNs: number;
}

export class BpfObject {
  private constructor(readonly path: string, private readonly obj: LoaderObject) {}

  /** libbpf's output (all levels) while opening and loading. */
  get log(): string {
    return this.obj.log;
  }

  /**
   * Open and load an object file. Programs in sections libbpf 1.1 does not know
   * get their type from the loader (SECTIONS_UNKNOWN_TO_OLD_LIBBPF); `progTypes`
   * overrides any program's type. Throws, with libbpf's log (verifier log
   * included), when open or load fails.
   */
  static open(path: string, opts: OpenOptions = {}): BpfObject {
    let obj: LoaderObject;
    try {
      obj = LoaderObject.open(path, opts);
    } catch (e) {
      throw e instanceof LoadError ? withLog(e, `bpf_object__open_file(${path}) failed: ${errnoString(e.errno)}`, e.log) : e;
    }
    try {
      for (const p of obj.programs()) {
        if (p.type === BPF_PROG_TYPE.UNSPEC) {
          throw new Error(`program '${p.name}': libbpf does not recognise section '${p.section}'; pass opts.progTypes['${p.name}'] = { type, expectedAttachType }`);
        }
      }
      obj.load();
    } catch (e) {
      obj.close();
      throw e instanceof LoadError ? withLog(e, `bpf_object__load(${path}) failed: ${errnoString(e.errno)}`, obj.log) : e;
    }
    return new BpfObject(path, obj);
  }

  /** Open an object without loading it (for programs this kernel refuses): its maps as libbpf parsed them. */
  static openOnly(path: string): OpenedMap[] {
    const obj = LoaderObject.open(path);
    try {
      return obj.maps().map((m) => ({ name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, mapFlags: m.mapFlags }));
    } finally {
      obj.close();
    }
  }

  /** struct bpf_map_info of a loaded map: what the kernel made of its definition. */
  mapInfo(name: string): { type: number; id: number; keySize: number; valueSize: number; maxEntries: number; mapFlags: number } {
    const info = Buffer.alloc(88); // sizeof(struct bpf_map_info) as of 6.x UAPI
    const len = new Uint32Array([info.length]);
    check(libbpf().bpf_obj_get_info_by_fd(this.mapFd(name), info, len), `bpf_obj_get_info_by_fd(${name})`);
    return {
      type: info.readUInt32LE(0), id: info.readUInt32LE(4), keySize: info.readUInt32LE(8),
      valueSize: info.readUInt32LE(12), maxEntries: info.readUInt32LE(16), mapFlags: info.readUInt32LE(20),
    };
  }

  /** Names of the object's programs (entry points, not subprograms). */
  programNames(): string[] {
    return this.obj.programs().map((p) => p.name);
  }

  program(name: string): ProgramHandle {
    const p = this.obj.program(name);
    return { name: p.name, fd: p.fd, section: p.section, type: p.type, expectedAttachType: p.expectedAttachType };
  }

  /** Names of the object's maps as libbpf reports them (internal maps are '<obj>.bss' etc.). */
  mapNames(): string[] {
    return this.obj.maps().map((m) => m.name);
  }

  /** A map's fd; '.bss', '.data', '.rodata' name the object's global-data maps. */
  mapFd(name: string): number {
    return this.obj.map(name).fd;
  }

  /** Look a key up; null when absent. Per-CPU maps give every possible CPU's value, each 8-byte rounded. */
  lookup(map: string, key: Uint8Array): Uint8Array | null {
    return this.obj.map(map).lookup(key);
  }

  update(map: string, key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.obj.map(map).update(key, value, flags);
  }

  /** Attaches a program where its section says (tracing, tp_btf, …); returns a function that detaches it. */
  attach(name: string): () => void {
    const link = this.obj.program(name).attach();
    return () => link.destroy();
  }

  /** Registers a struct_ops map with the kernel; returns a function that unregisters it. */
  attachStructOps(map: string): () => void {
    const link = this.obj.map(map).attachStructOps();
    return () => link.destroy();
  }

  /** Pops a value from a queue or stack map (key-less lookup-and-delete); null when empty. */
  pop(map: string): Uint8Array | null {
    return this.obj.map(map).pop();
  }

  /** Bloom filter membership from user space: true when `value` may be present. */
  mayContain(map: string, value: Uint8Array): boolean {
    const ret = libbpf().bpf_map_lookup_elem(this.mapFd(map), null, Buffer.from(value)) as number;
    if (ret === -osConstants.errno.ENOENT) return false;
    check(ret, `bpf_map_lookup_elem(${map})`);
    return true;
  }

  /** Every record currently in a BPF ring buffer, consumed through libbpf's ring_buffer API. */
  consumeRingbuf(map: string): Uint8Array[] {
    return this.obj.map(map).consume();
  }

  /** The whole value (key 0) of an internal global-data map. */
  global(section: ".bss" | ".data" | ".rodata" | `.data.${string}` | `.rodata.${string}`): Uint8Array {
    const v = this.lookup(section, new Uint8Array(4));
    if (!v) throw new Error(`${section}: no element 0`);
    return v;
  }

  /** BPF_PROG_TEST_RUN; netfilter programs get defaultIpv4Packet() when no data is given, others the loader's default. */
  testRun(name: string, opts: TestRunOptions = {}): TestRunResult {
    const p = this.obj.program(name);
    const data = opts.data ?? (p.type === BPF_PROG_TYPE.NETFILTER ? defaultIpv4Packet() : undefined);
    const r = p.testRun({ data, ctx: opts.ctx, repeat: opts.repeat });
    return { retval: r.retval, duration: r.duration, ...(r.data && { dataOut: r.data }), ...(r.ctx && { ctxOut: r.ctx }) };
  }

  /** struct bpf_prog_info of a loaded program (bpf_obj_get_info_by_fd). */
  progInfo(name: string): ProgInfo {
    const i = this.obj.program(name).info();
    return {
      id: i.id, type: i.type, name: i.name, tag: i.tag, xlatedProgLen: i.xlatedInsns * 8, jitedProgLen: i.jitedBytes,
      verifiedInsns: i.verifiedInsns, runCnt: i.runCount, runTimeNs: i.runTimeNs,
    };
  }

  /** Pin all maps and programs under `dir` (on a bpffs mount). */
  pin(dir: string): void {
    this.obj.pin(dir);
  }

  /** Remove what pin(dir) created. */
  unpin(dir: string): void {
    this.obj.unpin(dir);
  }

  /** Unload everything (maps go away unless pinned or otherwise referenced). Idempotent. */
  close(): void {
    this.obj.close();
  }
}

/** The loader's error, phrased after the libbpf call that failed, with libbpf's log appended. */
function withLog(e: LoadError, message: string, log: string): LoadError {
  e.message = message + (log ? `\n--- libbpf log ---\n${log}` : "");
  return e;
}
