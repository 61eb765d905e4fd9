// Local storage maps (task, cgroup, socket) driven by tp_btf programs and read
// from user space the way libbpf users read them — keyed by a pidfd, a cgroup
// fd and a socket fd — for tsbpf's object and its C twin built by clang; plus
// InodeStorage (LSM-only, LSM loads are refused here): libbpf opens it and its
// map definitions match clang's.

import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import koffi from "koffi";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { readElf } from "../../compiler/elf/reader.js";
import { parseBtf } from "../../compiler/btf/parse.js";
import { generateVmlinux, readBtfFile, DEFAULT_BTF } from "../../compiler/vmlinux/index.js";
import { compileC } from "./clang.js";
import { describeKernel } from "./helpers.js";
import { BpfObject, waitFor } from "./libbpf.js";
import { mapDefinitions } from "./map-defs.js";

const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/maps-more/${f}`, import.meta.url));
const i32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, n, true); return b; };
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

const SYS_pidfd_open = 434; // the same number on every architecture (asm-generic)
const TCP_SYN_SENT = 2;
const AF_INET = 2;

/** The cgroup v2 directory this process is in (the cgroup2 mount + /proc/self/cgroup's "0::" path). */
function ownCgroupDir(): string {
  const mount = fs.readFileSync("/proc/self/mounts", "utf8").split("\n").map((l) => l.split(" ")).find((f) => f[2] === "cgroup2");
  if (!mount) throw new Error("no cgroup2 mount");
  const rel = fs.readFileSync("/proc/self/cgroup", "utf8").split("\n").find((l) => l.startsWith("0::"))!.slice(3);
  return path.join(mount[1]!, rel);
}

/** A compiled object: its path and its global variables' offsets in .bss/.data. */
function globals(objPath: string) {
  const syms = readElf(fs.readFileSync(objPath)).symbols;
  const sym = (n: string) => syms.find((s) => s.name === n)!;
  return {
    read(obj: BpfObject, name: string, size: 4 | 8): bigint {
      const s = sym(name);
      const dv = view(obj.global(s.section as ".bss"));
      return size === 4 ? BigInt(dv.getInt32(s.value, true)) : dv.getBigInt64(s.value, true);
    },
    write32(obj: BpfObject, name: string, v: number): void {
      const s = sym(name);
      const b = obj.global(s.section as ".bss");
      view(b).setUint32(s.value, v, true);
      obj.update(s.section, new Uint8Array(4), b);
    },
  };
}

describeKernel("local storage maps", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-storage-"));
  let tsObj: string, cObj: string;
  const libc = koffi.load("libc.so.6");
  const syscall = libc.func("long syscall(long nr, int pid, unsigned int flags)");
  const closeFd = libc.func("int close(int fd)");

  beforeAll(() => {
    const decls = generateVmlinux(parseBtf(readBtfFile(DEFAULT_BTF)), {
      types: ["task_struct", "cgroup", "css_set", "sock", "sock_common", "pt_regs", "inode", "dentry"], tracepoints: ["sys_enter", "inet_sock_set_state"],
    });
    fs.writeFileSync(path.join(dir, "vmlinux.d.ts"), decls.text);
    for (const f of ["storage.ts", "inode.ts"]) fs.copyFileSync(fixture(f), path.join(dir, f));
    const r = compile(path.join(dir, "storage.ts"));
    expect(r.diagnostics).toEqual([]);
    tsObj = path.join(dir, "storage.bpf.o");
    fs.writeFileSync(tsObj, r.object!);
    const h = spawnSync("bpftool", ["btf", "dump", "file", DEFAULT_BTF, "format", "c"], { encoding: "utf8", maxBuffer: 256 << 20 });
    fs.writeFileSync(path.join(dir, "vmlinux.h"), h.stdout);
    cObj = compileC(fixture("storage.c"), { includeDirs: [dir], noCache: true });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Attach, make this thread do syscalls and a loopback TCP connection, read every storage map from user space. */
  async function observe(objPath: string) {
    const g = globals(objPath);
    const obj = BpfObject.open(objPath);
    const pidfd = Number(syscall(SYS_pidfd_open, process.pid, 0));
    const cgfd = fs.openSync(ownCgroupDir(), "r");
    const server = net.createServer((s) => s.end());
    try {
      expect(pidfd).toBeGreaterThanOrEqual(0);
      g.write32(obj, "target_tid", process.pid); // the main thread: the task pidfd_open(pid) names
      g.write32(obj, "target_tgid", process.pid);
      const detach = [obj.attach("on_enter"), obj.attach("on_state")];
      let client: net.Socket | undefined;
      try {
        await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
        const port = (server.address() as net.AddressInfo).port;
        client = net.connect(port, "127.0.0.1");
        await new Promise<void>((res, rej) => { client!.on("connect", res); client!.on("error", rej); });
        await waitFor(() => { fs.statSync("/"); return obj.lookup("tasks", i32(pidfd)) !== null; }, 3000);
        const fd = (client as unknown as { _handle: { fd: number } })._handle.fd;
        const task = obj.lookup("tasks", i32(pidfd));
        const cg = obj.lookup("cgrps", i32(cgfd));
        const sk = obj.lookup("socks", i32(fd));
        return {
          task: task && { called: view(task).getBigUint64(0, true) > 0n, tid: view(task).getInt32(8, true), tgid: view(task).getInt32(12, true) },
          cgroup: cg && { called: view(cg).getBigUint64(0, true) > 0n },
          sock: sk && { transitions: view(sk).getUint32(0, true) > 0, first: view(sk).getInt32(4, true), family: view(sk).getUint32(8, true) },
          scratchGone: obj.lookup("scratch", i32(pidfd)) === null,
          delRet: g.read(obj, "del_ret", 8),
          afterDel: g.read(obj, "after_del", 8),
          freeGet: g.read(obj, "free_get", 8),
        };
      } finally {
        detach.forEach((d) => d());
        client?.destroy();
      }
    } finally {
      server.close();
      fs.closeSync(cgfd);
      if (pidfd >= 0) closeFd(pidfd);
      obj.close();
    }
  }

  const expected = () => ({
    task: { called: true, tid: process.pid, tgid: process.pid },
    cgroup: { called: true },
    sock: { transitions: true, first: TCP_SYN_SENT, family: AF_INET },
    scratchGone: true,
    delRet: 0n,
    afterDel: 1n,
    freeGet: 7n,
  });

  it("TaskStorage, CgrpStorage, SkStorage: get/create/delete from tp_btf, read by pidfd, cgroup fd and socket fd", async () => {
    expect(await observe(tsObj)).toEqual(expected());
  });

  it("the C twin built by clang does the same, with the same map definitions", async () => {
    expect(await observe(cObj)).toEqual(expected());
    expect(mapDefinitions(tsObj)).toEqual(mapDefinitions(cObj));
  });

  it("InodeStorage (LSM): libbpf opens it as clang's, with the same definition and helper calls", () => {
    const r = compile(path.join(dir, "inode.ts"));
    expect(r.diagnostics).toEqual([]);
    const ts = path.join(dir, "inode.bpf.o");
    fs.writeFileSync(ts, r.object!);
    const c = compileC(fixture("inode.c"), { includeDirs: [dir], noCache: true });
    const BPF_MAP_TYPE_INODE_STORAGE = 28;
    expect(BpfObject.openOnly(ts)).toEqual([{ name: "inodes", type: BPF_MAP_TYPE_INODE_STORAGE, keySize: 4, valueSize: 16, maxEntries: 0, mapFlags: 1 }]);
    expect(BpfObject.openOnly(ts)).toEqual(BpfObject.openOnly(c));
    expect(mapDefinitions(ts)).toEqual(mapDefinitions(c));
    // Both call bpf_inode_storage_get (145) and bpf_inode_storage_delete (146) on the map (ld_imm64 relocated to it).
    const calls = (o: string) => {
      const elf = readElf(fs.readFileSync(o));
      const text = elf.sections.find((x) => x.name === "lsm/inode_unlink")!.data;
      const ids: number[] = [];
      for (let i = 0; i < text.length; i += 8) if (text[i] === 0x85 && text[i + 1] === 0) ids.push(view(text).getInt32(i + 4, true));
      return { helpers: ids, mapRelocs: elf.relocations.filter((x) => x.section === "lsm/inode_unlink").map((x) => x.symbol) };
    };
    expect(calls(ts)).toEqual({ helpers: [145, 146], mapRelocs: ["inodes", "inodes"] });
    expect(calls(c)).toEqual(calls(ts));
  });
});
