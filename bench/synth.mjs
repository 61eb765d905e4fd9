// Synthetic programs for build time against source size: `lines` lines of
// TypeScript (and the same program in C) made of many small integer functions —
// straight-line arithmetic and if/else chains, a third of them @noinline
// (BPF-to-BPF calls), the rest inlined — and tc programs that each chain eight
// of them on values from the context.

/** A deterministic pseudo-random stream (xorshift32). */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

/** Statements over two u32 variables x and y, each rendered for both languages. */
function body(r) {
  const out = []; // [ts, c] pairs
  const k = () => 1 + r(0xfff);
  const both = (s) => out.push([s, s]);
  const cond = (ts) => [ts, ts.replace(/===/g, "==").replace(/!==/g, "!=")];
  const ops = [
    () => both(`x = x * ${2 * r(40) + 3} + y;`),
    () => both(`y ^= x >> ${1 + r(30)};`),
    () => both(`x = (x << ${1 + r(30)}) | (y & ${k()});`),
    () => both(`y = y + ${k()} - (x & 0xff);`),
    () => both(`x ^= y * ${k()};`),
    () => {
      const [t, c] = cond(`if (x > y + ${k()}) {`);
      out.push([t, c]);
      both(`  x = x - y;`);
      both(`  y ^= ${k()};`);
      both(`} else {`);
      both(`  y = y - x;`);
      both(`  x += ${k()};`);
      both(`}`);
    },
    () => {
      const [t, c] = cond(`if ((x & ${1 + r(15)}) === ${r(8)}) {`);
      out.push([t, c]);
      both(`  y += x ^ ${k()};`);
      both(`}`);
    },
    () => {
      const [t, c] = cond(`if (y < ${k()} && x !== 0) {`);
      out.push([t, c]);
      both(`  x = y / 3 + x % 7;`);
      both(`} else if (y > ${k()}) {`);
      both(`  y = y >> 1;`);
      both(`}`);
    },
  ];
  while (out.length < 14) ops[r(ops.length)]();
  return out;
}

/**
 * { ts, c, lines, functions, programs }: a TypeScript program of about `lines`
 * lines and its C twin.
 */
export function synthesize(lines, seed = 1) {
  const r = rng(seed * 7919 + lines);
  const ts = [
    `// Synthetic tsbpf program (~${lines} lines) for the build-time benchmark.`,
    `import { license, tc, type u32 } from "tsbpf";`,
    `license("GPL");`,
    `export let sink: u32 = 0;`,
    ``,
  ];
  const c = [
    `// Synthetic C twin (~${lines} lines) for the build-time benchmark.`,
    `#include <linux/bpf.h>`,
    `#include <bpf/bpf_helpers.h>`,
    `char LICENSE[] SEC("license") = "GPL";`,
    `__u32 sink = 0;`,
    ``,
  ];
  let fns = 0, progs = 0;
  const pending = [];
  while (ts.length < lines - 2) {
    const name = `f${fns++}`;
    const noinline = fns % 3 === 0;
    if (noinline) ts.push(`/** @noinline */`);
    ts.push(`function ${name}(a: u32, b: u32): u32 {`, `  let x: u32 = a ^ ${1 + r(0xffff)};`, `  let y: u32 = b + ${r(1000)};`);
    c.push(`static ${noinline ? "__noinline" : "__always_inline"} __u32 ${name}(__u32 a, __u32 b)`, `{`, `  __u32 x = a ^ ${1 + r(0xffff)};`, `  __u32 y = b + ${r(1000)};`);
    for (const [t, cc] of body(r)) {
      ts.push(`  ${t}`);
      c.push(`  ${cc}`);
    }
    ts.push(`  return x ^ y;`, `}`, ``);
    c.push(`  return x ^ y;`, `}`, ``);
    pending.push(name);
    if (pending.length === 8) {
      const p = `p${progs++}`;
      ts.push(`export const ${p} = tc((ctx) => {`, `  let v: u32 = ctx.len;`);
      c.push(`SEC("tc")`, `int ${p}(struct __sk_buff *ctx)`, `{`, `  __u32 v = ctx->len;`);
      for (const f of pending.splice(0)) {
        ts.push(`  v = ${f}(v, ctx.mark + ${r(100)});`);
        c.push(`  v = ${f}(v, ctx->mark + ${r(100)});`);
      }
      ts.push(`  sink ^= v;`, `  return 0;`, `});`, ``);
      c.push(`  sink ^= v;`, `  return 0;`, `}`, ``);
    }
  }
  if (pending.length || progs === 0) {
    const p = `p${progs++}`;
    ts.push(`export const ${p} = tc((ctx) => {`, `  let v: u32 = ctx.len;`);
    c.push(`SEC("tc")`, `int ${p}(struct __sk_buff *ctx)`, `{`, `  __u32 v = ctx->len;`);
    for (const f of pending.splice(0)) {
      ts.push(`  v = ${f}(v, ctx.mark);`);
      c.push(`  v = ${f}(v, ctx->mark);`);
    }
    ts.push(`  sink ^= v;`, `  return 0;`, `});`);
    c.push(`  sink ^= v;`, `  return 0;`, `}`);
  }
  return { ts: ts.join("\n") + "\n", c: c.join("\n") + "\n", lines: ts.length, functions: fns, programs: progs };
}
