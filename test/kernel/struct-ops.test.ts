// STRUCT_OPS: a tcp_congestion_ops written in TypeScript (fixtures/struct-ops/ca.ts)
// is registered through libbpf, made the default congestion control for a moment,
// and used by a real loopback TCP transfer; its callbacks count their calls in
// .bss. clang's build of the same C (ca.c, with bpftool's vmlinux.h) is checked
// to give the same object shape and the same behaviour.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { readElf } from "../../compiler/elf/reader.js";
import { DEFAULT_BTF } from "../../compiler/vmlinux/index.js";
import { compileC } from "./clang.js";
import { describeKernel } from "./helpers.js";
import { BpfObject } from "./libbpf.js";

const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/struct-ops/${f}`, import.meta.url));
const SYSCTL = "/proc/sys/net/ipv4/tcp_congestion_control";
const AVAILABLE = "/proc/sys/net/ipv4/tcp_available_congestion_control";
const COUNTERS = ["init_calls", "ssthresh_calls", "cong_avoid_calls", "undo_calls", "max_cwnd"] as const;

/** 8 MiB from a client to a server over 127.0.0.1, both sockets made while `ca` is the default. */
async function transfer(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((s) => {
      let n = 0;
      s.on("data", (d) => { n += d.length; });
      s.on("end", () => { s.end(); srv.close(); resolve(n); });
    });
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const c = net.connect((srv.address() as net.AddressInfo).port, "127.0.0.1", () => c.end(Buffer.alloc(8 << 20)));
      c.on("error", reject);
    });
  });
}

/** Loads `obj`, registers its tcp_congestion_ops, runs a transfer with it as the default, reads the counters. */
async function run(objPath: string): Promise<Record<(typeof COUNTERS)[number], number>> {
  const obj = BpfObject.open(objPath);
  const prev = fs.readFileSync(SYSCTL, "utf8").trim();
  let unregister: (() => void) | undefined;
  try {
    unregister = obj.attachStructOps("tsbpf_ca");
    expect(fs.readFileSync(AVAILABLE, "utf8").trim().split(" ")).toContain("tsbpf_ca");
    fs.writeFileSync(SYSCTL, "tsbpf_ca");
    expect(await transfer()).toBe(8 << 20);
  } finally {
    fs.writeFileSync(SYSCTL, prev);
    unregister?.();
  }
  const elf = readElf(fs.readFileSync(objPath));
  const bss = obj.global(".bss");
  const dv = new DataView(bss.buffer, bss.byteOffset, bss.byteLength);
  const out = Object.fromEntries(COUNTERS.map((n) => [n, dv.getUint32(elf.symbols.find((s) => s.name === n)!.value, true)]));
  obj.close();
  expect(fs.readFileSync(AVAILABLE, "utf8").trim().split(" ")).not.toContain("tsbpf_ca");
  return out as Record<(typeof COUNTERS)[number], number>;
}

/** What libbpf reads of a struct_ops object: its sections, symbols, the .struct_ops bytes and relocations. */
function shape(objPath: string) {
  const elf = readElf(fs.readFileSync(objPath));
  const sec = elf.sections.find((s) => s.name === ".struct_ops")!;
  return {
    sections: elf.sections.map((s) => s.name).filter((n) => n.startsWith("struct_ops/") || n === ".struct_ops").sort(),
    programs: elf.symbols.filter((s) => s.type === 2 /* STT_FUNC */).map((s) => `${s.section}:${s.name}`).sort(),
    variable: elf.symbols.filter((s) => s.section === ".struct_ops").map((s) => ({ name: s.name, value: s.value, size: s.size })),
    data: Buffer.from(sec.data).toString("hex"),
    relocations: elf.relocations.filter((r) => r.section === ".struct_ops").map((r) => `${r.offset}:${r.type}:${r.symbol}`).sort(),
  };
}

describeKernel("STRUCT_OPS: tcp_congestion_ops", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-struct-ops-"));
  let ours: string, theirs: string;

  beforeAll(() => {
    const r = compile(fixture("ca.ts"));
    expect(r.diagnostics).toEqual([]);
    ours = path.join(dir, "ca.bpf.o");
    fs.writeFileSync(ours, r.object!);
    const h = spawnSync("bpftool", ["btf", "dump", "file", DEFAULT_BTF, "format", "c"], { encoding: "utf8", maxBuffer: 256 << 20 });
    fs.writeFileSync(path.join(dir, "vmlinux.h"), h.stdout);
    theirs = compileC(fixture("ca.c"), { includeDirs: [dir], noCache: true });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("has clang's sections, program symbols, .struct_ops bytes and relocations", () => {
    const a = shape(ours), b = shape(theirs);
    expect(a.sections).toEqual(["struct_ops/tsbpf_cong_avoid", "struct_ops/tsbpf_init", "struct_ops/tsbpf_ssthresh", "struct_ops/tsbpf_undo_cwnd", ".struct_ops"].sort());
    expect(a).toEqual(b);
  });

  it("registers with the kernel, and a TCP transfer runs its callbacks, as clang's build does", async () => {
    const a = await run(ours);
    // both sockets (client and server; other tests' sockets may join) were initialised by it;
    // slow start called cong_avoid, which grew the window by one per call from the initial 10
    for (const c of [a, await run(theirs)]) {
      expect(c.init_calls).toBeGreaterThanOrEqual(2);
      expect(c.cong_avoid_calls).toBeGreaterThan(0);
      expect(c.max_cwnd).toBeGreaterThan(10);
      expect(c.max_cwnd).toBeLessThanOrEqual(10 + c.cong_avoid_calls);
    }
  });
});
