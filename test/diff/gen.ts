// A seeded generator of random programs with C semantics, printed both as
// tsbpf TypeScript and as C (see ast.ts for the model, the printers and the
// undefined-behaviour checker). Same seed and features → same program.

import {
  ALL_INTS, BOOL, CMP_OPS, I16, I32, I64, U32, U64, U8, Unsafe, analyze, analyzeBin, checkProgram, checkStmt, fitsIn, isRef,
  litType, maxOf, printC, printTs, promote, refKey, tsLiteralish, typeOf, unsignedOf, usual,
  type BinOp, type CompoundOp, type Expr, type Field, type Global, type Helper, type IntT, type LValue, type Param,
  type Program, type Stmt, type StructDef, type StructParam, type SwitchCase, type Ty,
} from "./ast.js";

// ---------------------------------------------------------------------------
// PRNG: splitmix32 (public domain); everything random flows from one seed.

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** uniform u32 */
  u32(): number {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** integer in [0, n) */
  int(n: number): number {
    return n <= 1 ? 0 : this.u32() % n;
  }
  /** integer in [lo, hi] */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error("pick from an empty list");
    return xs[this.int(xs.length)]!;
  }
  /** pick with weights */
  weighted<T>(items: readonly [T, number][]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = (this.u32() / 4294967296) * total;
    for (const [x, w] of items) {
      if ((r -= w) < 0) return x;
    }
    return items[items.length - 1]![0];
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
}

// ---------------------------------------------------------------------------
// Feature families: each construct family can be switched on and off
// (TSBPF_FUZZ_FEATURES=+name,-name). The committed defaults are on for every
// family that passes; those OFF below fail today and say why.

export const FEATURES = {
  /** + - * (signed overflow avoided by construction) */
  arith: true,
  /** / % */
  divmod: true,
  /** & | ^ ~ */
  bitwise: true,
  /** << >> */
  shifts: true,
  /** < <= > >= == != (mixed signedness) */
  compare: true,
  /** && || ! on booleans */
  logical: true,
  /** ?: */
  ternary: true,
  /** explicit conversions u8(x) … u64(x) */
  casts: true,
  /** hexadecimal literals */
  hexLiterals: true,
  /** literals beyond 32 bits (0xffffffffffffffff, 0x100000000) */
  wideLiterals: true,
  /** bigint literals inside 64-bit conversions: i64(5n), u64(0xffffffffffffffffn) */
  bigintLiterals: true,
  /**
   * bigint literals where a 64-bit value is expected: let x: u64 = 5n; x + 5n.
   * OFF: tsc rejects them (TS2322/TS2365: u64 is `number` in runtime-types).
   */
  bareBigint: false,
  /**
   * `let b: T = a` — a declaration initialised with another variable as it is.
   * OFF: b aliases a (a later `a = …` changes b): wrong results.
   */
  copyInit: false,
  /** += -= *= /= %= &= |= ^= <<= >>= */
  compound: true,
  /** x++ x-- ++x --x as statements */
  incdec: true,
  /** v++ inside expressions (the variable is not otherwise used in the statement) */
  postIncExpr: true,
  /** if / else */
  ifElse: true,
  /** for loops with constant bounds */
  forLoops: true,
  /** while loops */
  whileLoops: true,
  /** do … while loops */
  doWhile: true,
  /** break / continue */
  breakContinue: true,
  /** switch with fall-through and default */
  switch: true,
  /** nested { } blocks with their own locals */
  blocks: true,
  /** return from the middle of a function */
  earlyReturn: true,
  /** module-level helper functions (≤ 5 integer parameters) */
  helpers: true,
  /** helpers that write globals (called as statements) */
  helperGlobalWrites: true,
  /**
   * helpers that assign to their parameters.
   * OFF: verifier rejects (R2 !read_ok, pointer arithmetic on a scalar) and wrong results.
   */
  paramAssign: false,
  /** helpers returning void */
  voidHelpers: true,
  /** structs on the stack: zeroed<S>(), field reads and writes */
  structs: true,
  /** zeroed structs and arrays declared inside helpers (stack frames of inlined calls, sharing stack with each other) */
  helperStructs: true,
  /** structs passed to helpers by reference (struct S * in C) */
  structParams: true,
  /** FixedArray fields in structs, constant and bounded indices */
  arrays: true,
  /** structs and stack arrays beyond 32 bytes (arrays of 5 or 8 elements) */
  largeStructs: true,
  /** FixedArray on the stack: zeroed<FixedArray<T, N>>() */
  stackArrays: true,
  /** bool locals and globals */
  bools: true,
  /** && || with integer operands (C: 0/1) */
  logicalOnInts: true,
};
export type Features = typeof FEATURES;
export type FeatureName = keyof Features;

/** Parses "+a,-b,c" (c: on) or "all"/"none" prefixes onto a base feature set. */
export function parseFeatures(spec: string | undefined, base: Features = FEATURES): Features {
  const f: Features = { ...base };
  if (!spec) return f;
  for (const raw of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (raw === "all") { for (const k of Object.keys(f) as FeatureName[]) f[k] = true; continue; }
    if (raw === "none") { for (const k of Object.keys(f) as FeatureName[]) f[k] = false; continue; }
    const on = !raw.startsWith("-");
    const name = raw.replace(/^[-+]/, "") as FeatureName;
    if (!(name in f)) throw new Error(`unknown fuzzer feature '${name}' (known: ${Object.keys(f).join(", ")})`);
    f[name] = on;
  }
  return f;
}

// ---------------------------------------------------------------------------

interface VarInfo { name: string; t: Ty; writable: boolean; range?: [bigint, bigint] }
interface StructVar { name: string; st: StructDef; ptr: boolean; writable: boolean }
interface ArrayVar { name: string; elem: IntT; len: number }
interface Scope { vars: VarInfo[]; structs: StructVar[]; arrays: ArrayVar[] }
interface FnCtx {
  inHelper: boolean;
  /** references already switched on in this function */
  switched: Set<string>;
  ret: IntT | null;
  effectful: boolean;
  loopDepth: number;
  inSwitch: boolean;
  callees: Helper[];
  scopes: Scope[];
}

const ok = (e: Expr): boolean => {
  try {
    analyze(e);
    return true;
  } catch (x) {
    if (x instanceof Unsafe) return false;
    throw x;
  }
};

const lit = (v: bigint, spell: "dec" | "hex" = "dec"): Expr => ({ k: "lit", v, spell });
const bin = (op: BinOp, l: Expr, r: Expr): Expr => ({ k: "bin", op, l, r });
const cast = (t: IntT, e: Expr): Expr => ({ k: "cast", t, e });

/** Values that find conversion and overflow bugs. */
const INTERESTING: bigint[] = [
  0n, 1n, 2n, 3n, 5n, 7n, 8n, 15n, 16n, 31n, 32n, 63n, 64n, 100n, 127n, 128n, 200n, 255n, 256n, 1000n, 0x7fffn, 0x8000n, 0xffffn, 0x10000n,
  0x12345n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn,
];
const INTERESTING_WIDE: bigint[] = [
  0x100000000n, 0x123456789n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xfffffffffffffffen, 0xffffffffffffffffn, 0xdeadbeefcafebaben,
];

export class Generator {
  readonly rng: Rng;
  private n = 0;
  private structs: StructDef[] = [];
  private globals: Global[] = [];
  private helpers: Helper[] = [];
  private budget = 0;

  constructor(readonly seed: number, readonly f: Features = FEATURES) {
    this.rng = new Rng(seed);
  }

  private fresh(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  // ------------------------------------------------------------- program

  program(): Program {
    const r = this.rng;
    if (this.f.structs) {
      const n = r.range(1, 2);
      for (let i = 0; i < n; i++) this.structs.push(this.structDef(`S${i}`));
    }
    const ng = r.range(4, 10);
    for (let i = 0; i < ng; i++) this.globals.push(this.global(`g${i}`));
    if (this.f.helpers) {
      const nh = r.range(0, 3);
      for (let i = 0; i < nh; i++) this.helpers.push(this.helper(`h${i}`));
    }
    const ctx: FnCtx = { inHelper: false, switched: new Set(), ret: I64, effectful: true, loopDepth: 0, inSwitch: false, callees: this.helpers, scopes: [this.globalScope(true)] };
    this.budget = r.range(8, 30);
    const main = this.block(ctx, 0, true);
    // write some results into globals (every program has observable effects)
    const writes = r.range(1, 4);
    for (let i = 0; i < writes; i++) {
      const s = this.assignTo(ctx, this.rng.pick(this.globals.filter((g) => g.t.kind === "int")), 2);
      if (s && stmtOk(s)) main.push(s);
    }
    main.push(this.finalReturn(ctx, 3));
    const p: Program = { seed: this.seed, globals: this.globals, structs: this.structs, helpers: this.helpers, main };
    checkProgram(p); // generator invariant: never emits undefined behaviour
    return p;
  }

  private globalScope(writable: boolean): Scope {
    return { vars: this.globals.map((g) => ({ name: g.name, t: g.t, writable })), structs: [], arrays: [] };
  }

  private structDef(name: string): StructDef {
    const r = this.rng;
    const fields: Field[] = [];
    const n = r.range(1, 5);
    for (let i = 0; i < n; i++) {
      const t = r.pick(ALL_INTS);
      const arr = this.f.arrays && r.chance(0.3);
      fields.push({ name: String.fromCharCode(97 + i), t, len: arr ? r.pick(this.f.largeStructs ? [2, 3, 4, 5, 8] : [2, 3, 4]) : undefined });
    }
    const size = fields.reduce((a, f) => a + (f.t.kind === "bool" ? 1 : f.t.bits / 8) * (f.len ?? 1), 0);
    if (!this.f.largeStructs && size > 32) return this.structDef(name);
    return { name, fields };
  }

  private global(name: string): Global {
    const r = this.rng;
    if (this.f.bools && r.chance(0.1)) return { name, t: BOOL, init: r.chance(0.5) ? 1n : 0n, spell: "dec" };
    const t = r.pick(ALL_INTS);
    let init = 0n;
    if (r.chance(0.55)) {
      init = r.chance(0.5) ? this.interestingFor(t) : BigInt.asUintN(t.bits, r.u64());
      if (t.signed) init = BigInt.asIntN(t.bits, init);
    }
    const mag = init < 0n ? -init : init;
    const spell = mag > maxOf(I64) || (mag > 0xffffn && this.f.hexLiterals && r.chance(0.5)) ? "hex" : "dec";
    return { name, t, init, spell };
  }

  private interestingFor(t: IntT): bigint {
    const pool = [...INTERESTING, ...INTERESTING_WIDE].filter((v) => v <= maxOf(unsignedOf(t)));
    return this.rng.pick(pool);
  }

  private helper(name: string): Helper {
    const r = this.rng;
    const effectful = this.f.helperGlobalWrites && r.chance(0.5);
    const params: (Param | StructParam)[] = [];
    const np = r.range(0, 5);
    for (let i = 0; i < np; i++) {
      if (this.f.structParams && this.structs.length && r.chance(0.2)) params.push({ name: `p${i}`, st: r.pick(this.structs).name });
      else params.push({ name: `p${i}`, t: r.pick(ALL_INTS) });
    }
    const ret = this.f.voidHelpers && effectful && r.chance(0.25) ? null : r.pick(ALL_INTS);
    const scope: Scope = { vars: [], structs: [], arrays: [] };
    const writesPtr = effectful; // a helper that writes through a struct pointer has effects
    for (const p of params) {
      if ("st" in p) scope.structs.push({ name: p.name, st: this.structs.find((s) => s.name === p.st)!, ptr: true, writable: writesPtr });
      else scope.vars.push({ name: p.name, t: p.t, writable: this.f.paramAssign });
    }
    const ctx: FnCtx = {
      inHelper: true, switched: new Set(), ret, effectful, loopDepth: 0, inSwitch: false,
      callees: this.helpers.filter((h) => effectful || !h.effectful),
      scopes: [this.globalScope(effectful), scope],
    };
    this.budget = r.range(2, 8);
    const body = this.block(ctx, 1, true);
    body.push(this.finalReturn(ctx, 3));
    return { name, params, ret, body, noinline: r.chance(0.5), effectful };
  }

  // ------------------------------------------------------------- scopes

  private allVars(ctx: FnCtx): VarInfo[] {
    return ctx.scopes.flatMap((s) => s.vars);
  }
  private allStructs(ctx: FnCtx): StructVar[] {
    return ctx.scopes.flatMap((s) => s.structs);
  }
  private allArrays(ctx: FnCtx): ArrayVar[] {
    return ctx.scopes.flatMap((s) => s.arrays);
  }
  private top(ctx: FnCtx): Scope {
    return ctx.scopes[ctx.scopes.length - 1]!;
  }

  /** All readable integer lvalues, as fresh nodes (index expressions generated). */
  private readable(ctx: FnCtx, depth: number, wantBool = false): LValue[] {
    const out: LValue[] = [];
    for (const v of this.allVars(ctx)) {
      if ((v.t.kind === "bool") !== wantBool) continue;
      out.push({ k: "var", name: v.name, t: v.t, ...(v.range ? { range: v.range } : {}) });
    }
    if (wantBool) return out;
    for (const s of this.allStructs(ctx)) {
      for (const f of s.st.fields) {
        if (f.len) out.push(this.indexNode(ctx, depth, s.name, s.ptr, f.t as IntT, f.len, f.name));
        else out.push({ k: "field", base: s.name, ptr: s.ptr, field: f.name, t: f.t });
      }
    }
    for (const a of this.allArrays(ctx)) out.push(this.indexNode(ctx, depth, a.name, false, a.elem, a.len));
    return out;
  }

  private writable(ctx: FnCtx, depth: number): LValue[] {
    const out: LValue[] = [];
    for (const v of this.allVars(ctx)) if (v.writable) out.push({ k: "var", name: v.name, t: v.t });
    for (const s of this.allStructs(ctx)) {
      if (!s.writable) continue;
      for (const f of s.st.fields) {
        if (f.len) out.push(this.indexNode(ctx, depth, s.name, s.ptr, f.t as IntT, f.len, f.name));
        else out.push({ k: "field", base: s.name, ptr: s.ptr, field: f.name, t: f.t });
      }
    }
    for (const a of this.allArrays(ctx)) out.push(this.indexNode(ctx, depth, a.name, false, a.elem, a.len));
    return out;
  }

  private indexNode(ctx: FnCtx, depth: number, base: string, ptr: boolean, t: IntT, len: number, field?: string): LValue {
    const r = this.rng;
    let idx: Expr = lit(BigInt(r.int(len)));
    // a bounded index the verifier can follow: masked to the largest power of two ≤ len
    // (`% len` is exact in C, but the verifier does not bound the result of a modulo)
    let pow = 1;
    while (pow * 2 <= len) pow *= 2;
    if (depth > 0 && pow > 1 && this.f.bitwise && r.chance(0.6)) idx = bin("&", this.intExpr(ctx, depth - 1), lit(BigInt(pow - 1)));
    return { k: "index", base, ptr, field, len, idx, t };
  }

  // ------------------------------------------------------------- expressions

  literal(): Expr {
    const r = this.rng;
    let v: bigint;
    if (this.f.wideLiterals && r.chance(0.15)) v = r.chance(0.7) ? r.pick(INTERESTING_WIDE) : r.u64();
    else if (r.chance(0.7)) v = r.pick(INTERESTING);
    else v = BigInt(r.chance(0.5) ? r.int(1000) : r.u32());
    if (!this.f.wideLiterals && v > 0xffffffffn) v &= 0xffffffffn;
    if (!this.f.hexLiterals && v > maxOf(I64)) v &= maxOf(I64);
    const mustHex = v > maxOf(I64);
    if (this.f.bigintLiterals && r.chance(0.12)) {
      const spell = mustHex || (this.f.hexLiterals && r.chance(0.5)) ? "bighex" : "big";
      const e: Expr = { k: "lit", v, spell };
      if (this.f.bareBigint && r.chance(0.5)) return e;
      return cast(litType(v, spell).signed ? (r.chance(0.5) ? I64 : U64) : U64, e);
    }
    const spell = mustHex || (this.f.hexLiterals && r.chance(0.35)) ? "hex" : "dec";
    const e: Expr = { k: "lit", v, spell };
    if (this.f.arith && r.chance(0.2) && ok({ k: "un", op: "-", e })) return { k: "un", op: "-", e };
    return e;
  }

  /** A leaf: a variable/field/element read or a literal. */
  private leaf(ctx: FnCtx, depth: number): Expr {
    const r = this.rng;
    const vars = this.readable(ctx, Math.min(depth, 1));
    if (vars.length && r.chance(0.75)) return r.pick(vars);
    return this.literal();
  }

  /** An integer-typed expression. */
  intExpr(ctx: FnCtx, depth: number): Expr {
    const r = this.rng;
    if (depth <= 0 || r.chance(0.25)) return this.leaf(ctx, depth);
    const f = this.f;
    const kinds: [string, number][] = [];
    if (f.arith) kinds.push(["arith", 4]);
    if (f.divmod) kinds.push(["divmod", 1.5]);
    if (f.bitwise) kinds.push(["bitwise", 2.5]);
    if (f.shifts) kinds.push(["shift", 2]);
    if (f.arith || f.bitwise) kinds.push(["unary", 1]);
    if (f.casts) kinds.push(["cast", 2]);
    if (f.ternary) kinds.push(["cond", 1]);
    if (f.casts && (f.compare || f.logical)) kinds.push(["boolint", 1]);
    const pure = ctx.callees.filter((h) => h.ret && !h.effectful);
    if (pure.length) kinds.push(["call", 1.5]);
    if (f.postIncExpr) kinds.push(["post", 0.3]);
    if (!kinds.length) return this.leaf(ctx, depth);
    const kind = r.weighted(kinds);
    const sub = () => this.intExpr(ctx, depth - 1);
    switch (kind) {
      case "arith": return this.safeBin(r.pick(["+", "-", "*"] as BinOp[]), sub(), sub()) ?? this.leaf(ctx, 0);
      case "divmod": return this.safeBin(r.pick(["/", "%"] as BinOp[]), sub(), sub()) ?? this.leaf(ctx, 0);
      case "bitwise": return this.safeBin(r.pick(["&", "|", "^"] as BinOp[]), sub(), sub()) ?? this.leaf(ctx, 0);
      case "shift": return this.safeBin(r.pick(["<<", ">>"] as BinOp[]), sub(), this.shiftCount(ctx, depth - 1)) ?? this.leaf(ctx, 0);
      case "unary": {
        const ops = [...(f.arith ? ["-"] : []), ...(f.bitwise ? ["~"] : [])] as ("-" | "~")[];
        const e = sub();
        const u: Expr = { k: "un", op: r.pick(ops), e };
        if (ok(u)) return u;
        const t = promote(typeOf(e));
        return cast(t, { k: "un", op: u.op as "-", e: cast(unsignedOf(t), e) });
      }
      case "cast": return cast(r.pick(ALL_INTS), sub());
      case "cond": return { k: "cond", c: this.condition(ctx, depth - 1), a: sub(), b: sub() };
      case "boolint": return cast(r.pick(ALL_INTS), this.boolExpr(ctx, depth - 1, true));
      case "call": return this.call(ctx, r.pick(pure), depth - 1);
      case "post": {
        // checkStmt drops the statement unless v occurs nowhere else in it
        const cands = this.writable(ctx, 0).filter((v): v is LValue & { k: "var" } =>
          v.k === "var" && v.t.kind === "int" && !(v.t.signed && v.t.bits >= 32));
        if (!cands.length) return this.leaf(ctx, depth);
        return { k: "post", op: r.pick(["++", "--"] as const), lv: r.pick(cands) };
      }
    }
    return this.leaf(ctx, depth);
  }

  private shiftCount(ctx: FnCtx, depth: number): Expr {
    const r = this.rng;
    if (r.chance(0.5) || !this.f.bitwise) return lit(BigInt(r.int(32)));
    return this.intExpr(ctx, depth);
  }

  /** A binary operation made free of undefined behaviour, or null. */
  safeBin(op: BinOp, l: Expr, r: Expr): Expr | null {
    let e = bin(op, l, r);
    if (ok(e)) return e;
    const lt = typeOf(l), rt = typeOf(r);
    const rng = this.rng;
    if (op === "+" || op === "-" || op === "*") {
      // do it in the unsigned type of the same width and convert back (wraps in C, no UB)
      const t = usual(lt, rt);
      const ut = unsignedOf(t);
      e = cast(t, bin(op, cast(ut, l), cast(ut, r)));
      return ok(e) ? e : null;
    }
    if (op === "<<" || op === ">>") {
      const t = promote(lt);
      let count = r;
      if (!ok(bin(op, lit(0n), count)) || !this.f.bitwise) count = this.f.bitwise ? bin("&", r, lit(BigInt(t.bits - 1))) : lit(BigInt(rng.int(t.bits)));
      e = bin(op, l, count);
      if (ok(e)) return e;
      // a negative or overflowing signed left shift: shift in the unsigned type
      e = cast(t, bin(op, cast(unsignedOf(t), l), count));
      return ok(e) ? e : null;
    }
    if (op === "/" || op === "%") {
      const t = usual(lt, rt);
      const divisors: Expr[] = [];
      if (this.f.bitwise) {
        const m = lit(rng.pick([1n, 3n, 7n, 15n, 255n, 0xffffn]));
        if (!t.signed && !promote(rt).signed) divisors.push(bin("|", r, lit(1n)));
        divisors.push(bin("+", bin("&", r, m), lit(1n)));
        if (t.signed && this.f.arith) divisors.push({ k: "un", op: "-", e: bin("+", bin("&", r, m), lit(1n)) });
      }
      divisors.push(lit(BigInt(rng.range(1, 100))));
      if (t.signed && this.f.arith) divisors.push({ k: "un", op: "-", e: lit(BigInt(rng.range(1, 9))) });
      const d = rng.pick(divisors);
      e = bin(op, l, d);
      if (ok(e)) return e;
      // MIN / -1: halve the dividend
      e = bin(op, bin(">>", l, lit(1n)), d);
      if (ok(e)) return e;
      e = bin(op, l, lit(BigInt(rng.range(2, 100))));
      return ok(e) ? e : null;
    }
    return null;
  }

  /** A bool-typed expression. */
  boolExpr(ctx: FnCtx, depth: number, truthCtx = false): Expr {
    const r = this.rng;
    const f = this.f;
    const kinds: [string, number][] = [];
    if (f.compare) kinds.push(["cmp", 5]);
    if (f.logical) kinds.push(["not", 1], ["andor", depth > 0 ? 2 : 0]);
    const bools = f.bools ? this.readable(ctx, 0, true) : [];
    if (bools.length) kinds.push(["boolvar", 1]);
    if (!kinds.length) return { k: "un", op: "!", e: this.intExpr(ctx, depth) }; // unreachable when called properly
    switch (r.weighted(kinds)) {
      case "cmp": {
        let a = this.intExpr(ctx, depth - 1);
        let b = this.intExpr(ctx, depth - 1);
        const op = r.pick(CMP_OPS);
        if (tsLiteralish(a) && tsLiteralish(b)) a = cast(typeOf(a) as IntT, a);
        // TypeScript narrows `x === 5` (see isRef in ast.ts): the literal goes through a conversion to its own type
        if (op === "==" || op === "!=") {
          if (isRef(a) && tsLiteralish(b)) b = cast(typeOf(b) as IntT, b);
          if (isRef(b) && tsLiteralish(a)) a = cast(typeOf(a) as IntT, a);
        }
        return bin(op, a, b);
      }
      case "not": return { k: "un", op: "!", e: r.chance(0.5) ? truthy(this.intExpr(ctx, depth - 1)) : this.boolExpr(ctx, depth - 1, true) };
      case "andor": {
        // integer operands only where TypeScript tests the result for truth (else it is `number | boolean`)
        const side = () => (f.logicalOnInts && truthCtx && r.chance(0.3) ? truthy(this.intExpr(ctx, depth - 1)) : this.boolExpr(ctx, depth - 1, truthCtx));
        return bin(r.pick(["&&", "||"] as BinOp[]), side(), side());
      }
      case "boolvar": return r.pick(bools);
    }
    throw new Error("unreachable");
  }

  /** A condition for if/while/?: — a bool, or an integer (both languages test it against zero). */
  condition(ctx: FnCtx, depth: number): Expr {
    if ((this.f.compare || this.f.logical) && this.rng.chance(0.8)) return this.boolExpr(ctx, depth, true);
    return truthy(this.intExpr(ctx, depth));
  }

  private call(ctx: FnCtx, h: Helper, depth: number): Expr {
    const args = h.params.map((p) => {
      if ("st" in p) {
        const cands = this.allStructs(ctx).filter((s) => s.st.name === p.st);
        const s = cands.length ? this.rng.pick(cands) : undefined;
        return s ? { k: "sref" as const, name: s.name, ptr: s.ptr } : undefined;
      }
      return this.intExpr(ctx, Math.min(depth, 2));
    });
    if (args.some((a) => a === undefined)) return this.literal();
    return { k: "call", fn: h.name, args: args as Exclude<(typeof args)[number], undefined>[], ret: h.ret };
  }

  // ------------------------------------------------------------- statements

  /** A block's statements; `fn`: the function's top-level block (declarations first). */
  private block(ctx: FnCtx, depth: number, fn = false): Stmt[] {
    const r = this.rng;
    const out: Stmt[] = [];
    if (fn) {
      // a few locals up front
      const n = r.range(1, 4);
      for (let i = 0; i < n; i++) {
        const top = this.top(ctx);
        const mark = top.vars.length;
        const d = this.decl(ctx, 2);
        if (stmtOk(d)) out.push(d);
        else top.vars.length = mark;
      }
      const stackOk = !ctx.inHelper || this.f.helperStructs;
      if (this.f.structs && this.structs.length && stackOk && r.chance(0.6)) out.push(this.sdecl(ctx));
      if (this.f.stackArrays && stackOk && r.chance(0.3)) out.push(this.adecl(ctx));
    }
    const n = fn ? r.range(2, 8) : r.range(1, 4);
    for (let i = 0; i < n && this.budget > 0; i++) {
      this.budget--;
      const top = this.top(ctx);
      const mark = [top.vars.length, top.structs.length, top.arrays.length] as const;
      const s = this.stmt(ctx, depth);
      if (!s || !stmtOk(s)) {
        // dropped: forget whatever it declared
        top.vars.length = mark[0];
        top.structs.length = mark[1];
        top.arrays.length = mark[2];
        continue;
      }
      out.push(s);
      if (s.k === "break" || s.k === "continue" || s.k === "return") break;
    }
    return out;
  }

  private scoped<T>(ctx: FnCtx, fn: () => T): T {
    ctx.scopes.push({ vars: [], structs: [], arrays: [] });
    try {
      return fn();
    } finally {
      ctx.scopes.pop();
    }
  }

  private decl(ctx: FnCtx, depth: number): Stmt {
    const r = this.rng;
    const name = this.fresh("l");
    const isBool = this.f.bools && (this.f.compare || this.f.logical) && r.chance(0.12);
    const t: Ty = isBool ? BOOL : r.pick(ALL_INTS);
    let init = isBool ? this.boolExpr(ctx, depth) : this.intExpr(ctx, depth);
    if (!this.f.copyInit && init.k === "var") init = isBool ? { k: "un", op: "!", e: { k: "un", op: "!", e: init } } : this.literal();
    this.top(ctx).vars.push({ name, t, writable: true });
    return { k: "decl", name, t, init };
  }

  private sdecl(ctx: FnCtx): Stmt {
    const st = this.rng.pick(this.structs);
    const name = this.fresh("s");
    this.top(ctx).structs.push({ name, st, ptr: false, writable: true });
    return { k: "sdecl", name, st: st.name };
  }

  private adecl(ctx: FnCtx): Stmt {
    const elem = this.rng.pick(ALL_INTS);
    const len = this.rng.pick(this.f.largeStructs ? [2, 3, 4, 8] : [2, 3, 4]);
    const name = this.fresh("a");
    this.top(ctx).arrays.push({ name, elem, len });
    return { k: "adecl", name, elem, len };
  }

  /** `lv = e` for a global/local (used for the final effects too). */
  private assignTo(ctx: FnCtx, g: { name: string; t: Ty }, depth: number): Stmt | null {
    const lv: LValue = { k: "var", name: g.name, t: g.t };
    return this.assignment(ctx, lv, depth);
  }

  private assignment(ctx: FnCtx, lv: LValue, depth: number): Stmt | null {
    const e = lv.t.kind === "bool" ? this.boolExpr(ctx, depth) : this.intExpr(ctx, depth);
    return { k: "assign", lv, e };
  }

  private stmt(ctx: FnCtx, depth: number): Stmt | null {
    const r = this.rng;
    const f = this.f;
    const kinds: [string, number][] = [["decl", 2], ["assign", 5]];
    if (f.compound) kinds.push(["compound", 2]);
    if (f.incdec) kinds.push(["incdec", 1]);
    if (f.ifElse && depth < 3) kinds.push(["if", 2.5]);
    if (ctx.loopDepth < 2 && depth < 3) {
      if (f.forLoops) kinds.push(["for", 1.5]);
      if (f.whileLoops) kinds.push(["while", 0.8]);
      if (f.doWhile) kinds.push(["do", 0.6]);
    }
    if (f.switch && depth < 3) kinds.push(["switch", 1]);
    if (f.blocks && depth < 3) kinds.push(["block", 0.6]);
    if (f.breakContinue && (ctx.loopDepth > 0 || ctx.inSwitch) && f.ifElse) kinds.push(["brk", 1]);
    if (f.earlyReturn && f.ifElse && depth > 0) kinds.push(["ret", 0.4]);
    if (ctx.callees.length) kinds.push(["call", 1.5]);
    const stackOk = !ctx.inHelper || f.helperStructs;
    if (f.structs && this.structs.length && stackOk) kinds.push(["sdecl", 0.3]);
    if (f.stackArrays && stackOk) kinds.push(["adecl", 0.2]);

    switch (r.weighted(kinds)) {
      case "decl": return this.decl(ctx, 3);
      case "sdecl": return this.sdecl(ctx);
      case "adecl": return this.adecl(ctx);
      case "assign": {
        const lvs = this.writable(ctx, 2);
        if (!lvs.length) return null;
        return this.assignment(ctx, r.pick(lvs), 3);
      }
      case "compound": {
        const lvs = this.writable(ctx, 2).filter((v) => v.t.kind === "int");
        if (!lvs.length) return null;
        const lv = r.pick(lvs);
        const ops: CompoundOp[] = [
          ...(f.arith ? (["+", "-", "*"] as const) : []), ...(f.divmod ? (["/", "%"] as const) : []),
          ...(f.bitwise ? (["&", "|", "^"] as const) : []), ...(f.shifts ? (["<<", ">>"] as const) : []),
        ];
        if (!ops.length) return null;
        const op = r.pick(ops);
        let e = op === "<<" || op === ">>" ? this.shiftCount(ctx, 2) : this.intExpr(ctx, 2);
        // make `lv op e` safe where it can be (divisor/count), else fall back to lv = lv op e made safe
        const trial = this.safeBin(op, lv, e);
        if (!trial) return null;
        if (trial.k === "bin" && trial.op === op && sameExpr(trial.l, lv)) e = trial.r;
        else return { k: "assign", lv, e: trial };
        try {
          analyzeBin(op, analyze(lv), analyze(e));
        } catch (x) {
          if (x instanceof Unsafe) return null;
          throw x;
        }
        return { k: "compound", lv, op, e };
      }
      case "incdec": {
        const lvs = this.writable(ctx, 2).filter((v) => v.t.kind === "int" && !(v.t.signed && v.t.bits >= 32));
        if (!lvs.length) return null;
        const lv = r.pick(lvs);
        return { k: "incdec", lv, op: r.pick(["++", "--"] as const), prefix: r.chance(0.5) };
      }
      case "if": {
        const c = this.condition(ctx, 2);
        const then = this.scoped(ctx, () => this.block(ctx, depth + 1));
        const els = r.chance(0.4) ? this.scoped(ctx, () => this.block(ctx, depth + 1)) : undefined;
        return { k: "if", c, then, else: els };
      }
      case "for": {
        const t = r.pick([I32, I32, I32, U32, I64, U64, U8, I16]);
        const n = this.tripCount(ctx);
        const down = r.chance(0.3);
        const step = BigInt(r.chance(0.8) ? 1 : r.range(2, 3));
        let from = 0n, to = n;
        if (t.signed && r.chance(0.3)) { from = -BigInt(r.range(0, 8)); to = from + n; }
        if (down) [from, to] = [to, from];
        const v = this.fresh("c");
        const range: [bigint, bigint] = down ? [to + 1n, from] : [from, to - 1n];
        const body = this.loopBody(ctx, depth, { name: v, t, writable: false, range: range[0] <= range[1] ? range : [from, from] });
        return { k: "for", v, t, from, to, step: down ? -step : step, body };
      }
      case "while":
      case "do": {
        const t = r.pick([I32, U32, U8, I64]);
        const n = this.tripCount(ctx);
        const v = this.fresh("w");
        const body = this.loopBody(ctx, depth, { name: v, t, writable: false, range: [1n, n > 0n ? n : 1n] });
        return { k: "while", v, t, n, doWhile: r.chance(0.5) ? false : true, body };
      }
      case "switch": {
        let e = this.intExpr(ctx, 2);
        if (tsLiteralish(e)) e = cast(promote(typeOf(e)), e); // TypeScript: a literal type would not be comparable to the cases
        const key = refKey(e);
        if (key !== undefined) {
          if (ctx.switched.has(key)) e = cast(promote(typeOf(e)), e); // one switch per reference (checkSwitchRefs)
          else ctx.switched.add(key);
        }
        const pt = promote(typeOf(e));
        const n = r.range(1, 5);
        const vals = new Set<bigint>();
        const cases: SwitchCase[] = [];
        const saved = ctx.inSwitch;
        ctx.inSwitch = true;
        const dflt = r.chance(0.6) ? r.int(n + 1) : -1;
        for (let i = 0; i < n; i++) {
          let v = BigInt(r.range(0, 8));
          if (pt.signed && r.chance(0.2)) v = -v;
          if (r.chance(0.1)) v = maxOf(pt);
          if (vals.has(v) || !fitsIn(v, pt)) continue;
          vals.add(v);
          cases.push({ v, body: this.scoped(ctx, () => this.block(ctx, depth + 1)), brk: r.chance(0.7) });
        }
        if (dflt >= 0) cases.splice(Math.min(dflt, cases.length), 0, { v: null, body: this.scoped(ctx, () => this.block(ctx, depth + 1)), brk: r.chance(0.7) });
        ctx.inSwitch = saved;
        if (!cases.length) return null;
        return { k: "switch", e, cases };
      }
      case "block": return { k: "block", body: this.scoped(ctx, () => this.block(ctx, depth + 1)) };
      case "brk": {
        const kinds = [...(ctx.loopDepth > 0 || ctx.inSwitch ? ["break"] : []), ...(ctx.loopDepth > 0 ? ["continue"] : [])];
        const jump: Stmt = { k: r.pick(kinds) as "break" | "continue" };
        return { k: "if", c: this.condition(ctx, 2), then: [jump] };
      }
      case "ret":
        return { k: "if", c: this.condition(ctx, 2), then: [{ k: "return", e: ctx.ret ? this.intExpr(ctx, 2) : null }] };
      case "call": {
        const h = r.pick(ctx.callees);
        const c = this.call(ctx, h, 2);
        if (c.k !== "call") return null;
        if (h.ret && r.chance(0.5)) {
          const lvs = this.writable(ctx, 0).filter((v) => v.t.kind === "int" && v.k !== "index");
          if (lvs.length) return { k: "assign", lv: r.pick(lvs), e: c };
        }
        return { k: "expr", e: c };
      }
    }
    return null;
  }

  private finalReturn(ctx: FnCtx, depth: number): Stmt {
    for (let i = 0; i < 5; i++) {
      const s: Stmt = { k: "return", e: ctx.ret ? this.intExpr(ctx, depth) : null };
      if (stmtOk(s)) return s;
    }
    return { k: "return", e: ctx.ret ? lit(0n) : null };
  }

  /** Iterations: ≤ 16, mostly few (the verifier walks every iteration), ≤ 4 in a nested loop. */
  private tripCount(ctx: FnCtx): bigint {
    const r = this.rng;
    if (ctx.loopDepth > 0 || ctx.inHelper) return BigInt(r.range(0, 3));
    return BigInt(r.chance(0.1) ? r.range(9, 16) : r.range(0, 7));
  }

  private loopBody(ctx: FnCtx, depth: number, counter: { name: string; t: Ty; writable: boolean; range: [bigint, bigint] }): Stmt[] {
    ctx.loopDepth++;
    const saved = ctx.inSwitch;
    const savedCallees = ctx.callees;
    ctx.inSwitch = false;
    // the verifier walks a callee at every call, in every iteration: no loops in helpers called from loops
    ctx.callees = ctx.callees.filter((h) => !hasLoop(h.body));
    try {
      return this.scoped(ctx, () => {
        this.top(ctx).vars.push(counter);
        return this.block(ctx, depth + 1);
      });
    } finally {
      ctx.loopDepth--;
      ctx.inSwitch = saved;
      ctx.callees = savedCallees;
    }
  }
}

function hasLoop(body: Stmt[]): boolean {
  let found = false;
  const visit = (ss: Stmt[]): void => {
    for (const s of ss) {
      if (s.k === "for" || s.k === "while") found = true;
      else if (s.k === "if") { visit(s.then); if (s.else) visit(s.else); }
      else if (s.k === "block") visit(s.body);
      else if (s.k === "switch") for (const c of s.cases) visit(c.body);
    }
  };
  visit(body);
  return found;
}

/** TypeScript (TS2872/TS2873) rejects a literal tested for truth: convert it to its own type. */
function truthy(e: Expr): Expr {
  return tsLiteralish(e) ? cast(promote(typeOf(e)), e) : e;
}

function stmtOk(s: Stmt): boolean {
  try {
    checkStmt(s);
    return true;
  } catch (x) {
    if (x instanceof Unsafe) return false;
    throw x;
  }
}

function sameExpr(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)) === JSON.stringify(b, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
}

// ---------------------------------------------------------------------------

export interface Generated { seed: number; program: Program; ts: string; c: string }

export function generate(seed: number, features: Features = FEATURES): Generated {
  const program = new Generator(seed, features).program();
  return { seed, program, ts: printTs(program), c: printC(program) };
}


/**
 * Whether a program stays within the feature families of `f`, for the
 * constructs a reducer can create by simplifying (a copy `let b = a` from
 * `let b = a + 1`, a bare bigint from `u64(5n)`, an integer operand of &&
 * from a comparison). Reduction must not drift into a disabled family.
 */
export function respectsFeatures(p: Program, f: Features): boolean {
  let ok = true;
  const visitStmts = (ss: Stmt[]): void => {
    for (const s of ss) {
      if (s.k === "decl" && !f.copyInit && s.init.k === "var") ok = false;
      if (s.k === "if") { visitStmts(s.then); if (s.else) visitStmts(s.else); }
      if (s.k === "for" || s.k === "while" || s.k === "block") visitStmts(s.body);
      if (s.k === "switch") for (const c of s.cases) visitStmts(c.body);
    }
  };
  visitStmts(p.main);
  for (const h of p.helpers) visitStmts(h.body);
  const visitExpr = (e: unknown, parentIsConv: boolean): void => {
    if (typeof e !== "object" || e === null) return;
    if (Array.isArray(e)) { for (const x of e) visitExpr(x, false); return; }
    const n = e as Expr;
    if (n.k === "lit" && (n.spell === "big" || n.spell === "bighex") && !f.bareBigint && !parentIsConv) ok = false;
    if (n.k === "bin" && (n.op === "&&" || n.op === "||") && !f.logicalOnInts && (!isBoolish(n.l) || !isBoolish(n.r))) ok = false;
    for (const [k, v] of Object.entries(n)) if (typeof v === "object" && k !== "t") visitExpr(v, n.k === "cast" && k === "e" && n.t.bits === 64);
  };
  visitExpr([p.main, p.helpers], false);
  return ok;
}

function isBoolish(e: Expr): boolean {
  try {
    return typeOf(e).kind === "bool";
  } catch {
    return false;
  }
}
