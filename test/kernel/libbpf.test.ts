// Tests of the test loader itself (test/kernel/libbpf.ts) on small C fixtures.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, rmSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { compileC, elfSymbol } from "./clang.js";
import { describeKernel, describeWith } from "./helpers.js";
import { BPF_ATTACH_TYPE, BPF_PROG_TYPE, BpfObject, defaultEthPacket, defaultIpv4Packet, waitFor } from "./libbpf.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const readU32 = (b: Uint8Array, off = 0) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true);
const readU64 = (b: Uint8Array, off = 0) => new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, true);

describe("default packets", () => {
  it("are a 64-byte Ethernet/IPv4/UDP frame and its IPv4 part", () => {
    const eth = defaultEthPacket();
    expect(eth.length).toBe(64);
    expect([eth[12], eth[13], eth[14]]).toEqual([0x08, 0x00, 0x45]);
    const ip = defaultIpv4Packet();
    expect(eth.subarray(14)).toEqual(ip);
    // A valid IPv4 header checksums to 0.
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (ip[i]! << 8) | ip[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(sum).toBe(0xffff);
  });
});

it("waitFor polls until the predicate holds or the deadline passes", async () => {
  let n = 0;
  expect(await waitFor(() => ++n >= 3, 1000, 1)).toBe(true);
  const t0 = Date.now();
  expect(await waitFor(() => false, 50, 5)).toBe(false);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
});

describeKernel("BpfObject (libbpf via koffi)", () => {
  let path: string;
  let obj: BpfObject;

  beforeAll(() => {
    path = compileC(fixture("loader.c"));
    obj = BpfObject.open(path);
  });
  afterAll(() => obj?.close());

  it("types programs by section; netfilter (unknown to libbpf 1.1) gets type 32 / attach 45", () => {
    expect(obj.programNames().sort()).toEqual(["nf_accept", "sock_len", "sys_args", "tc_len", "xdp_mark"]);
    expect(obj.program("tc_len")).toMatchObject({ section: "tc", type: BPF_PROG_TYPE.SCHED_CLS });
    expect(obj.program("xdp_mark")).toMatchObject({ section: "xdp", type: BPF_PROG_TYPE.XDP });
    expect(obj.program("sock_len")).toMatchObject({ section: "socket", type: BPF_PROG_TYPE.SOCKET_FILTER });
    expect(obj.program("sys_args")).toMatchObject({ section: "syscall", type: BPF_PROG_TYPE.SYSCALL });
    expect(obj.program("nf_accept")).toMatchObject({
      section: "netfilter",
      type: BPF_PROG_TYPE.NETFILTER,
      expectedAttachType: BPF_ATTACH_TYPE.NETFILTER,
    });
    expect(obj.log).toContain("unrecognized ELF section name 'netfilter'");
    expect(() => obj.program("nope")).toThrow(/no program 'nope'.*tc_len/);
  });

  it("test-runs packet programs with a default frame, and returns dataOut", () => {
    const tc = obj.testRun("tc_len");
    expect(tc.retval).toBe(0x1234 + 5);
    expect(tc.dataOut?.length).toBe(64);
    expect(readU32(obj.global(".bss"), elfSymbol(path, "bss_last_len", ".bss").value)).toBe(64);

    // Socket filters see the frame after eth_type_trans() pulled the Ethernet header.
    expect(obj.testRun("sock_len").retval).toBe(64 - 14);

    const x = obj.testRun("xdp_mark");
    expect(x.retval).toBe(2); // XDP_PASS
    expect(x.dataOut?.length).toBe(64);
    expect(x.dataOut![0]).toBe(0xaa);
    expect(x.dataOut!.subarray(1)).toEqual(defaultEthPacket().subarray(1));

    const bad = defaultEthPacket();
    bad[14] = 0x60;
    expect(obj.testRun("xdp_mark", { data: bad }).retval).toBe(1); // XDP_DROP
    expect(obj.testRun("tc_len", { data: new Uint8Array(100).fill(0) }).retval).toBe(-1);
  });

  it("test-runs syscall programs without data, writing ctx back", () => {
    const r = obj.testRun("sys_args", { ctx: new Uint8Array([...u32(21), ...u32(0)]) });
    expect(r.retval).toBe(22);
    expect(r.dataOut).toBeUndefined();
    expect(readU32(r.ctxOut!, 4)).toBe(42);
  });

  it("test-runs netfilter programs with an IPv4 packet", () => {
    expect(obj.testRun("nf_accept").retval).toBe(1);
  });

  it("repeats runs and reports a duration", () => {
    const r = obj.testRun("tc_len", { repeat: 100 });
    expect(r.retval).toBe(0x1234 + 5);
    expect(r.duration).toBeGreaterThanOrEqual(0);
  });

  it("reads and writes maps, including per-CPU maps and global data", () => {
    expect(readU64(obj.lookup("counts", u32(3))!)).toBeGreaterThanOrEqual(0n);
    expect(obj.lookup("counts", u32(15))).toBeNull();
    obj.update("counts", u32(15), new Uint8Array(new BigUint64Array([77n]).buffer));
    expect(readU64(obj.lookup("counts", u32(15))!)).toBe(77n);
    expect(readU64(obj.lookup("counts", u32(1))!)).toBeGreaterThanOrEqual(1n);

    const pcpu = obj.lookup("pcpu", u32(0))!;
    expect(pcpu.length % 8).toBe(0);
    let total = 0;
    for (let off = 0; off < pcpu.length; off += 8) total += readU32(pcpu, off);
    expect(total).toBeGreaterThanOrEqual(1);

    expect(readU32(obj.global(".rodata"), elfSymbol(path, "ro_value", ".rodata").value)).toBe(0x1234);
    const dataOff = elfSymbol(path, "data_value", ".data").value;
    expect(readU32(obj.global(".data"), dataOff)).toBe(5);
    const data = obj.global(".data");
    new DataView(data.buffer, data.byteOffset).setUint32(dataOff, 6, true);
    obj.update(".data", u32(0), data);
    expect(obj.testRun("tc_len").retval).toBe(0x1234 + 6);
    expect(obj.mapFd(".bss")).toBeGreaterThan(0);
    expect(() => obj.mapFd("nope")).toThrow(/no map 'nope'/);
  });

  it("reports bpf_prog_info", () => {
    const info = obj.progInfo("xdp_mark");
    expect(info.type).toBe(BPF_PROG_TYPE.XDP);
    expect(info.name).toBe("xdp_mark");
    expect(info.xlatedProgLen).toBeGreaterThan(0);
    expect(info.verifiedInsns).toBeGreaterThan(0);
    expect(info.id).toBeGreaterThan(0);
    expect(info.tag).toMatch(/^[0-9a-f]{16}$/);
  });

  it("pins and unpins maps and programs", () => {
    if (!existsSync("/sys/fs/bpf")) return;
    const dir = mkdtempSync("/sys/fs/bpf/tsbpf-test-");
    try {
      obj.pin(dir);
      const pinned = readdirSync(dir, { recursive: true }).map(String);
      expect(pinned).toEqual(expect.arrayContaining(["counts", "tc_len"]));
      obj.unpin(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("honours progTypes overrides, and rejects unknown program names", () => {
    const o = BpfObject.open(path, { progTypes: { sock_len: { type: BPF_PROG_TYPE.SCHED_CLS } } });
    try {
      expect(o.program("sock_len").type).toBe(BPF_PROG_TYPE.SCHED_CLS);
      expect(o.testRun("sock_len").retval).toBe(64);
    } finally {
      o.close();
    }
    expect(() => BpfObject.open(path, { progTypes: { nope: { type: 3 } } })).toThrow(/no program 'nope'/);
  });

  it("closes idempotently and refuses use after close", () => {
    const o = BpfObject.open(path);
    o.close();
    o.close();
    expect(() => o.program("tc_len")).toThrow(/closed/);
    expect(() => o.testRun("tc_len")).toThrow(/closed/);
  });

  it("throws on load failure with libbpf's log, verifier log included", () => {
    const bad = compileC(fixture("bad.c"));
    let err: Error | undefined;
    try {
      BpfObject.open(bad).close();
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(/bpf_object__load\(.*bad\.bpf\.o\) failed: EACCES/);
    expect(err?.message).toContain("BEGIN PROG LOAD LOG");
    expect(err?.message).toMatch(/invalid access to packet/);
  });

  it("throws on open failure", () => {
    expect(() => BpfObject.open("/nonexistent/x.bpf.o")).toThrow(/bpf_object__open_file\(\/nonexistent\/x\.bpf\.o\) failed: ENOENT/);
  });
});

describeWith({ clang: true }, "compileC", () => {
  it("reports clang's stderr on failure", () => {
    expect(() => compileC("int broken( {\n", { name: "broken", noCache: true })).toThrow(/clang.*failed[\s\S]*error:/);
  });
  it("caches by content", () => {
    const src = "// SPDX-License-Identifier: GPL-2.0\nint x;\n";
    expect(compileC(src)).toBe(compileC(src));
    expect(compileC(src)).not.toBe(compileC(src + "int y;\n"));
  });
});
