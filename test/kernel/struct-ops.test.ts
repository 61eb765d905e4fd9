// struct_ops: a TCP congestion control written in TypeScript (fixtures/struct-ops/ca.ts)
// and its C twin (ca.c, clang). Both objects are compared section by section,
// then each is loaded with libbpf, registered with the kernel, and used by real
// TCP traffic over loopback (a /32 local route with `congctl`, so only this
// test's connection uses it); its programs' counters in .bss show they ran.

import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { readElf, type ElfObject } from "../../compiler/elf/reader.js";
import { parseBtf } from "../../compiler/btf/parse.js";
import {
  BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_ENUM, BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD,
  BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_UNION, BTF_KIND_VAR, BTF_KIND_VOLATILE,
} from "../../compiler/btf/kinds.js";
import type { BtfType } from "../../compiler/btf/types.js";
import { DEFAULT_BTF, generateVmlinux, readBtfFile } from "../../compiler/vmlinux/index.js";
import { compileC } from "./clang.js";
import { describeKernel } from "./helpers.js";
import { BpfObject } from "./libbpf.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/struct-ops/", import.meta.url));
const CA = "tsca";
/** Connections to this address use the congestion control (a /32 route in the local table). */
const ADDR = "127.0.0.77";

let dir: string;
let tsObj: string;
let cObj: string;

function writeDecls(): void {
  const decls = generateVmlinux(parseBtf(readBtfFile(DEFAULT_BTF)), { types: ["tcp_congestion_ops", "tcp_sock"] });
  fs.writeFileSync(path.join(dir, "vmlinux.d.ts"), decls.text);
}

/** The diagnostics of a program using the congestion-control declarations. */
function diagnosticsOf(source: string): { code: string; text: string }[] {
  const file = path.join(dir, `bad-${Math.random().toString(36).slice(2)}.ts`);
  fs.writeFileSync(file, source);
  return compile(file).diagnostics.map((d) => ({ code: d.code, text: d.text?.slice(d.start, d.start! + d.length!) ?? "" }));
}

describeKernel("struct_ops tcp_congestion_ops, TypeScript and C", () => {
  beforeAll(() => {
    // A run killed while registered leaves its map registered (the kernel holds it) and its route.
    if (congestionControls("available").includes(CA)) spawnSync("bpftool", ["struct_ops", "unregister", "name", CA]);
    spawnSync("ip", ["route", "del", "local", `${ADDR}/32`, "dev", "lo", "table", "local"]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-struct-ops-"));
    writeDecls();
    fs.copyFileSync(path.join(FIXTURES, "ca.ts"), path.join(dir, "ca.ts"));
    const r = compile(path.join(dir, "ca.ts"));
    expect(r.diagnostics).toEqual([]);
    tsObj = path.join(dir, "ca.ts.bpf.o");
    fs.writeFileSync(tsObj, r.object!);
    // The C twin includes this kernel's vmlinux.h, as the kernel selftests do.
    const header = spawnSync("bpftool", ["btf", "dump", "file", DEFAULT_BTF, "format", "c"], { maxBuffer: 256 << 20 });
    if (header.status !== 0) throw new Error(`bpftool btf dump failed: ${header.stderr}`);
    fs.writeFileSync(path.join(dir, "vmlinux.h"), header.stdout);
    cObj = compileC(path.join(FIXTURES, "ca.c"), { includeDirs: [dir] });
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("lays out sections, symbols, relocations and BTF as clang does", () => {
    const ours = readElf(fs.readFileSync(tsObj));
    const theirs = readElf(fs.readFileSync(cObj));
    const sections = (o: ElfObject) => o.sections
      .filter((s) => /^(struct_ops\/|\.struct_ops$|\.bss$|license$)/.test(s.name))
      .map((s) => ({ name: s.name, type: s.type, flags: s.flags, align: s.align, ...(s.name.startsWith("struct_ops/") ? {} : { size: s.size }) }));
    expect(sections(ours)).toEqual(sections(theirs));
    expect(sections(ours).map((s) => s.name)).toEqual([
      "struct_ops/tsca_init", "struct_ops/tsca_ssthresh", "struct_ops/tsca_cong_avoid", "struct_ops/tsca_undo_cwnd", "license", ".bss", ".struct_ops",
    ]);

    const symbols = (o: ElfObject) => o.symbols
      .filter((s) => s.name && s.type !== 3 /* STT_SECTION */ && s.type !== 4 /* STT_FILE */)
      .map((s) => ({ name: s.name, section: s.section, type: s.type, bind: s.bind, ...(s.type === 1 ? { value: s.value, size: s.size } : {}) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(symbols(ours)).toEqual(symbols(theirs));

    // The function-pointer members: R_BPF_64_ABS64 at the member's offset to the program's symbol.
    const stOpsRelocs = (o: ElfObject) => o.relocations.filter((r) => r.section === ".struct_ops").map((r) => ({ offset: r.offset, symbol: r.symbol, type: r.type }));
    expect(stOpsRelocs(ours)).toEqual(stOpsRelocs(theirs));
    expect(stOpsRelocs(ours)).toEqual([
      { offset: 0, symbol: "tsca_ssthresh", type: 2 }, { offset: 8, symbol: "tsca_cong_avoid", type: 2 },
      { offset: 64, symbol: "tsca_undo_cwnd", type: 2 }, { offset: 136, symbol: "tsca_init", type: 2 },
    ]);
    // Code relocations: the same globals from the same programs (counts differ with the code).
    const codeRelocs = (o: ElfObject) => [...new Set(o.relocations.filter((r) => r.section.startsWith("struct_ops/")).map((r) => `${r.section} ${r.symbol} ${r.type}`))].sort();
    expect(codeRelocs(ours)).toEqual(codeRelocs(theirs));

    // The variable's bytes: the name, flags, and zeros where the relocations go.
    const data = (o: ElfObject) => Buffer.from(o.sections.find((s) => s.name === ".struct_ops")!.data).toString("hex");
    expect(data(ours)).toBe(data(theirs));

    // BTF: the same DATASECs and functions, and the struct_ops variable's type, member by member.
    const btf = (o: ElfObject) => parseBtf(o.sections.find((s) => s.name === ".BTF")!.data).types;
    const [a, b] = [btf(ours), btf(theirs)];
    const datasecs = (types: readonly BtfType[]) => types.flatMap((t) => t.kind === BTF_KIND_DATASEC
      ? [{ name: t.name, vars: t.vars.map((v) => ({ name: (types[v.type] as { name: string }).name, size: v.size })) }] : []);
    expect(datasecs(a)).toEqual(datasecs(b));
    const funcs = (types: readonly BtfType[]) => types.flatMap((t) => (t.kind === BTF_KIND_FUNC ? [`${t.name}/${t.linkage}`] : [])).sort();
    expect(funcs(a)).toEqual(funcs(b));
    const varType = (types: readonly BtfType[]) => {
      const v = types.find((t) => t.kind === BTF_KIND_VAR && t.name === CA) as { type: number };
      return shape(types, v.type, 3);
    };
    expect(varType(a)).toBe(varType(b));
    expect(varType(a)).toMatch(/^struct tcp_congestion_ops\/192\{ssthresh@0:\*\(struct sock\*\)->u32=__u32=unsigned int\/4;/);
  });

  it.each([["tsbpf", () => tsObj], ["clang", () => cObj]])("registers and drives TCP traffic (%s)", async (_, obj) => {
    const o = BpfObject.open(obj());
    try {
      const unregister = o.attachStructOps(CA);
      try {
        expect(congestionControls("available")).toContain(CA);
        // flags = TCP_CONG_NON_RESTRICTED: unprivileged sockets may choose it.
        expect(congestionControls("allowed")).toContain(CA);
        ip("route", "replace", "local", `${ADDR}/32`, "dev", "lo", "table", "local", "congctl", CA);
        try {
          expect(await sendOverLoopback(4 << 20)).toBe(4 << 20);
        } finally {
          ip("route", "del", "local", `${ADDR}/32`, "dev", "lo", "table", "local");
        }
        const bss = o.global(".bss");
        const at = offsetsOf(obj());
        const u32 = (n: string) => new DataView(bss.buffer, bss.byteOffset).getUint32(at(n), true);
        expect(u32("inits")).toBeGreaterThan(0);
        expect(u32("acks")).toBeGreaterThan(0);
        // Slow start grew the window past the initial 10 segments: the writes to tcp_sock took effect.
        expect(u32("max_cwnd")).toBeGreaterThan(10);
      } finally {
        unregister();
      }
      expect(congestionControls("available")).not.toContain(CA);
    } finally {
      o.close();
    }
  });

  it("reports bad struct_ops declarations with spans", () => {
    const head = `import { license, structOps, type u32 } from "tsbpf";\nimport type { TcpCongestionOps, TcpSock, Sock } from "./vmlinux.js";\nlicense("GPL");\n`
      + `function ss(sk: TcpSock): u32 { return 2; }\nfunction undo(sk: Sock): u32 { return 2; }\nfunction ca(sk: TcpSock, ack: u32, acked: u32): void {}\n`;
    expect(diagnosticsOf(head + `export const x = structOps<TcpCongestionOps>({ ssthresh: ss, undo_cwnd: undo, cong_avoid: ca });\n`))
      .toEqual([{ code: "TSBPF1006", text: "{ ssthresh: ss, undo_cwnd: undo, cong_avoid: ca }" }]);
    // A parameter that is not what the kernel passes (cong_avoid's 2nd argument is a u32).
    expect(diagnosticsOf(head.replace("ack: u32", "ack: TcpSock") + `export const x = structOps<TcpCongestionOps>({ cong_avoid: ca, name: "x" });\n`))
      .toEqual([{ code: "TSBPF1006", text: "TcpSock" }]);
    expect(diagnosticsOf(head + `export const x = structOps<TcpCongestionOps>({ ssthresh: undo, undo_cwnd: ca, name: "x" });\n`)[0]!.code)
      .toMatch(/^TS\d+$/); // TypeScript itself rejects a void function where u32 is returned
    expect(diagnosticsOf(head + `function tooMany(sk: TcpSock, a: u32): u32 { return a; }\nexport const x = structOps<TcpCongestionOps>({ ssthresh: tooMany, name: "x" });\n`))
      .toEqual([{ code: "TSBPF1006", text: "a: u32" }]);
    expect(diagnosticsOf(head + `export const x = structOps<TcpCongestionOps>({ ssthresh: ss, name: "a_name_far_too_long" });\n`))
      .toEqual([{ code: "TSBPF1006", text: '"a_name_far_too_long"' }]);
    expect(diagnosticsOf(head + `let k: u32 = 1;\nexport const x = structOps<TcpCongestionOps>({ ssthresh: ss, key: k, name: "x" });\n`))
      .toEqual([{ code: "TSBPF1004", text: "k" }]);
    // A member this kernel lacks (declarations from another kernel): the kernel's BTF decides.
    const other = `import { license, structOps, type u8, type u32, type FixedArray } from "tsbpf";\nlicense("GPL");\n`
      + `interface TcpCongestionOps { readonly "@btf": "struct tcp_congestion_ops"; name: FixedArray<u8, 16>; bogus: u32 }\n`
      + `export const x = structOps<TcpCongestionOps>({ bogus: 1, name: "x" });\n`;
    expect(diagnosticsOf(other)).toEqual([{ code: "TSBPF1007", text: "bogus" }]);
    // Shorthand members name their function.
    expect(diagnosticsOf(head + `function undo_cwnd(sk: TcpSock): u32 { return 2; }\nexport const x = structOps<TcpCongestionOps>({ ssthresh: ss, undo_cwnd, name: "x" });\n`)).toEqual([]);
    expect(diagnosticsOf(head + `const ssthresh: u32 = 1;\nexport const x = structOps<TcpCongestionOps>({ ssthresh, name: "x" });\n`)[0]!.code).toMatch(/^TS\d+$/);
    // A struct_ops program may be inlined into another, but not called (its symbol is the program's).
    expect(diagnosticsOf(head + `function ss2(sk: TcpSock): u32 { return ss(sk); }\nexport const x = structOps<TcpCongestionOps>({ ssthresh: ss2, undo_cwnd: ss, cong_avoid: ca, name: "x" });\n`)).toEqual([]);
    expect(diagnosticsOf(head + `/** @noinline */ function ssn(sk: TcpSock): u32 { return 2; }\nfunction ss2(sk: TcpSock): u32 { return ssn(sk); }\n`
      + `export const x = structOps<TcpCongestionOps>({ ssthresh: ss2, undo_cwnd: ssn, name: "x" });\n`))
      .toEqual([{ code: "TSBPF1006", text: "ssn" }]);
  });
});

/** A BTF type as a string: structs member by member, pointed-to structs by name only. */
function shape(types: readonly BtfType[], id: number, depth: number): string {
  if (id === 0) return "void";
  const t = types[id]!;
  switch (t.kind) {
    case BTF_KIND_INT: return `${t.name}/${t.size}${t.encoding ? `:${t.encoding}` : ""}`;
    case BTF_KIND_TYPEDEF: return `${t.name}=${shape(types, t.type, depth)}`;
    case BTF_KIND_CONST: return `const ${shape(types, t.type, depth)}`;
    case BTF_KIND_VOLATILE: return `volatile ${shape(types, t.type, depth)}`;
    case BTF_KIND_ARRAY: return `${shape(types, t.type, depth)}[${t.nelems}]`;
    case BTF_KIND_ENUM: return `enum ${t.name ?? ""}/${t.size}{${t.values.map((v) => `${v.name}=${v.value}`).join(",")}}`;
    case BTF_KIND_FWD: return `${t.union ? "union" : "struct"} ${t.name}`;
    case BTF_KIND_PTR: {
      let p = t.type;
      while (types[p]?.kind === BTF_KIND_CONST || types[p]?.kind === BTF_KIND_VOLATILE) p = (types[p] as { type: number }).type;
      const pt = types[p];
      if (pt && (pt.kind === BTF_KIND_STRUCT || pt.kind === BTF_KIND_UNION || pt.kind === BTF_KIND_FWD)) {
        const union = pt.kind === BTF_KIND_UNION || (pt.kind === BTF_KIND_FWD && pt.union);
        return `${union ? "union" : "struct"} ${pt.name ?? ""}*`;
      }
      return `*${shape(types, t.type, depth)}`;
    }
    case BTF_KIND_FUNC_PROTO: return `(${t.params.map((p) => shape(types, p.type, depth)).join(",")})->${shape(types, t.ret, depth)}`;
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
      const head = `${t.kind === BTF_KIND_UNION ? "union" : "struct"} ${t.name ?? ""}/${t.size}`;
      if (depth <= 0) return head;
      return `${head}{${t.members.map((m) => `${m.name ?? ""}@${m.bitOffset / 8}:${shape(types, m.type, depth - 1)}`).join(";")}}`;
    }
    default: return `kind${t.kind}`;
  }
}

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function congestionControls(which: "available" | "allowed"): string[] {
  return fs.readFileSync(`/proc/sys/net/ipv4/tcp_${which}_congestion_control`, "utf8").trim().split(/\s+/);
}

function offsetsOf(objPath: string): (name: string) => number {
  const syms = readElf(fs.readFileSync(objPath)).symbols;
  return (n) => syms.find((s) => s.name === n && s.section === ".bss")!.value;
}

/**
 * Sends `bytes` from a client to a server on ADDR; resolves with what the server
 * received. Gives up after 5 s, so the caller's cleanup always runs.
 */
function sendOverLoopback(bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const sockets: net.Socket[] = [];
    const server = net.createServer((sock) => {
      sockets.push(sock);
      sock.on("data", (d) => (received += d.length));
      sock.on("end", () => done(() => resolve(received)));
      sock.on("error", (e) => done(() => reject(e)));
    });
    const timer = setTimeout(() => done(() => reject(new Error(`loopback transfer stalled at ${received} bytes`))), 5000);
    let settled = false;
    const done = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      server.close();
      settle();
    };
    server.on("error", (e) => done(() => reject(e)));
    server.listen(0, ADDR, () => {
      const { port } = server.address() as net.AddressInfo;
      const client = net.connect({ host: ADDR, port }, () => client.end(Buffer.alloc(bytes, 0x5a)));
      sockets.push(client);
      client.on("error", (e) => done(() => reject(e)));
    });
  });
}
