/**
 * Oracle tests: decode and disassemble code that clang-19 produced and
 * compare, line by line, with llvm-objdump-19. Re-encoding must give back
 * the same bytes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeInsns, encodeInsns, type BpfInsn } from "../../compiler/bpf/insn.js";
import { disassemble } from "../../compiler/bpf/disasm.js";

const CLANG = "clang-19";
const OBJDUMP = "llvm-objdump-19";
const OBJCOPY = "llvm-objcopy-19";

const hasClang = spawnSync(CLANG, ["--version"]).status === 0;
// Locally without clang we skip; in CI the oracle must run.
const skip = !hasClang && !process.env.CI;

let workDir: string | undefined;
function dir(): string {
  workDir ??= mkdtempSync(join(tmpdir(), "tsbpf-bpf-oracle-"));
  return workDir;
}
afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stderr}${r.error ?? ""}`);
  return r.stdout;
}

// <linux/bpf.h> needs <asm/types.h> from the host's multiarch include directory.
const INCLUDES = ["x86_64-linux-gnu", "aarch64-linux-gnu"]
  .map((d) => `/usr/include/${d}`)
  .filter(existsSync)
  .map((d) => `-I${d}`);

/** Compile a C or assembly source to an object file. */
function compile(name: string, source: string, mcpu: string, ext = "c"): string {
  const src = join(dir(), `${name}.${ext}`);
  const obj = join(dir(), `${name}-${mcpu}.o`);
  writeFileSync(src, source);
  run(CLANG, ["-O2", `-mcpu=${mcpu}`, "-target", "bpf", ...INCLUDES, "-c", src, "-o", obj]);
  return obj;
}

/** objdump's instruction lines per section, with the ` <sym+0x..>` jump suffix removed. */
function objdump(obj: string, extra: string[] = []): Map<string, string[]> {
  const out = run(OBJDUMP, ["-d", "--no-show-raw-insn", ...extra, obj]);
  const sections = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of out.split("\n")) {
    const sec = /^Disassembly of section (.*):$/.exec(line);
    if (sec) sections.set(sec[1], (cur = []));
    else if (cur && /^ *\d+:\t/.test(line)) cur.push(line.replace(/ <[^<>]*>$/, ""));
  }
  return sections;
}

function sectionBytes(obj: string, section: string): Uint8Array {
  const out = join(dir(), "section.bin");
  run(OBJCOPY, [`--dump-section=${section}=${out}`, obj, join(dir(), "scratch.o")]);
  return new Uint8Array(readFileSync(out));
}

/** Checks every code section of `obj` against objdump, with and without alu32. */
function checkObject(obj: string): number {
  const plain = objdump(obj);
  const alu32 = objdump(obj, ["--mcpu=v4"]);
  expect(plain.size).toBeGreaterThan(0);
  let count = 0;
  for (const [section, expected] of plain) {
    const bytes = sectionBytes(obj, section);
    const insns = decodeInsns(bytes);
    expect(encodeInsns(insns)).toEqual(bytes);
    expect(disassemble(insns, { indices: true }), `section ${section}`).toEqual(expected);
    expect(disassemble(insns, { indices: true, alu32: true }), `section ${section} (alu32)`).toEqual(alu32.get(section));
    count += insns.length;
  }
  return count;
}

const HEADER = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
typedef unsigned long long u64; typedef long long s64;
typedef unsigned int u32; typedef int s32;
typedef unsigned short u16; typedef short s16;
typedef unsigned char u8; typedef signed char s8;
`;

const PROGRAMS: Record<string, string> = {
  alu: HEADER + `
struct ctx { u64 a; s64 b; u32 c; s32 d; u16 e; s16 f; u8 g; s8 h; };
SEC("tp/alu") int alu(struct ctx *x) {
  u64 a = x->a; s64 b = x->b; u32 c = x->c; s32 d = x->d;
  s64 r = 0; u32 w = 0;
  r += a + b; r -= a - 7; r *= b; r ^= a * 3;
  r |= a | 0x100; r &= b & 0xff0; r += a << 5; r += a >> 9; r += b >> 11;
  r += a << (c & 63); r += a >> (d & 63); r += b >> (c & 63);
  r += a / 7 + a % 13 + a / (c | 1) + a % (c | 1);
#if __BPF_CPU_VERSION__ >= 4 /* signed division is ISA v4 */
  r += b / 5 + b % 9 + b / (d | 1) + b % (d | 1);
#endif
  w += c + d; w -= c - 3; w *= d; w ^= c * 5; w |= c | 0x10; w &= d & 0xf0;
  w += c << 3; w += c >> 4; w += (u32)((s32)d >> 5); w += c << (d & 31); w += c >> (d & 31);
  w += c / 3 + c % 11 + c / (d | 1) + c % (d | 1);
#if __BPF_CPU_VERSION__ >= 4
  w += (u32)(d / 3 + d % 11 + d / (s32)(c | 1) + d % (s32)(c | 1));
#endif
  r = -r; w = -w;
  r += (s8)a + (s16)b + (s32)a + (s8)c + (s16)d;
  r += x->e + x->f + x->g + x->h;
  r += __builtin_bswap16(x->e) + __builtin_bswap32(c) + __builtin_bswap64(a);
  r += 0x123456789abcdefLL * (a & 1);
  return r + w;
}
char LICENSE[] SEC("license") = "GPL";
`,
  jumps: HEADER + `
SEC("tp/jumps") int jumps(u64 *x) {
  u64 a = x[0], b = x[1]; s64 c = x[2], d = x[3];
  u32 e = x[4], f = x[5]; s32 g = x[6], h = x[7];
  int r = 0;
  #pragma clang loop unroll(disable)
  for (int i = 0; i < 16; i++) { if (x[i + 8] == 42) r += i; }
  if (a == b) r += 1; if (a != 9) r += 2; if (a > b) r += 3; if (a >= 4) r += 4;
  if (a < b) r += 5; if (a <= 6) r += 6; if (c > d) r += 7; if (c >= -8) r += 8;
  if (c < d) r += 9; if (c <= -10) r += 10; if (a & 0x40) r += 11; if (a & b) r += 12;
  if (e == f) r += 13; if (e != 14) r += 14; if (e > f) r += 15; if (e >= 16) r += 16;
  if (e < f) r += 17; if (e <= 18) r += 18; if (g > h) r += 19; if (g >= -20) r += 20;
  if (g < h) r += 21; if (g <= -22) r += 22; if (e & 0x80) r += 23; if (e & f) r += 24;
  switch (a) { case 1: r *= 3; break; case 2: r *= 5; break; case 7: r -= 1; break; default: r ^= 0x55; }
  return r;
}
char LICENSE[] SEC("license") = "GPL";
`,
  memory: HEADER + `
struct s { u64 a; u32 b; u16 c; u8 d; s8 e; s16 f; s32 g; };
SEC("tp/memory") int memory(struct s *p) {
  struct s loc = {};
  volatile struct s *v = &loc;
  v->a = 1; v->b = 2; v->c = 3; v->d = 4; v->e = -5; v->f = -6; v->g = -7;
  v->a = p->a; v->b = p->b; v->c = p->c; v->d = p->d; v->e = p->e; v->f = p->f; v->g = p->g;
  v->a = -1; v->b = 0xffffffff;
  s64 r = v->e + v->f + v->g + v->a + v->b + v->c + v->d;
  s64 big[4]; volatile s64 *bv = big;
  bv[0] = r; bv[1] = r * 2; bv[3] = r + 7;
  return bv[0] + bv[1] + bv[3] + p->e + p->f + p->g;
}
char LICENSE[] SEC("license") = "GPL";
`,
  atomics: HEADER + `
SEC("tp/atomics") int atomics(u64 *p) {
  u32 *q = (u32 *)(p + 1); s64 r = 0; u64 v = p[2]; u32 w = (u32)v;
  __sync_fetch_and_add(p, v); __sync_fetch_and_add(q, w);
#if __BPF_CPU_VERSION__ >= 3 /* everything but plain xadd is ISA v3 */
  __sync_fetch_and_and(p, v); __sync_fetch_and_or(p, v); __sync_fetch_and_xor(p, v);
  r += __sync_fetch_and_add(p, 3); r += __sync_fetch_and_and(p, v); r += __sync_fetch_and_or(p, v);
  r += __sync_fetch_and_xor(p, v); r += __sync_fetch_and_sub(p, v);
  r += __sync_lock_test_and_set(p, v); r += __sync_val_compare_and_swap(p, v, 7);
  __sync_fetch_and_add(q, w); __sync_fetch_and_and(q, w); __sync_fetch_and_or(q, w); __sync_fetch_and_xor(q, w);
  r += __sync_fetch_and_add(q, w); r += __sync_fetch_and_and(q, w); r += __sync_fetch_and_or(q, w);
  r += __sync_fetch_and_xor(q, w); r += __sync_lock_test_and_set(q, w); r += __sync_val_compare_and_swap(q, w, 9);
#endif
  return r;
}
char LICENSE[] SEC("license") = "GPL";
`,
  calls: HEADER + `
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16); __type(key, u32); __type(value, u64); } counts SEC(".maps");
u64 total; u32 seen = 5; const volatile u64 limit = 1000; static volatile u64 hidden = 77;
extern int bpf_kfunc_thing(int a) __ksym;
static __attribute__((noinline)) u64 helper_sum(u64 a, u64 b, u64 c) { return a * b + c + hidden; }
__attribute__((noinline)) int global_fn(int x) { return x * 3 + seen; }
SEC("kprobe/calls") int calls(void *ctx) {
  u32 key = bpf_get_smp_processor_id();
  u64 *val = bpf_map_lookup_elem(&counts, &key);
  if (!val) { u64 one = 1; bpf_map_update_elem(&counts, &key, &one, BPF_ANY); return 0; }
  *val += helper_sum(*val, key, limit);
  total += global_fn(key) + bpf_kfunc_thing(key);
  bpf_printk("v=%llu", *val);
  return total > 0x1122334455667788ULL;
}
char LICENSE[] SEC("license") = "GPL";
`,
};

// Every syntactic form the assembler accepts, including ones clang does not
// emit from C (may_goto, gotol, callx, legacy packet loads, arena casts).
const ASM = `
	.text
	.globl f
f:
	r1 = r2
	w1 = w2
	r1 = 5
	w1 = -7
	r1 += r2
	r1 -= 3
	w1 *= w2
	w1 /= 3
	r1 s/= r2
	w1 s%= 7
	r1 s/= -3
	w1 s/= w9
	r1 %= r2
	r1 |= r2
	r1 &= 1
	r1 <<= r2
	w1 >>= 3
	r1 s>>= 3
	w1 s>>= w4
	r1 ^= -1
	r1 = -r1
	w1 = -w1
	r1 = (s8)r2
	r1 = (s16)r2
	r1 = (s32)r2
	w1 = (s8)w2
	w1 = (s16)w2
	r1 = be16 r1
	r1 = be32 r1
	r1 = be64 r1
	r1 = le16 r1
	r1 = le32 r1
	r1 = le64 r1
	r1 = bswap16 r1
	r1 = bswap32 r1
	r1 = bswap64 r1
	r1 = 0x123456789abcdef0 ll
	r1 = -1 ll
	r9 = 0x80000000 ll
	r1 = *(u8 *)(r2 + 1)
	r1 = *(u16 *)(r2 - 2)
	r1 = *(u32 *)(r2 + 4)
	r1 = *(u64 *)(r2 + 32767)
	w1 = *(u32 *)(r2 - 32768)
	r1 = *(s8 *)(r2 + 1)
	r1 = *(s16 *)(r2 + 1)
	r1 = *(s32 *)(r2 + 1)
	*(u8 *)(r10 - 1) = r1
	*(u16 *)(r10 - 2) = w1
	*(u32 *)(r10 - 4) = r1
	*(u64 *)(r10 - 8) = r1
	*(u8 *)(r10 - 1) = 1
	*(u16 *)(r10 - 2) = 2
	*(u32 *)(r10 - 4) = -3
	*(u64 *)(r10 - 8) = 4
	lock *(u64 *)(r1 + 0) += r2
	lock *(u64 *)(r1 + 0) &= r2
	lock *(u64 *)(r1 + 0) |= r2
	lock *(u64 *)(r1 + 0) ^= r2
	lock *(u32 *)(r1 + 0) += w2
	lock *(u32 *)(r1 + 0) &= w2
	lock *(u32 *)(r1 + 0) |= w2
	lock *(u32 *)(r1 + 0) ^= w2
	r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)
	r2 = atomic_fetch_and((u64 *)(r1 + 0), r2)
	r2 = atomic_fetch_or((u64 *)(r1 + 0), r2)
	r2 = atomic_fetch_xor((u64 *)(r1 + 0), r2)
	w2 = atomic_fetch_add((u32 *)(r1 + 0), w2)
	w2 = atomic_fetch_and((u32 *)(r1 + 0), w2)
	w2 = atomic_fetch_or((u32 *)(r1 + 0), w2)
	w2 = atomic_fetch_xor((u32 *)(r1 + 0), w2)
	r2 = xchg_64(r1 + 0, r2)
	w2 = xchg32_32(r1 + 0, w2)
	r0 = cmpxchg_64(r1 + 0, r0, r2)
	w0 = cmpxchg32_32(r1 - 8, w0, w2)
	if r1 == r2 goto +1
	if r1 != 5 goto -1
	if r1 > r2 goto +0
	if r1 >= -2147483648 goto +0
	if r1 < r2 goto +0
	if r1 <= 2147483647 goto +0
	if r1 s> r2 goto +0
	if r1 s>= 3 goto +0
	if r1 s< r2 goto +0
	if r1 s<= 3 goto +0
	if r1 & r2 goto +0
	if w1 == w2 goto +0
	if w1 != 5 goto +0
	if w1 > w2 goto +0
	if w1 >= 3 goto +0
	if w1 < w2 goto +0
	if w1 <= 3 goto +0
	if w1 s> w2 goto +0
	if w1 s>= -3 goto +0
	if w1 s< w2 goto +0
	if w1 s<= 3 goto +0
	if w1 & 8 goto +0
	goto +3
	goto -32768
	gotol +4
	call 5
	call -1
	callx r3
	may_goto +2
	r0 = *(u8 *)skb[3]
	r0 = *(u16 *)skb[-4]
	r0 = *(u32 *)skb[5]
	r0 = *(u8 *)skb[r3]
	r0 = *(u16 *)skb[r3]
	r0 = *(u32 *)skb[r3]
	r1 = addr_space_cast(r2, 0, 1)
	r1 = addr_space_cast(r2, 1, 0)
	exit
`;

describe.skipIf(skip)("disassembler vs llvm-objdump-19", () => {
  for (const [name, source] of Object.entries(PROGRAMS)) {
    for (const mcpu of ["v1", "v2", "v3", "v4"]) {
      it(`${name}.c at -mcpu=${mcpu}`, () => {
        expect(checkObject(compile(name, source, mcpu))).toBeGreaterThan(5);
      });
    }
  }

  it("every assembler form", () => {
    expect(checkObject(compile("forms", ASM, "v4", "s"))).toBeGreaterThan(100);
  });

  it("random encodings of every opcode", () => {
    // xorshift32: deterministic, so a failure is reproducible.
    let seed = 0x9e3779b9;
    const rand = () => {
      seed ^= seed << 13; seed >>>= 0;
      seed ^= seed >>> 17;
      seed ^= seed << 5; seed >>>= 0;
      return seed;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rand() % xs.length];
    const regs = [0, 1, 2, 5, 9, 10, 11, 12, 15];
    const offs = [0, 0, 0, 1, -1, 8, 16, 32, 64, 0x7fff, -0x8000];
    const imms = [0, 0, 1, -1, 16, 32, 64, 0x10, 0x11, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe0, 0xe1,
      0xf0, 0xf1, 0xf2, 0x101, 0x7fffffff, -0x80000000, 0x10000];
    const insns: BpfInsn[] = [];
    for (let code = 0; code < 256; code++) {
      for (let k = 0; k < 40; k++) {
        insns.push({
          code,
          dst_reg: pick(regs),
          src_reg: k < 4 ? k : pick(regs),
          off: k % 5 === 4 ? (rand() & 0xffff) - 0x8000 : pick(offs),
          imm: k % 7 === 6 ? rand() | 0 : pick(imms),
        });
        // Give ld_imm64 its second slot, sometimes with junk LLVM ignores.
        if (code === 0x18) insns.push({ code: k % 3 ? 0 : 0xbf, dst_reg: k % 2, src_reg: 0, off: 0, imm: rand() | 0 });
      }
    }
    // Atomics and byte swaps depend on exact imm values: try every low byte.
    for (const code of [0xc3, 0xcb, 0xd3, 0xdb, 0xd4, 0xd7, 0xdc]) {
      for (let imm = 0; imm < 256; imm++) insns.push({ code, dst_reg: 1, src_reg: 2, off: -8, imm });
    }
    insns.push({ code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 });
    const bytes = encodeInsns(insns);
    const quads: string[] = [];
    const view = new DataView(bytes.buffer);
    for (let p = 0; p < bytes.length; p += 8) quads.push(`\t.quad 0x${view.getBigUint64(p, true).toString(16)}`);
    const obj = compile("random", `\t.text\n${quads.join("\n")}\n`, "v4", "s");
    expect(sectionBytes(obj, ".text")).toEqual(bytes);
    expect(checkObject(obj)).toBe(insns.length);
    // Guard against a fuzz that only exercises `<unknown>`.
    const known = disassemble(insns, { alu32: true }).filter((l) => l !== "<unknown>");
    expect(known.length).toBeGreaterThan(2000);
  });
});
