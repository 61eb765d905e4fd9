// `tsbpf vmlinux` on this machine's kernel BTF: the output type-checks the way
// the compiler checks programs, member offsets agree with bpftool's, output is
// deterministic, a full run is fast. Skipped only when /sys/kernel/btf/vmlinux
// is absent and CI is unset (in CI a missing kernel BTF fails the suite).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { register } from "../../cli/commands/vmlinux.js";
import { parseBtf } from "../../compiler/btf/parse.js";
import {
  DEFAULT_BTF,
  btfDigest,
  generateVmlinux,
  parseBrand,
  readBtfFile,
  typecheckFiles,
} from "../../compiler/vmlinux/index.js";
import { tmpProject } from "../support/tmp.js";

const hasVmlinux = fs.existsSync(DEFAULT_BTF);
const skip = !hasVmlinux && !process.env.CI;
const BPFTOOL = process.env.TSBPF_BPFTOOL ?? "bpftool";
const hasBpftool = spawnSync(BPFTOOL, ["version"], { encoding: "utf8" }).status === 0;

const SUBSET = {
  types: ["task_struct", "sk_buff", "__sk_buff", "xdp_md", "bpf_sock_addr", "bpf_nf_ctx", "bpf_wq", "file", "sock_common"],
  tracepoints: ["sched_switch"],
  funcs: ["bpf_task_acquire", "bpf_task_release", "tcp_v4_rcv"],
};

function generate(options: Parameters<typeof generateVmlinux>[1] = {}): string {
  const bytes = readBtfFile(DEFAULT_BTF);
  return generateVmlinux(parseBtf(bytes), { ...options, digest: btfDigest(bytes) }).text;
}

function check(text: string, program = "export {};\n"): string[] {
  const dir = tmpProject({ "vmlinux.d.ts": text, "prog.ts": program });
  try {
    return typecheckFiles([path.join(dir, "vmlinux.d.ts"), path.join(dir, "prog.ts")]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------ bpftool's view

interface RawMember { name: string; type: number; bitsOffset: number; bitfieldSize: number }
interface RawType { kind: string; name: string; type?: number; members?: RawMember[] }

/** `bpftool btf dump file X` (raw format), parsed independently of compiler/btf. */
function bpftoolTypes(): Map<number, RawType> {
  const r = spawnSync(BPFTOOL, ["btf", "dump", "file", DEFAULT_BTF], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`bpftool failed: ${r.stderr}`);
  const types = new Map<number, RawType>();
  let cur: RawType | undefined;
  for (const line of r.stdout.split("\n")) {
    const head = /^\[(\d+)\] (\w+) '([^']*)'(?:.*? type_id=(\d+))?/.exec(line);
    if (head) {
      cur = { kind: head[2]!, name: head[3] === "(anon)" ? "" : head[3]!, type: head[4] ? Number(head[4]) : undefined };
      if (cur.kind === "STRUCT" || cur.kind === "UNION") cur.members = [];
      types.set(Number(head[1]), cur);
      continue;
    }
    const m = /^\t'([^']*)' type_id=(\d+) bits_offset=(\d+)(?: bitfield_size=(\d+))?$/.exec(line);
    if (m && cur?.members) {
      cur.members.push({
        name: m[1] === "(anon)" ? "" : m[1]!,
        type: Number(m[2]),
        bitsOffset: Number(m[3]),
        bitfieldSize: m[4] ? Number(m[4]) : 0,
      });
    }
  }
  return types;
}

/** "name@byte" or "name@byte:bit:size" for each member C code can name, anonymous members lifted. */
function expectedMembers(types: Map<number, RawType>, id: number): string[] {
  const out: string[] = [];
  const skipQualifiers = (t: number): number => {
    for (;;) {
      const k = types.get(t);
      if (k && ["CONST", "VOLATILE", "RESTRICT", "TYPE_TAG", "TYPEDEF"].includes(k.kind)) t = k.type!;
      else return t;
    }
  };
  const walk = (sid: number, base: number): void => {
    for (const m of types.get(sid)!.members!) {
      const off = base + m.bitsOffset;
      if (m.name === "") {
        const inner = skipQualifiers(m.type);
        if (types.get(inner)?.members) walk(inner, off);
        continue;
      }
      out.push(m.bitfieldSize ? `${m.name}@${Math.floor(off / 8)}:${off}:${m.bitfieldSize}` : `${m.name}@${off / 8}`);
    }
  };
  walk(id, 0);
  return out;
}

/** The generated interfaces with members: brand → "name@offset" list from the JSDoc comments. */
function generatedMembers(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const re = /\nexport interface \w+ \{\n {2}readonly "@btf": "([^"]+)";((?:\n(?!\}).*)*)\n\}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const lines = m[2]!.split("\n").slice(1);
    const members: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const d = /^ {2}\/\*\* @offset (\d+)(?: @bitOffset (\d+) @bitSize (\d+))? /.exec(lines[i]!);
      if (!d) continue;
      const name = /^ {2}(?:readonly )?(\w+): /.exec(lines[i + 1]!)![1];
      members.push(d[2] ? `${name}@${d[1]}:${d[2]}:${d[3]}` : `${name}@${d[1]}`);
    }
    if (members.length) out.set(m[1]!, members);
  }
  return out;
}

/** The BTF id bpftool lists for a brand (duplicates counted in id order, as README.md says). */
function brandId(types: Map<number, RawType>, brand: string): number {
  const b = parseBrand(brand)!;
  const kinds = b.kind === "typedef" ? ["TYPEDEF"] : ["STRUCT", "UNION", "ENUM", "ENUM64"];
  let n = 0;
  for (const [id, t] of types) {
    if (t.name === b.name && kinds.includes(t.kind) && ++n === b.ordinal) {
      if (b.kind !== "typedef") return id;
      let target = t.type!;
      while (["CONST", "VOLATILE"].includes(types.get(target)!.kind)) target = types.get(target)!.type!;
      return target;
    }
  }
  throw new Error(`bpftool has no ${brand}`);
}

function compareOffsets(types: Map<number, RawType>, text: string): number {
  const generated = generatedMembers(text);
  let compared = 0;
  for (const [brand, members] of generated) {
    expect(members, brand).toEqual(expectedMembers(types, brandId(types, brand)));
    compared += members.length;
  }
  return compared;
}

// ----------------------------------------------------------------- the tests

describe.skipIf(skip)("tsbpf vmlinux on /sys/kernel/btf/vmlinux", () => {
  let subset = "";
  let full = "";
  let fullMs = 0;

  beforeAll(() => {
    subset = generate(SUBSET);
    const t0 = performance.now();
    full = generate();
    fullMs = performance.now() - t0;
  });

  it("declares the program-context and tracing types under their DSL names", () => {
    const brand = (name: string) => new RegExp(`export interface ${name} \\{\\n {2}readonly "@btf": "([^"]+)"`).exec(subset)?.[1];
    expect(brand("TaskStruct")).toBe("struct task_struct");
    expect(brand("SkBuff")).toBe("struct __sk_buff");
    expect(brand("SkBuff___2")).toBe("struct sk_buff");
    expect(brand("XdpMd")).toBe("struct xdp_md");
    expect(brand("BpfSockAddr")).toBe("struct bpf_sock_addr");
    expect(brand("BpfNfCtx")).toBe("struct bpf_nf_ctx");
    expect(brand("BpfWq")).toBe("struct bpf_wq");
    expect(brand("File")).toBe("struct file");
    expect(brand("SockCommon")).toBe("struct sock_common");
    expect(subset).toContain("export type SchedSwitchArgs = [preempt: bool, prev: TaskStruct, next: TaskStruct, prev_state: u32];");
    expect(subset).toContain("export type bpf_task_acquire = (p: TaskStruct) => TaskStruct | null;");
    expect(subset).toContain("export type bpf_task_release = (p: TaskStruct) => void;");
    expect(subset).toContain("export type tcp_v4_rcv = (skb: SkBuff___2) => i32;");
    expect(subset).toMatch(/export interface BpfWq \{\n {2}readonly "@btf": "struct bpf_wq";\n {2}\/\*\* @offset 0 `__u64 \[2\]` \*\/\n {2}__opaque: FixedArray<__u64, 2>;\n\}/);
  });

  it("the subset type-checks (strict, tsbpf's lib and runtime types) and is usable from a program", () => {
    const program = `
import type { TaskStruct, SkBuff, SkBuff___2, XdpMd, BpfSockAddr, BpfNfCtx, File, SchedSwitchArgs, bpf_task_acquire } from "./vmlinux.js";
import { kfunc, type i32, type u32 } from "tsbpf";
declare const ctx: SkBuff;
declare const xdp: XdpMd;
declare const sa: BpfSockAddr;
declare const nf: BpfNfCtx;
declare const args: SchedSwitchArgs;
const acquire = kfunc<bpf_task_acquire>("bpf_task_acquire"); // DSL.md's kfunc declarations
const len: u32 = ctx.len + xdp.data_end + sa.user_port;
const kskb: SkBuff___2 = nf.skb;
const prev: TaskStruct = args[1];
const pid: i32 = prev.pid + prev.real_parent.tgid;
const got = acquire(args[2]);
const ok: i32 = got === null ? 0 : got.pid;
declare const f: File;
// @ts-expect-error struct file is not struct task_struct
acquire(f);
// @ts-expect-error struct __sk_buff is not struct sk_buff
const wrong: SkBuff___2 = ctx;
export { len, kskb, pid, ok, wrong };
`;
    expect(check(subset, program)).toEqual([]);
  });

  it.skipIf(!hasBpftool && !process.env.CI)("member offsets in the comments equal bpftool's bits_offset, everywhere", () => {
    const types = bpftoolTypes();
    expect(compareOffsets(types, subset)).toBeGreaterThan(500);
    expect(compareOffsets(types, full)).toBeGreaterThan(50_000);
  });

  it("is deterministic, and a subset uses the full file's names", () => {
    expect(generate(SUBSET)).toBe(subset);
    expect(generate({ ...SUBSET, types: [...SUBSET.types].reverse() })).toBe(subset);
    expect(generate()).toBe(full);
    const heads = (text: string) => [...text.matchAll(/export interface (\w+) \{\n {2}readonly "@btf": ("[^"]+")/g)].map((m) => `${m[1]} ${m[2]}`);
    const fullHeads = new Set(heads(full));
    for (const h of heads(subset)) expect(fullHeads.has(h), h).toBe(true);
  });

  it("a full run takes seconds and type-checks (slow)", () => {
    const dir = tmpProject({ "vmlinux.d.ts": full });
    try {
      const t0 = performance.now();
      const errors = typecheckFiles([path.join(dir, "vmlinux.d.ts")]);
      const checkMs = performance.now() - t0;
      expect(errors.slice(0, 10)).toEqual([]);
      process.stderr.write(
        `tsbpf vmlinux (full): generated ${(full.length / 1e6).toFixed(1)} MB in ${fullMs.toFixed(0)} ms; ` +
          `type-checked in ${checkMs.toFixed(0)} ms\n`,
      );
      expect(fullMs).toBeLessThan(20_000);
      expect(checkMs).toBeLessThan(20_000);
      expect(full).toContain("export interface TaskStruct {");
      expect(full).toContain("export type SchedSwitchArgs = ");
      expect(full).toContain("export type BpfMapType = u32;\nexport declare const BPF_MAP_TYPE_UNSPEC = 0;");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the command writes the same file, checks it, and exits 1 on unknown names", async () => {
    const run = async (args: string[]): Promise<number> => {
      let code = -1;
      const program = new Command().name("tsbpf").exitOverride();
      register(program, (c) => { code = c; });
      await program.parseAsync(["vmlinux", ...args], { from: "user" });
      return code;
    };
    const dir = tmpProject({});
    try {
      const out = path.join(dir, "vmlinux.d.ts");
      const args = ["-o", out, "--types", SUBSET.types.slice(0, 4).join(","), "--types", SUBSET.types.slice(4).join(",")];
      args.push("--tracepoints", "sched_switch", "--funcs", SUBSET.funcs.join(","), "--check");
      expect(await run(args)).toBe(0);
      expect(fs.readFileSync(out, "utf8")).toBe(subset);
      const stderr = process.stderr.write;
      let err = "";
      process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
      try {
        expect(await run(["-o", path.join(dir, "bad.d.ts"), "--types", "task_struct,no_such_type"])).toBe(1);
        expect(await run([path.join(dir, "missing.btf")])).toBe(1);
      } finally {
        process.stderr.write = stderr;
      }
      expect(err).toContain("types not found in the BTF: no_such_type");
      expect(err).toContain("missing.btf: no such file");
      expect(fs.existsSync(path.join(dir, "bad.d.ts"))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
