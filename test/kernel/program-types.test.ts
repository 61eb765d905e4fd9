// Every program type the bpf_wq documentation lists, built from TypeScript.
// fixtures/program-types.ts: 14 types that load here; test_run fires the
// work-queue callback where the kernel supports test_run for the type.
// fixtures/tracing-types.ts: LSM/fentry/fexit, which this sandbox refuses to load
// (even clang's): libbpf must open it, and its ELF and BTF must match clang's.

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { readElf } from "../../compiler/elf/reader.js";
import { parseBtf } from "../../compiler/btf/parse.js";
import { BTF_KIND_DATASEC, BTF_KIND_FUNC } from "../../compiler/btf/kinds.js";
import { compileC } from "./clang.js";
import { describeKernel } from "./helpers.js";
import { BPF_PROG_TYPE, BpfObject, waitFor } from "./libbpf.js";

const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url));

function build(file: string): string {
  const r = compile(fixture(file));
  expect(r.diagnostics).toEqual([]);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-types-")), file.replace(/\.ts$/, ".bpf.o"));
  fs.writeFileSync(out, r.object!);
  return out;
}

// program → [section, program type, key whose bit its callback sets, runnable with test_run here]
const TYPES: Record<string, [string, number, number, boolean]> = {
  p_socket: ["socket", BPF_PROG_TYPE.SOCKET_FILTER, 0, true],
  p_tc: ["tc", BPF_PROG_TYPE.SCHED_CLS, 1, true],
  p_action: ["action", BPF_PROG_TYPE.SCHED_ACT, 2, true],
  p_xdp: ["xdp", BPF_PROG_TYPE.XDP, 3, true],
  p_cgroup_skb: ["cgroup_skb/ingress", BPF_PROG_TYPE.CGROUP_SKB, 4, true],
  p_sock_addr: ["cgroup/connect4", BPF_PROG_TYPE.CGROUP_SOCK_ADDR, 5, false],
  p_lwt_in: ["lwt_in", BPF_PROG_TYPE.LWT_IN, 6, true],
  p_lwt_out: ["lwt_out", BPF_PROG_TYPE.LWT_OUT, 7, true],
  p_lwt_xmit: ["lwt_xmit", BPF_PROG_TYPE.LWT_XMIT, 8, true],
  p_seg6: ["lwt_seg6local", BPF_PROG_TYPE.LWT_SEG6LOCAL, 9, false],
  p_sk_skb: ["sk_skb/stream_verdict", BPF_PROG_TYPE.SK_SKB, 10, false],
  p_nf: ["netfilter", BPF_PROG_TYPE.NETFILTER, 11, true],
  p_syscall: ["syscall", BPF_PROG_TYPE.SYSCALL, 12, true],
  p_tp: ["tp_btf/sched_switch", BPF_PROG_TYPE.TRACING, 13, false],
};

describeKernel("program types that load here", () => {
  let obj: BpfObject | undefined;
  beforeAll(() => {
    obj = BpfObject.open(build("program-types.ts"));
  });
  afterAll(() => obj?.close());

  it("loads all fourteen with the types of their sections", () => {
    for (const [name, [section, type]] of Object.entries(TYPES)) {
      expect(obj!.program(name), name).toMatchObject({ section, type });
    }
  });

  it("test_run fires the work-queue callback in every type that supports test_run", async () => {
    let expected = 0;
    for (const [name, [, , key, runnable]] of Object.entries(TYPES)) {
      if (!runnable) continue;
      obj!.testRun(name);
      expected |= 1 << key;
    }
    const fired = () => new DataView(obj!.global(".bss").buffer).getUint32(0, true);
    await waitFor(() => fired() === expected, 5000);
    expect(fired().toString(2)).toBe(expected.toString(2));
  });
});

/** The facts of an object that libbpf acts on: sections, symbols, relocations, BTF functions and datasecs. */
function facts(objPath: string) {
  const elf = readElf(fs.readFileSync(objPath));
  const code = elf.sections.filter((s) => s.flags & 0x4).map((s) => s.name).sort();
  const symbols = elf.symbols.filter((s) => s.type !== 3 && s.type !== 4).map((s) => `${s.name}@${s.section ?? "UND"}:${s.type}/${s.bind}`).sort();
  const relocs = elf.relocations.filter((r) => code.includes(r.section)).map((r) => `${r.section}→${r.symbol}:${r.type}`).sort();
  const btf = parseBtf(elf.sections.find((s) => s.name === ".BTF")!.data);
  const funcs = btf.types.filter((t) => t.kind === BTF_KIND_FUNC).map((t) => `${(t as { name: string }).name}:${(t as { linkage: number }).linkage}`).sort();
  const datasecs = btf.types.filter((t) => t.kind === BTF_KIND_DATASEC).map((t) => (t as { name: string }).name).sort();
  expect(funcs.length).toBeGreaterThan(0);
  return { code, symbols, relocs, funcs, datasecs };
}

describeKernel("LSM, fentry and fexit (refused by this sandbox's kernel, even from clang)", () => {
  it("libbpf opens the object (bpftool gen skeleton)", () => {
    const out = execFileSync("bpftool", ["gen", "skeleton", build("tracing-types.ts")], { encoding: "utf8" });
    for (const p of ["p_lsm", "p_fentry", "p_fexit"]) expect(out).toContain(p);
  });

  it("has clang's sections, symbols, relocations and BTF functions", () => {
    const ours = facts(build("tracing-types.ts"));
    const theirs = facts(compileC(fixture("tracing-types.c")));
    expect(ours.code).toEqual(theirs.code);
    expect(ours.relocs).toEqual(theirs.relocs);
    expect(ours.funcs).toEqual(theirs.funcs);
    expect(ours.datasecs).toEqual(theirs.datasecs);
    expect(ours.symbols).toEqual(theirs.symbols);
  });
});
