// CO-RE: every access to a kernel struct through a kernel pointer carries a
// .BTF.ext core_relo record like clang's for the same preserve_access_index C
// (fixtures/core/*.ts and their *.c twins). Each test compares the two
// objects' relocations (kind, root type name, access string), then attaches
// both, triggers the tracepoint and compares what they recorded.

import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { readElf } from "../../compiler/elf/reader.js";
import { parseBtf, parseBtfExt } from "../../compiler/btf/parse.js";
import { BPF_CORE_FIELD_BYTE_OFFSET } from "../../compiler/btf/kinds.js";
import { generateVmlinux, readBtfFile, DEFAULT_BTF } from "../../compiler/vmlinux/index.js";
import { compileC } from "./clang.js";
import { describeKernel } from "./helpers.js";
import { BpfObject, waitFor } from "./libbpf.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/core/${name}`, import.meta.url));

/** The core_relo records of an object: kind, the name of the root type, access string; sorted. */
function coreRelos(obj: Uint8Array): string[] {
  const elf = readElf(obj);
  const btf = parseBtf(elf.sections.find((s) => s.name === ".BTF")!.data);
  const ext = parseBtfExt(elf.sections.find((s) => s.name === ".BTF.ext")!.data, btf);
  return ext.coreRelo.flatMap((s) => s.records.map((r) => {
    const t = btf.types[r.typeId] as { kind: number; name?: string };
    return `${s.section} kind=${r.kind} ${t.name || "(anon)"} ${r.accessStr}`;
  })).sort();
}

/** Globals of an object by name, read from its .bss (4- and 8-byte integers). */
function globals(obj: BpfObject, elf: Uint8Array): Record<string, bigint> {
  const bss = obj.global(".bss");
  const dv = new DataView(bss.buffer, bss.byteOffset, bss.byteLength);
  const e = readElf(elf);
  const bssIndex = e.sections.find((s) => s.name === ".bss")!.index;
  const out: Record<string, bigint> = {};
  for (const s of e.symbols) {
    if (s.shndx !== bssIndex || !s.name) continue;
    out[s.name] = s.size === 8 ? dv.getBigInt64(s.value, true) : BigInt(dv.getInt32(s.value, true));
  }
  return out;
}

function setGlobal(obj: BpfObject, elf: Uint8Array, name: string, value: number): void {
  const e = readElf(elf);
  const sym = e.symbols.find((s) => s.name === name)!;
  const bss = obj.global(".bss");
  new DataView(bss.buffer, bss.byteOffset).setInt32(sym.value, value, true);
  obj.update(".bss", new Uint8Array(4), bss);
}

interface Twin { ts: Uint8Array; c: Uint8Array; tsPath: string; cPath: string }

describeKernel("CO-RE relocations of kernel-struct accesses", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-core-"));
    const decls = generateVmlinux(parseBtf(readBtfFile(DEFAULT_BTF)), {
      types: ["task_struct", "mm_struct", "sk_buff"], tracepoints: ["sched_switch", "netif_receive_skb"],
    });
    fs.writeFileSync(path.join(dir, "vmlinux.d.ts"), decls.text);
  });

  const build = (name: string): Twin => {
    fs.copyFileSync(fixture(`${name}.ts`), path.join(dir, `${name}.ts`));
    const r = compile(path.join(dir, `${name}.ts`));
    expect(r.diagnostics).toEqual([]);
    const tsPath = path.join(dir, `${name}.bpf.o`);
    fs.writeFileSync(tsPath, r.object!);
    const cPath = compileC(fixture(`${name}.c`));
    return { ts: r.object!, c: new Uint8Array(fs.readFileSync(cPath)), tsPath, cPath };
  };

  /** Loads both objects, sets `target`-like inputs, attaches, triggers until both saw an event, returns their globals. */
  const run = async (t: Twin, prog: string, inputs: Record<string, number>, trigger: () => void): Promise<Record<string, bigint>[]> => {
    const objs = [BpfObject.open(t.tsPath), BpfObject.open(t.cPath)];
    const detach: (() => void)[] = [];
    try {
      // libbpf relocated our object's accesses (its debug log says so for each one).
      expect(objs[0]!.log).toMatch(/CO-RE relocating \[\d+\] (struct|union) /);
      expect(objs[0]!.log).not.toMatch(/failed to resolve CO-RE|substituting insn/);
      objs.forEach((o, i) => { for (const [k, v] of Object.entries(inputs)) setGlobal(o, i ? t.c : t.ts, k, v); });
      for (const o of objs) detach.push(o.attach(prog));
      const seen = () => objs.every((o, i) => globals(o, i ? t.c : t.ts).seen! > 0n);
      const ok = await waitFor(() => { trigger(); return seen(); }, 5000, 20);
      expect(ok).toBe(true);
      detach.splice(0).forEach((d) => d());
      // How many events each saw depends on when it was detached; what they read does not.
      return objs.map((o, i) => { const { seen: _, ...g } = globals(o, i ? t.c : t.ts); return g; });
    } finally {
      detach.forEach((d) => d());
      objs.forEach((o) => o.close());
    }
  };

  const procStat = () => fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  const switchAway = () => { for (let i = 0; i < 3; i++) fs.readFileSync("/proc/self/stat"); };

  it("relocates task_struct fields, nested pointers, an anonymous member, an array element and bitfields like clang", async () => {
    const t = build("task");
    const relos = coreRelos(t.ts);
    expect(relos).toEqual(coreRelos(t.c));
    expect(relos).toEqual([
      "tp_btf/sched_switch kind=0 mm_struct 0:0:0",
      "tp_btf/sched_switch kind=0 task_struct 0:0",
      "tp_btf/sched_switch kind=0 task_struct 0:1",
      "tp_btf/sched_switch kind=0 task_struct 0:2",
      "tp_btf/sched_switch kind=0 task_struct 0:3",
      "tp_btf/sched_switch kind=0 task_struct 0:4",
      "tp_btf/sched_switch kind=0 task_struct 0:5",
      "tp_btf/sched_switch kind=0 task_struct 0:5",
      "tp_btf/sched_switch kind=0 task_struct 0:6",
      "tp_btf/sched_switch kind=0 task_struct 0:7:0",
      "tp_btf/sched_switch kind=0 task_struct 0:7:1",
    ]);
    const [ts, c] = await run(t, "on_switch", { target: process.pid }, switchAway);
    expect(ts).toEqual(c);
    const stat = procStat();
    const comm = fs.readFileSync("/proc/self/comm");
    expect(ts!.pid).toBe(BigInt(process.pid));
    expect(ts!.tgid).toBe(BigInt(process.pid));
    expect(ts!.ppid).toBe(BigInt(process.ppid));
    expect(ts!.prio).toBe(BigInt(Number(stat[15]) + 100));
    expect([ts!.comm0, ts!.comm1]).toEqual([BigInt(comm[0]!), BigInt(comm[1]!)]);
    expect(ts!.start_stack).toBe(BigInt(stat[25]!));
    expect([ts!.reset_on_fork, ts!.in_execve]).toEqual([0n, 0n]);
  });

  it("reads through a ___flavour struct whose layout is not the kernel's, as clang's build of it does", async () => {
    const t = build("flavour");
    const relos = coreRelos(t.ts);
    expect(relos).toEqual(coreRelos(t.c));
    expect(relos).toEqual([
      "tp_btf/sched_switch kind=0 task_struct___local 0:0:1",
      "tp_btf/sched_switch kind=0 task_struct___local 0:1",
      "tp_btf/sched_switch kind=0 task_struct___local 0:2",
      "tp_btf/sched_switch kind=0 task_struct___local 0:2",
      "tp_btf/sched_switch kind=0 task_struct___local 0:3",
    ]);
    // The object's own layout puts pid at byte 28, where the kernel's task_struct has something else.
    const btf = parseBtf(readElf(t.ts).sections.find((s) => s.name === ".BTF")!.data);
    const local = btf.types.find((x) => (x as { name?: string }).name === "task_struct___local") as { members: { name?: string; bitOffset: number }[] };
    expect(local.members.map((m) => `${m.name}@${m.bitOffset / 8}`)).toEqual(["comm@0", "real_parent@16", "tgid@24", "pid@28"]);
    const kernel = parseBtf(readBtfFile(DEFAULT_BTF));
    const task = kernel.types.find((x) => (x as { name?: string }).name === "task_struct" && "members" in x) as { members: { name?: string; bitOffset: number }[] };
    expect(task.members.find((m) => m.name === "pid")!.bitOffset / 8).not.toBe(28);

    const [ts, c] = await run(t, "on_switch", { target: process.pid }, switchAway);
    expect(ts).toEqual(c);
    expect(ts!.tgid).toBe(BigInt(process.pid));
    expect(ts!.ppid).toBe(BigInt(process.ppid));
    expect(ts!.comm1).toBe(BigInt(fs.readFileSync("/proc/self/comm")[1]!));
  });

  it("reads sk_buff bitfields inside anonymous members like clang's direct bitfield reads", async () => {
    const t = build("skb");
    const relos = coreRelos(t.ts);
    expect(relos).toEqual(coreRelos(t.c));
    expect(relos.every((r) => r.includes(`kind=${BPF_CORE_FIELD_BYTE_OFFSET} sk_buff `))).toBe(true);
    expect(relos.map((r) => r.split(" ").pop())).toEqual(["0:0", "0:1", "0:2:0:0", "0:2:0:1"]);

    const sock = dgram.createSocket("udp4");
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
    const port = sock.address().port;
    const payload = Buffer.alloc(1237, 0x5a);
    try {
      // The IPv4 + UDP headers are in skb->len when the packet reaches netif_receive_skb.
      const [ts, c] = await run(t, "on_rx", { want_len: payload.length + 28 }, () => sock.send(payload, port, "127.0.0.1"));
      expect(ts).toEqual(c);
      expect(ts!.pkt_type).toBe(0n); // PACKET_HOST
      expect(ts!.ip_summed).toBe(3n); // CHECKSUM_PARTIAL: loopback offloads the UDP checksum (bits 5–6 of their byte)
    } finally {
      sock.close();
    }
  });
});
