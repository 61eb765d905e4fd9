/**
 * BTF checked against the real toolchain: clang-19's .BTF/.BTF.ext,
 * bpftool 7.1's dump, libbpf 1.1 and the running kernel's BTF verifier.
 *
 * Outside CI these tests are skipped when the tools (or root) are missing;
 * with CI set they always run.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  BTF_FUNC_EXTERN,
  BTF_FUNC_GLOBAL,
  BTF_FUNC_STATIC,
  BTF_INT_SIGNED,
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_DATASEC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_PTR,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF,
  BTF_VAR_GLOBAL_ALLOCATED,
  BtfBuilder,
  type BtfExtInfo,
  type BtfNonVoidType,
  builderFromParsed,
  encodeBtfAndExt,
  encodeBtfExt,
  parseBtf,
  parseBtfExt,
  type ParsedBtfExt,
  printBtf,
} from "../../compiler/btf/index.js";

// ------------------------------------------------------------------ environment

function runs(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return r.error === undefined && r.status === 0;
}

const CI = !!process.env.CI;
const haveClang = runs("clang-19", ["--version"]) && runs("llvm-objcopy-19", ["--version"]);
const haveBpftool = runs("bpftool", ["version"]);
const isRoot = process.getuid?.() === 0;
const haveLibbpf = ["/usr/lib/x86_64-linux-gnu/libbpf.so.1", "/usr/lib64/libbpf.so.1", "/usr/lib/libbpf.so.1"].some(existsSync);
const skipTools = !CI && !(haveClang && haveBpftool);
const skipKernel = !CI && !(haveClang && haveBpftool && isRoot && haveLibbpf);

const TMP = mkdtempSync(join(tmpdir(), "tsbpf-btf-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

let tmpCounter = 0;
function tmpFile(name: string, data?: Uint8Array | string): string {
  const p = join(TMP, `${tmpCounter++}-${name}`);
  if (data !== undefined) writeFileSync(p, data);
  return p;
}

interface ClangObject {
  obj: string;
  btf: Uint8Array;
  ext: Uint8Array | undefined;
}

const compiled = new Map<string, ClangObject>();
function clang(name: string, source: string): ClangObject {
  const known = compiled.get(name);
  if (known) return known;
  const src = join(TMP, `${name}.c`);
  writeFileSync(src, source);
  const obj = join(TMP, `${name}.o`);
  const args = ["-g", "-O2", "-mcpu=v4", "-target", "bpf", "-I/usr/include/bpf"];
  const multiarch = `/usr/include/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu`;
  if (existsSync(multiarch)) args.push(`-I${multiarch}`);
  run("clang-19", [...args, "-c", src, "-o", obj]);
  const btfPath = join(TMP, `${name}.btf`);
  const extPath = join(TMP, `${name}.btf.ext`);
  run("llvm-objcopy-19", ["--dump-section", `.BTF=${btfPath}`, obj, join(TMP, `${name}.scratch1`)]);
  let ext: Uint8Array | undefined;
  try {
    run("llvm-objcopy-19", ["--dump-section", `.BTF.ext=${extPath}`, obj, join(TMP, `${name}.scratch2`)]);
    ext = new Uint8Array(readFileSync(extPath));
  } catch {
    ext = undefined;
  }
  const result = { obj, btf: new Uint8Array(readFileSync(btfPath)), ext };
  compiled.set(name, result);
  return result;
}

function bpftoolDump(btf: Uint8Array): string {
  return run("bpftool", ["btf", "dump", "file", tmpFile("dump.btf", btf)]);
}

// ------------------------------------------------------------------ sources

/** The map / global / function / kfunc example (the struct bpf_wq map value of the brief). */
const MAPS_C = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_wq { __u64 __opaque[2]; } __attribute__((aligned(8)));
struct elem { struct bpf_wq w; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, int);
	__type(value, struct elem);
} array SEC(".maps");

int counter;
const volatile int limit = 7;

extern int bpf_wq_init(struct bpf_wq *wq, void *p__map, unsigned int flags) __ksym;

__noinline int twice(int x)
{
	return x * 2;
}

SEC("tc")
int prog(void *ctx)
{
	int key = 0;
	struct elem *e = bpf_map_lookup_elem(&array, &key);

	if (!e)
		return 0;
	counter++;
	bpf_wq_init(&e->w, &array, 0);
	return twice(counter) + limit;
}

char _license[] SEC("license") = "GPL";
`;

/** Every kind clang emits for BPF: enums (signed, 64-bit), bitfields, unions, fwds, modifiers, tags, floats. */
const KINDS_C = `
#define SEC(n) __attribute__((section(n), used))
#define __noinline __attribute__((noinline))
typedef unsigned int u32;
typedef unsigned long long u64;
enum color { RED, GREEN = 5, BLUE = -1 };
enum ucolor { U1 = 1, U2 = 0x80000000u };
enum big { BIG1 = 0x100000000ULL, BIG2 = 0xffffffffffffffffULL };
enum sbig { SB1 = -0x100000000LL, SB2 = 3 };
struct bits { unsigned a:3; unsigned b:5; int c; unsigned long long d:40; };
union u { int i; float f; double d; };
struct fwdonly;
union fwdunion;
struct all {
	struct bits b;
	union u u;
	enum color c;
	enum ucolor uc;
	enum big big;
	enum sbig sbig;
	struct fwdonly *fp;
	union fwdunion *fu;
	const volatile int *cvp;
	int *restrict rp;
	char name[16];
	int matrix[2][3];
	_Bool flag;
	signed char sc;
	unsigned char uch;
	unsigned short us;
	long l;
	__int128 big128;
	int __attribute__((btf_type_tag("user"))) *up;
	int (*fnptr)(int, ...);
	struct { int x; } anon_member;
	union { int y; u32 z; };
	u64 last;
};
struct all g_all __attribute__((btf_decl_tag("gtag")));
static volatile int s_static = 3;
int g_data = 5;
const volatile u32 ro = 9;

static __noinline int helper(int a __attribute__((btf_decl_tag("arg"))), struct all *p)
{
	return a + p->c + s_static;
}

SEC("xdp") int f(void *ctx)
{
	g_all.l = g_data;
	return helper(g_data, &g_all) + ro;
}
char LICENSE[] SEC("license") = "GPL";
`;

/** Several programs and subprograms in several sections, for .BTF.ext. */
const MULTI_C = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __noinline int add(int a, int b) { return a + b; }
__noinline int mul(int a, int b) { return a * b; }

SEC("xdp")
int x1(struct xdp_md *ctx)
{
	return add(ctx->ingress_ifindex, 1) > 3 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int x2(struct xdp_md *ctx)
{
	return mul(ctx->rx_queue_index, 2) & 1;
}

SEC("tc")
int t1(struct __sk_buff *skb)
{
	return add(skb->len, mul(skb->mark, 3));
}

char _license[] SEC("license") = "GPL";
`;

// ------------------------------------------------------------------ hand-built BTF for MAPS_C

interface MapsTypes {
  int: number;
  twiceFunc: number;
  progFunc: number;
}

/**
 * The BTF clang emits for MAPS_C, built by hand in clang's order. With
 * `kernelReady`, it is instead the table as libbpf hands it to the kernel:
 * DATASEC sizes and offsets filled in, no extern FUNC / .ksyms.
 */
function buildMaps(b: BtfBuilder, kernelReady = false): MapsTypes {
  const ptrToArr = b.reserve(); // [1] int (*)[2]: __uint(type, 2) and __uint(max_entries, 2)
  const int = b.int("int", 4, BTF_INT_SIGNED); // [2]
  b.set(ptrToArr, { kind: BTF_KIND_PTR, type: b.arrayOf(int, 2) }); // [3] ARRAY, [4] __ARRAY_SIZE_TYPE__
  const ptrInt = b.ptr(int); // [5] __type(key, int)
  const ptrElem = b.reserve(); // [6]
  const elem = b.reserve(); // [7]
  b.set(ptrElem, { kind: BTF_KIND_PTR, type: elem });
  const wq = b.reserve(); // [8]
  const u64 = b.reserve(); // [9]
  b.set(u64, { kind: BTF_KIND_TYPEDEF, name: "__u64", type: b.int("unsigned long long", 8, 0) }); // [10]
  const opaque = b.arrayOf(u64, 2); // [11]
  b.set(wq, { kind: BTF_KIND_STRUCT, name: "bpf_wq", size: 16, members: [{ name: "__opaque", type: opaque, bitOffset: 0 }] });
  b.set(elem, { kind: BTF_KIND_STRUCT, name: "elem", size: 16, members: [{ name: "w", type: wq, bitOffset: 0 }] });
  const mapDef = b.struct(undefined, 32, [
    { name: "type", type: b.ptr(b.arrayOf(int, 2)), bitOffset: 0 },
    { name: "max_entries", type: ptrToArr, bitOffset: 64 },
    { name: "key", type: ptrInt, bitOffset: 128 },
    { name: "value", type: ptrElem, bitOffset: 192 },
  ]); // [12]
  const arrayVar = b.variable("array", mapDef, BTF_VAR_GLOBAL_ALLOCATED); // [13]
  const twiceProto = b.funcProto(int, [{ name: "x", type: int }]); // [14]
  const twiceFunc = b.func("twice", twiceProto, BTF_FUNC_GLOBAL); // [15]
  const voidPtr = b.ptr(0); // [16]
  const progFunc = b.func("prog", b.funcProto(int, [{ name: "ctx", type: voidPtr }]), BTF_FUNC_GLOBAL); // [17], [18]
  const kfuncProto = b.reserve(); // [19]
  const wqPtr = b.ptr(wq); // [20]
  const uint = b.int("unsigned int", 4, 0); // [21]
  b.set(kfuncProto, {
    kind: BTF_KIND_FUNC_PROTO,
    ret: int,
    // The kernel wants every parameter of a FUNC's prototype named ("Invalid arg#1");
    // libbpf names the anonymous ones of extern kfuncs "dummy_ksym" before loading.
    params: kernelReady
      ? [
          { name: "wq", type: wqPtr },
          { name: "p__map", type: voidPtr },
          { name: "flags", type: uint },
        ]
      : [{ type: wqPtr }, { type: voidPtr }, { type: uint }],
  });
  const kfunc = b.func("bpf_wq_init", kfuncProto, kernelReady ? BTF_FUNC_STATIC : BTF_FUNC_EXTERN); // [22]
  const constVolInt = b.reserve(); // [23]
  b.set(constVolInt, { kind: BTF_KIND_CONST, type: b.volatile(int) }); // [24]
  const limit = b.variable("limit", constVolInt, BTF_VAR_GLOBAL_ALLOCATED); // [25]
  const counter = b.variable("counter", int, BTF_VAR_GLOBAL_ALLOCATED); // [26]
  const license = b.variable("_license", b.arrayOf(b.int("char", 1, BTF_INT_SIGNED), 4), BTF_VAR_GLOBAL_ALLOCATED); // [27] [28] [29]
  // clang leaves DATASEC sizes 0 (libbpf fills them from the ELF); the kernel refuses size 0.
  const sz = (n: number) => (kernelReady ? n : 0);
  b.datasec(".bss", sz(4), [{ type: counter, offset: 0, size: 4 }]); // [30]
  if (!kernelReady) b.datasec(".ksyms", 0, [{ type: kfunc, offset: 0, size: 0 }]); // [31]
  b.datasec(".maps", sz(32), [{ type: arrayVar, offset: 0, size: 32 }]); // [32]
  b.datasec(".rodata", sz(4), [{ type: limit, offset: 0, size: 4 }]); // [33]
  b.datasec("license", sz(4), [{ type: license, offset: 0, size: 4 }]); // [34]
  return { int, twiceFunc, progFunc };
}

/** A parsed .BTF.ext as encoder input (names resolved). */
function extInfo(parsed: ParsedBtfExt): BtfExtInfo {
  return {
    funcInfo: parsed.funcInfo.map((s) => ({ section: s.section, records: s.records.map((r) => ({ ...r })) })),
    lineInfo: parsed.lineInfo.map((s) => ({
      section: s.section,
      records: s.records.map(({ insnOff, fileName, lineText, line, col }) => ({ insnOff, fileName, lineText, line, col })),
    })),
    coreRelo: parsed.coreRelo.map((s) => ({
      section: s.section,
      records: s.records.map(({ insnOff, typeId, accessStr, kind }) => ({ insnOff, typeId, accessStr, kind })),
    })),
  };
}

// ------------------------------------------------------------------ clang + bpftool

describe("BTF vs clang-19 and bpftool", () => {
  it.skipIf(skipTools)("hand-built BTF for a .maps map, globals, functions and a kfunc dumps like clang's", () => {
    const c = clang("maps", MAPS_C);
    const b = new BtfBuilder();
    buildMaps(b);
    const expected = bpftoolDump(c.btf);
    expect(expected).toContain("[13] VAR 'array' type_id=12, linkage=global");
    expect(printBtf(b)).toBe(expected);
    expect(bpftoolDump(b.encode())).toBe(expected);
  });

  it.skipIf(skipTools)("with clang's string order, .BTF and .BTF.ext are byte-identical to clang's", () => {
    const c = clang("maps", MAPS_C);
    const clangBtf = parseBtf(c.btf);
    const b = new BtfBuilder();
    for (const s of clangBtf.strings) b.addString(s.value);
    buildMaps(b);
    const { btf, ext } = encodeBtfAndExt(b, extInfo(parseBtfExt(c.ext!, clangBtf)));
    expect(btf).toEqual(c.btf);
    expect(ext).toEqual(c.ext);
  });

  it.skipIf(skipTools)("parse + print matches bpftool on clang's BTF for every kind", () => {
    for (const [name, src] of [
      ["maps", MAPS_C],
      ["kinds", KINDS_C],
      ["multi", MULTI_C],
    ] as const) {
      const c = clang(name, src);
      expect(printBtf(parseBtf(c.btf)), name).toBe(bpftoolDump(c.btf));
    }
    const kinds = bpftoolDump(clang("kinds", KINDS_C).btf);
    for (const k of ["ENUM64", "FWD", "RESTRICT", "TYPE_TAG", "DECL_TAG", "FLOAT", "bitfield_size", "UNION"]) {
      expect(kinds).toContain(k);
    }
  });

  it.skipIf(skipTools)("re-encoding clang's .BTF and .BTF.ext reproduces their bytes", () => {
    for (const [name, src] of [
      ["maps", MAPS_C],
      ["kinds", KINDS_C],
      ["multi", MULTI_C],
    ] as const) {
      const c = clang(name, src);
      const parsed = parseBtf(c.btf);
      const b = builderFromParsed(parsed);
      const ext = encodeBtfExt(b, extInfo(parseBtfExt(c.ext!, parsed)));
      expect(b.encode(), name).toEqual(c.btf);
      expect(ext, name).toEqual(c.ext);
    }
  });

  it.skipIf(skipTools)("our own string order gives the same .BTF.ext records", () => {
    const c = clang("multi", MULTI_C);
    const clangBtf = parseBtf(c.btf);
    const clangExt = parseBtfExt(c.ext!, clangBtf);
    expect(clangExt.funcInfo.map((s) => s.section)).toEqual([".text", "xdp", "tc"]); // clang: ELF section order
    // Rebuild the types with strings in type order, then the .BTF.ext strings after them.
    const b = new BtfBuilder();
    for (let id = 1; id < clangBtf.types.length; id++) b.add(clangBtf.types[id] as BtfNonVoidType);
    const { btf, ext } = encodeBtfAndExt(b, extInfo(clangExt));
    expect(btf).not.toEqual(c.btf);
    expect(bpftoolDump(btf)).toBe(bpftoolDump(c.btf));
    const mine = parseBtfExt(ext!, btf);
    expect(extInfo(mine)).toEqual(extInfo(clangExt));
  });
});

// ------------------------------------------------------------------ libbpf + kernel

interface Libbpf {
  btfLoad(data: Uint8Array): { fd: number; log: string };
  libbpfBtfLoad(data: Uint8Array): number;
  btfExtNew(data: Uint8Array): boolean;
}

let libbpfCache: Libbpf | undefined;
async function libbpf(): Promise<Libbpf> {
  if (libbpfCache) return libbpfCache;
  // The loader's binding; its print callback keeps libbpf's warnings (expected for the refusals below) off the output.
  const { koffi, libbpf: bind } = await import("../../loader/libbpf.js");
  const l = bind();
  libbpfCache = {
    btfLoad(data) {
      const log = Buffer.alloc(1 << 20);
      const fd = l.bpf_btf_load(Buffer.from(data), data.length, {
        sz: koffi.sizeof(l.BtfLoadOpts),
        log_buf: log,
        log_level: 1,
        log_size: log.length,
      }) as number;
      const end = log.indexOf(0);
      return { fd, log: log.toString("utf8", 0, end < 0 ? log.length : end) };
    },
    libbpfBtfLoad(data) {
      const btf = l.btf__new(Buffer.from(data), data.length);
      if (!btf) return -1;
      try {
        const err = l.btf__load_into_kernel(btf) as number;
        if (err) return err;
        return l.btf__fd(btf) as number; // closed by btf__free
      } finally {
        l.btf__free(btf);
      }
    },
    btfExtNew(data) {
      const ext = l.btf_ext__new(Buffer.from(data), data.length);
      if (!ext) return false;
      l.btf_ext__free(ext);
      return true;
    },
  };
  return libbpfCache;
}

function kernelAccepts(r: { fd: number; log: string }): void {
  if (r.fd < 0) throw new Error(`kernel refused BTF (${r.fd}):\n${r.log}`);
  closeSync(r.fd);
}

/** A copy of a clang object whose .BTF and .BTF.ext are replaced by ours. */
function withBtf(obj: string, btf: Uint8Array, ext: Uint8Array): string {
  const out = tmpFile("replaced.o");
  run("llvm-objcopy-19", [
    "--update-section",
    `.BTF=${tmpFile("r.btf", btf)}`,
    "--update-section",
    `.BTF.ext=${tmpFile("r.btf.ext", ext)}`,
    obj,
    out,
  ]);
  return out;
}

function normalizeXlated(text: string): string {
  return text.replace(/map\[id:\d+\]/g, "map[id:N]").replace(/#\d+/g, "#N");
}

describe("BTF vs libbpf 1.1 and the kernel", () => {
  it.skipIf(skipKernel)("the kernel accepts a valid hand-built table", async () => {
    const lb = await libbpf();
    const b = new BtfBuilder();
    buildMaps(b, true);
    const bytes = b.encode();
    kernelAccepts(lb.btfLoad(bytes));
    expect(lb.libbpfBtfLoad(bytes)).toBeGreaterThanOrEqual(0);

    const kinds = clang("kinds", KINDS_C);
    // clang's object-level table (DATASEC size 0) is fixed up by libbpf before loading;
    // do the same fix-up by hand and check the kernel takes every kind we can encode.
    const parsed = parseBtf(kinds.btf);
    const k = new BtfBuilder();
    for (let id = 1; id < parsed.types.length; id++) {
      const t = parsed.types[id];
      if (t.kind === BTF_KIND_DATASEC) {
        const size = t.vars.reduce((n, v) => Math.max(n, v.offset + v.size), 0);
        k.add({ ...t, size });
      } else {
        k.add(t as BtfNonVoidType);
      }
    }
    kernelAccepts(lb.btfLoad(k.encode()));
  });

  it.skipIf(skipKernel)("the kernel refuses broken tables", async () => {
    const lb = await libbpf();

    const dangling = new BtfBuilder();
    const int = dangling.int("int", 4, BTF_INT_SIGNED);
    dangling.struct("s", 8, [
      { name: "a", type: int, bitOffset: 0 },
      { name: "b", type: 42, bitOffset: 32 },
    ]);
    const r1 = lb.btfLoad(dangling.encode({ validate: false }));
    expect(r1.fd).toBeLessThan(0);
    expect(r1.log).toMatch(/Invalid member|Invalid type_id/);
    expect(lb.libbpfBtfLoad(dangling.encode())).toBeLessThan(0);

    // What clang emits is object-level BTF: extern FUNCs and DATASEC size 0 are
    // for libbpf to rewrite, the kernel itself refuses them.
    const objectLevel = new BtfBuilder();
    buildMaps(objectLevel);
    const r2 = lb.btfLoad(objectLevel.encode());
    expect(r2.fd).toBeLessThan(0);
    expect(r2.log).toMatch(/Invalid func linkage/);

    const zeroSec = new BtfBuilder();
    const zi = zeroSec.int("int", 4, BTF_INT_SIGNED);
    zeroSec.datasec(".bss", 0, [{ type: zeroSec.variable("v", zi, BTF_VAR_GLOBAL_ALLOCATED), offset: 0, size: 4 }]);
    const r3 = lb.btfLoad(zeroSec.encode());
    expect(r3.fd).toBeLessThan(0);
    expect(r3.log).toMatch(/size == 0/);

    const badArray = new BtfBuilder();
    badArray.add({ kind: BTF_KIND_ARRAY, type: 5, indexType: 1, nelems: 1 });
    const r4 = lb.btfLoad(badArray.encode({ validate: false }));
    expect(r4.fd).toBeLessThan(0);
  });

  it.skipIf(skipKernel)("libbpf 1.1 accepts our .BTF.ext and refuses a header-only one", async () => {
    const lb = await libbpf();
    const c = clang("multi", MULTI_C);
    const parsed = parseBtf(c.btf);
    const b = builderFromParsed(parsed);
    const ext = encodeBtfExt(b, extInfo(parseBtfExt(c.ext!, parsed)));
    expect(lb.btfExtNew(ext)).toBe(true);
    const funcOnly = encodeBtfExt(builderFromParsed(parsed), {
      funcInfo: extInfo(parseBtfExt(c.ext!, parsed)).funcInfo,
      lineInfo: [],
    });
    expect(lb.btfExtNew(funcOnly)).toBe(true);
    expect(lb.btfExtNew(ext.subarray(0, 32))).toBe(false);
  });

  it.skipIf(skipKernel)("several programs per section and shared subprograms load with our .BTF.ext", () => {
    const c = clang("multi", MULTI_C);
    const clangBtf = parseBtf(c.btf);
    const b = new BtfBuilder();
    for (let id = 1; id < clangBtf.types.length; id++) b.add(clangBtf.types[id] as BtfNonVoidType);
    const { btf, ext } = encodeBtfAndExt(b, extInfo(parseBtfExt(c.ext!, clangBtf)));
    const obj = withBtf(c.obj, btf, ext!);
    const loadAll = (o: string): string => {
      const dir = `/sys/fs/bpf/tsbpf_btf_test_${process.pid}_${tmpCounter++}`;
      try {
        run("bpftool", ["prog", "loadall", o, dir]);
        return ["x1", "x2", "t1"]
          .map((p) => run("bpftool", ["prog", "dump", "xlated", "pinned", `${dir}/${p}`, "linum"]))
          .join("");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const theirs = normalizeXlated(loadAll(c.obj));
    expect(theirs).toContain("int add(int a, int b):");
    expect(theirs).toContain("int mul(int a, int b):");
    expect(normalizeXlated(loadAll(obj))).toBe(theirs);
  });

  it.skipIf(skipKernel)("an object carrying our .BTF/.BTF.ext loads and keeps its line info", () => {
    const c = clang("maps", MAPS_C);
    const clangBtf = parseBtf(c.btf);
    // Our string order (types first, then .BTF.ext strings), so every offset differs from clang's.
    const b = new BtfBuilder();
    buildMaps(b);
    const { btf, ext } = encodeBtfAndExt(b, extInfo(parseBtfExt(c.ext!, clangBtf)));
    expect(btf).not.toEqual(c.btf);
    const obj = withBtf(c.obj, btf, ext!);

    const load = (o: string): string => {
      const pin = `/sys/fs/bpf/tsbpf_btf_test_${process.pid}_${tmpCounter++}`;
      try {
        run("bpftool", ["prog", "load", o, pin]);
        return run("bpftool", ["prog", "dump", "xlated", "pinned", pin, "linum"]);
      } finally {
        rmSync(pin, { force: true });
      }
    };
    const theirs = normalizeXlated(load(c.obj));
    const ours = normalizeXlated(load(obj));
    expect(theirs).toContain("bpf_wq_init(&e->w, &array, 0);");
    expect(theirs).toContain("int prog(void * ctx):");
    expect(ours).toBe(theirs);

    // libbpf + kernel rule: every (sub)program needs line info at its first
    // instruction. Drop the .text (subprogram) line info and loading fails.
    const noSubLines = new BtfBuilder();
    buildMaps(noSubLines);
    const info = extInfo(parseBtfExt(c.ext!, clangBtf));
    info.lineInfo = info.lineInfo.filter((s) => s.section !== ".text");
    const bad = encodeBtfAndExt(noSubLines, info);
    const badObj = withBtf(c.obj, bad.btf, bad.ext!);
    expect(() => load(badObj)).toThrow(/missing \.BTF\.ext line info/);

    // Kernel rule: line info must start at each function's first instruction
    // and be strictly increasing. Drop the program's first record.
    const late = new BtfBuilder();
    buildMaps(late);
    const info2 = extInfo(parseBtfExt(c.ext!, clangBtf));
    const tc = info2.lineInfo.find((s) => s.section === "tc")!;
    tc.records = tc.records.slice(1);
    const bad2 = encodeBtfAndExt(late, info2);
    const badObj2 = withBtf(c.obj, bad2.btf, bad2.ext!);
    expect(() => load(badObj2)).toThrow(/missing bpf_line_info for func#0/);
  });
});
