// The differential fuzzer's program model: one AST, two printers (tsbpf
// TypeScript and C), and a static checker that proves a program free of C
// undefined behaviour.
//
// The checker is deliberately simple so that it is obviously right: every
// integer expression gets its C type (usual arithmetic conversions, integer
// promotion, C literal typing) and a conservative interval of the values it can
// take. Variables, fields and array elements get the whole range of their type
// (no flow analysis), loop counters the range their loop header allows, and
// literals their value. An operation whose interval says it could be undefined
// (signed overflow, shift count out of range, negative or overflowing signed
// left shift, division by zero, MIN / -1, out-of-bounds index) is rejected.
// The generator builds only expressions the checker accepts (wrapping signed
// arithmetic through the unsigned type where needed, masking shift counts,
// offsetting divisors), and the reducer re-checks every candidate.

// ---------------------------------------------------------------------------
// Types

export type IntName = "i8" | "u8" | "i16" | "u16" | "i32" | "u32" | "i64" | "u64";
export interface IntT { kind: "int"; name: IntName; bits: 8 | 16 | 32 | 64; signed: boolean }
export interface BoolT { kind: "bool" }
export type Ty = IntT | BoolT;

const mk = (name: IntName, bits: 8 | 16 | 32 | 64, signed: boolean): IntT => ({ kind: "int", name, bits, signed });
export const I8 = mk("i8", 8, true);
export const U8 = mk("u8", 8, false);
export const I16 = mk("i16", 16, true);
export const U16 = mk("u16", 16, false);
export const I32 = mk("i32", 32, true);
export const U32 = mk("u32", 32, false);
export const I64 = mk("i64", 64, true);
export const U64 = mk("u64", 64, false);
export const BOOL: BoolT = { kind: "bool" };
export const INTS: Record<IntName, IntT> = { i8: I8, u8: U8, i16: I16, u16: U16, i32: I32, u32: U32, i64: I64, u64: U64 };
export const ALL_INTS: IntT[] = [I8, U8, I16, U16, I32, U32, I64, U64];

/** The C spelling (the brief's preferred one: int/long for i32/i64). */
export const C_NAME: Record<IntName | "bool", string> = {
  i8: "__s8", u8: "__u8", i16: "__s16", u16: "__u16", i32: "int", u32: "__u32", i64: "long", u64: "__u64", bool: "_Bool",
};
export const tyName = (t: Ty): IntName | "bool" => (t.kind === "bool" ? "bool" : t.name);
export const cType = (t: Ty): string => C_NAME[tyName(t)];
export const sizeOfTy = (t: Ty): number => (t.kind === "bool" ? 1 : t.bits / 8);

export const minOf = (t: IntT): bigint => (t.signed ? -(1n << BigInt(t.bits - 1)) : 0n);
export const maxOf = (t: IntT): bigint => (t.signed ? (1n << BigInt(t.bits - 1)) - 1n : (1n << BigInt(t.bits)) - 1n);
export const wrapTo = (v: bigint, t: Ty): bigint =>
  t.kind === "bool" ? (v !== 0n ? 1n : 0n) : t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v);
export const fitsIn = (v: bigint, t: IntT): boolean => v >= minOf(t) && v <= maxOf(t);
export const unsignedOf = (t: IntT): IntT => INTS[("u" + t.bits) as IntName];

/** C integer promotion. */
export function promote(t: Ty): IntT {
  if (t.kind === "bool" || t.bits < 32) return I32;
  return t;
}
/** C usual arithmetic conversions (on promoted operands). */
export function usual(a: Ty, b: Ty): IntT {
  const pa = promote(a), pb = promote(b);
  if (pa.bits !== pb.bits) return pa.bits > pb.bits ? pa : pb;
  if (!pa.signed) return pa;
  return pb.signed ? pa : pb;
}

// ---------------------------------------------------------------------------
// AST

/** Literal spellings: decimal, hex, and bigint (`5n` in TypeScript, `5L`/`5UL` in C). */
export type Spell = "dec" | "hex" | "big" | "bighex";

export type BinOp =
  | "+" | "-" | "*" | "/" | "%" | "&" | "|" | "^" | "<<" | ">>"
  | "<" | "<=" | ">" | ">=" | "==" | "!=" | "&&" | "||";
export const ARITH_OPS: BinOp[] = ["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>"];
export const CMP_OPS: BinOp[] = ["<", "<=", ">", ">=", "==", "!="];
export type CompoundOp = "+" | "-" | "*" | "/" | "%" | "&" | "|" | "^" | "<<" | ">>";

export type LValue =
  | { k: "var"; name: string; t: Ty; range?: [bigint, bigint] }
  /** `base.field` (TS) / `base.field` or `base->field` (C, ptr) */
  | { k: "field"; base: string; ptr: boolean; field: string; t: IntT | BoolT }
  /** `base.field[idx]` or `base[idx]` (a stack array) */
  | { k: "index"; base: string; ptr: boolean; field?: string; len: number; idx: Expr; t: IntT };

export type Expr =
  | LValue
  /** non-negative literal; its C type follows from value and spelling */
  | { k: "lit"; v: bigint; spell: Spell }
  | { k: "un"; op: "-" | "~" | "!"; e: Expr }
  | { k: "bin"; op: BinOp; l: Expr; r: Expr }
  | { k: "cond"; c: Expr; a: Expr; b: Expr }
  | { k: "cast"; t: IntT; e: Expr }
  | { k: "call"; fn: string; args: Arg[]; ret: IntT | null }
  /** `v++` / `v--` used as a value (side effect inside an expression) */
  | { k: "post"; op: "++" | "--"; lv: LValue };

/** A call argument: a value, or a struct passed by reference (`s` in TS, `&s` / `p` in C). */
export type Arg = Expr | { k: "sref"; name: string; ptr: boolean };

export interface SwitchCase { v: bigint | null; body: Stmt[]; brk: boolean }

export type Stmt =
  | { k: "decl"; name: string; t: Ty; init: Expr }
  | { k: "sdecl"; name: string; st: string }
  | { k: "adecl"; name: string; elem: IntT; len: number }
  | { k: "assign"; lv: LValue; e: Expr }
  | { k: "compound"; lv: LValue; op: CompoundOp; e: Expr }
  | { k: "incdec"; lv: LValue; op: "++" | "--"; prefix: boolean }
  | { k: "expr"; e: Expr }
  | { k: "if"; c: Expr; then: Stmt[]; else?: Stmt[] }
  /** for (let v: t = from; v < to (v > to when down); v++ / v-- / v += step) */
  | { k: "for"; v: string; t: IntT; from: bigint; to: bigint; step: bigint; body: Stmt[] }
  /** let v: t = 0; while (v < n) { v++; body }   (doWhile: do { v++; body } while (v < n)) */
  | { k: "while"; v: string; t: IntT; n: bigint; doWhile: boolean; body: Stmt[] }
  | { k: "switch"; e: Expr; cases: SwitchCase[] }
  | { k: "block"; body: Stmt[] }
  | { k: "break" }
  | { k: "continue" }
  | { k: "return"; e: Expr | null };

export interface Field { name: string; t: IntT | BoolT; len?: number }
export interface StructDef { name: string; fields: Field[] }
export interface Global { name: string; t: Ty; init: bigint; spell: Spell }
export interface Param { name: string; t: IntT }
export interface StructParam { name: string; st: string }
export interface Helper {
  name: string;
  params: (Param | StructParam)[];
  ret: IntT | null;
  body: Stmt[];
  /** C: static __noinline (else static inline); tsbpf decides on its own. */
  noinline: boolean;
  /** Writes globals or through struct pointers: called only as a statement, never inside an expression. */
  effectful: boolean;
}
export interface Program {
  seed: number;
  globals: Global[];
  structs: StructDef[];
  helpers: Helper[];
  main: Stmt[];
}

export const isStructParam = (p: Param | StructParam): p is StructParam => "st" in p;

// ---------------------------------------------------------------------------
// Literal typing (C rules; tsbpf reads literals the same way)

export function litType(v: bigint, spell: Spell): IntT {
  const cands = spell === "dec" ? [I32, I64, U64] : spell === "hex" ? [I32, U32, I64, U64] : [I64, U64];
  const t = cands.find((c) => fitsIn(v, c));
  if (!t) throw new Unsafe(`literal ${v} does not fit any type`);
  return t;
}

// ---------------------------------------------------------------------------
// Checker: types and value intervals

export class Unsafe extends Error {}

export interface Info { t: Ty; lo: bigint; hi: bigint }

const full = (t: Ty): Info => (t.kind === "bool" ? { t, lo: 0n, hi: 1n } : { t, lo: minOf(t), hi: maxOf(t) });

/** C conversion of a value interval to type t (a value that doesn't fit may wrap anywhere). */
function convert(i: Info, t: Ty): Info {
  if (t.kind === "bool") return { t, lo: i.lo > 0n || i.hi < 0n ? 1n : 0n, hi: i.lo === 0n && i.hi === 0n ? 0n : 1n };
  if (i.lo >= minOf(t) && i.hi <= maxOf(t)) return { t, lo: i.lo, hi: i.hi };
  if (i.lo === i.hi) { const v = wrapTo(i.lo, t); return { t, lo: v, hi: v }; }
  return full(t);
}

const bitCeil = (v: bigint): bigint => { let m = 0n; while (m < v) m = m * 2n + 1n; return m; };
const minB = (...xs: bigint[]) => xs.reduce((a, b) => (b < a ? b : a));
const maxB = (...xs: bigint[]) => xs.reduce((a, b) => (b > a ? b : a));
const tdiv = (a: bigint, b: bigint) => a / b; // BigInt division truncates, like C

export interface CheckEnv {
  /** Struct/array lookups are not needed: nodes carry their types. */
  readonly dummy?: never;
}

/** The C type and value interval of `e`; throws Unsafe if C could hit undefined behaviour. */
export function analyze(e: Expr | Arg): Info {
  switch (e.k) {
    case "lit": {
      const t = litType(e.v, e.spell);
      return { t, lo: e.v, hi: e.v };
    }
    case "var":
      if (e.range) return { t: e.t, lo: e.range[0], hi: e.range[1] };
      return full(e.t);
    case "field":
      return full(e.t);
    case "index": {
      const i = analyze(e.idx);
      if (i.t.kind === "bool" || i.lo < 0n || i.hi >= BigInt(e.len)) throw new Unsafe(`index [${i.lo}, ${i.hi}] out of [0, ${e.len})`);
      return full(e.t);
    }
    case "sref":
      throw new Unsafe("struct reference used as a value");
    case "post": {
      const t = e.lv.t;
      if (t.kind === "bool") throw new Unsafe("++ on bool");
      analyze(e.lv);
      if (t.signed && t.bits >= 32) throw new Unsafe("++/-- on a wide signed value may overflow");
      return full(t);
    }
    case "call":
      for (const a of e.args) if (a.k !== "sref") analyze(a);
      if (!e.ret) throw new Unsafe("void call used as a value");
      return full(e.ret);
    case "cast":
      return convert(analyze(e.e), e.t);
    case "cond": {
      truthTest(e.c);
      const a = analyze(e.a), b = analyze(e.b);
      if (a.t.kind === "bool" || b.t.kind === "bool") throw new Unsafe("bool arm of ?: (TypeScript would not accept it in arithmetic)");
      const t = usual(a.t, b.t);
      const ca = convert(a, t), cb = convert(b, t);
      return { t, lo: minB(ca.lo, cb.lo), hi: maxB(ca.hi, cb.hi) };
    }
    case "un": {
      const i = e.op === "!" ? truthTest(e.e) : analyze(e.e);
      if (e.op === "!") return { t: BOOL, lo: 0n, hi: 1n };
      if (i.t.kind === "bool") throw new Unsafe("arithmetic on bool");
      const t = promote(i.t);
      const c = convert(i, t);
      if (e.op === "~") return t.signed ? { t, lo: -c.hi - 1n, hi: -c.lo - 1n } : { t, lo: maxOf(t) - c.hi, hi: maxOf(t) - c.lo };
      // unary minus
      if (t.signed) {
        if (c.lo === minOf(t)) throw new Unsafe("-MIN overflows");
        return { t, lo: -c.hi, hi: -c.lo };
      }
      return c.lo === 0n && c.hi === 0n ? c : c.lo === c.hi ? { t, lo: wrapTo(-c.lo, t), hi: wrapTo(-c.lo, t) } : full(t);
    }
    case "bin":
      if (e.op === "&&" || e.op === "||") return analyzeBin(e.op, truthTest(e.l), truthTest(e.r));
      if (CMP_OPS.includes(e.op) && tsLiteralish(e.l) && tsLiteralish(e.r)) throw new Unsafe("two literals compared (TypeScript error TS2367)");
      if ((e.op === "==" || e.op === "!=") && ((isRef(e.l) && tsLiteralish(e.r)) || (isRef(e.r) && tsLiteralish(e.l)))) {
        // TypeScript narrows a reference compared with a literal (and inside `case 5:`), and then
        // calls a later `x === 0` impossible (TS2367): such literals are printed as conversions
        throw new Unsafe("a reference compared for equality with a literal (TypeScript narrowing, TS2367)");
      }
      return analyzeBin(e.op, analyze(e.l), analyze(e.r));
  }
}

/** An expression tested for truth: TypeScript rejects literals there (TS2872 "always truthy"). */
export function truthTest(e: Expr): Info {
  if (tsLiteralish(e)) throw new Unsafe("a literal tested for truth (TypeScript error TS2872/TS2873)");
  return analyze(e);
}

export function analyzeBin(op: BinOp, l: Info, r: Info): Info {
  if (op === "&&" || op === "||") return { t: BOOL, lo: 0n, hi: 1n };
  if (l.t.kind === "bool" || r.t.kind === "bool") throw new Unsafe(`bool operand of ${op} (TypeScript rejects arithmetic on booleans)`);
  if (CMP_OPS.includes(op)) {
    const t = usual(l.t, r.t);
    convert(l, t); convert(r, t);
    return { t: BOOL, lo: 0n, hi: 1n };
  }
  if (op === "<<" || op === ">>") {
    const t = promote(l.t);
    const a = convert(l, t);
    const c = convert(r, promote(r.t));
    if (c.lo < 0n || c.hi >= BigInt(t.bits)) throw new Unsafe(`shift count [${c.lo}, ${c.hi}] out of [0, ${t.bits})`);
    if (op === ">>") {
      const xs = [a.lo >> c.lo, a.lo >> c.hi, a.hi >> c.lo, a.hi >> c.hi];
      return { t, lo: minB(...xs), hi: maxB(...xs) };
    }
    if (a.lo < 0n) {
      if (t.signed) throw new Unsafe("left shift of a negative value");
    }
    const hi = a.hi << c.hi;
    if (hi > maxOf(t)) {
      if (t.signed) throw new Unsafe("signed left shift overflows");
      return full(t);
    }
    return { t, lo: a.lo << c.lo, hi };
  }
  const t = usual(l.t, r.t);
  const a = convert(l, t), b = convert(r, t);
  const wrapOrFail = (lo: bigint, hi: bigint): Info => {
    if (lo >= minOf(t) && hi <= maxOf(t)) return { t, lo, hi };
    if (t.signed) throw new Unsafe(`signed ${op} overflows: [${lo}, ${hi}] not in ${t.name}`);
    if (lo === hi) { const v = wrapTo(lo, t); return { t, lo: v, hi: v }; }
    return full(t);
  };
  switch (op) {
    case "+": return wrapOrFail(a.lo + b.lo, a.hi + b.hi);
    case "-": return wrapOrFail(a.lo - b.hi, a.hi - b.lo);
    case "*": {
      const xs = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
      return wrapOrFail(minB(...xs), maxB(...xs));
    }
    case "/":
    case "%": {
      if (b.lo <= 0n && b.hi >= 0n) throw new Unsafe(`divisor [${b.lo}, ${b.hi}] may be zero`);
      if (t.signed && a.lo === minOf(t) && b.lo <= -1n && b.hi >= -1n) throw new Unsafe("MIN / -1 overflows");
      if (op === "/") {
        const xs = [tdiv(a.lo, b.lo), tdiv(a.lo, b.hi), tdiv(a.hi, b.lo), tdiv(a.hi, b.hi)];
        return { t, lo: minB(...xs), hi: maxB(...xs) };
      }
      const m = maxB(b.lo < 0n ? -b.lo : b.lo, b.hi < 0n ? -b.hi : b.hi) - 1n;
      const lo = a.lo < 0n ? maxB(a.lo, -m) : 0n;
      const hi = a.hi > 0n ? minB(a.hi, m) : 0n;
      return { t, lo, hi };
    }
    case "&":
      if (a.lo >= 0n && b.lo >= 0n) return { t, lo: 0n, hi: minB(a.hi, b.hi) };
      if (a.lo >= 0n) return { t, lo: 0n, hi: a.hi };
      if (b.lo >= 0n) return { t, lo: 0n, hi: b.hi };
      return full(t);
    case "|":
    case "^":
      if (a.lo >= 0n && b.lo >= 0n) return { t, lo: op === "|" ? maxB(a.lo, b.lo) : 0n, hi: bitCeil(maxB(a.hi, b.hi)) };
      return full(t);
  }
  throw new Error(`unknown operator ${op}`);
}

/** The type of an expression (no safety requirement). */
export function typeOf(e: Expr): Ty {
  return analyze(e).t;
}

/** An lvalue's type. */
export const lvType = (lv: LValue): Ty => lv.t;

// ---------------------------------------------------------------------------
// Whole-program check: every expression is UB-free, and statements respect the
// rules the printers rely on (assignments convertible, ++ only where it cannot
// overflow, conditions of the right kind).

export function checkStmt(s: Stmt): void {
  checkSideEffects(fullExprs(s));
  switch (s.k) {
    case "decl": checkAssignable(s.t, s.init); return;
    case "sdecl": case "adecl": case "break": case "continue": return;
    case "assign": analyzeLv(s.lv); checkAssignable(s.lv.t, s.e); return;
    case "compound": {
      const lt = s.lv.t;
      if (lt.kind === "bool") throw new Unsafe("compound assignment to bool");
      analyzeLv(s.lv);
      const v = analyzeBin(s.op, full(lt), analyze(s.e));
      if (v.t.kind === "bool") throw new Unsafe("bool result of compound assignment");
      return;
    }
    case "incdec": {
      const t = s.lv.t;
      if (t.kind === "bool") throw new Unsafe("++ on bool");
      analyzeLv(s.lv);
      if (t.signed && t.bits >= 32) throw new Unsafe("++/-- on a wide signed lvalue may overflow");
      return;
    }
    case "expr": analyze(s.e); return;
    case "if": truthTest(s.c); s.then.forEach(checkStmt); s.else?.forEach(checkStmt); return;
    case "for": {
      if (!fitsIn(s.from, s.t) || !fitsIn(s.to, s.t)) throw new Unsafe("loop bounds outside the counter's type");
      if (s.step === 0n) throw new Unsafe("zero step");
      // the counter stays within [from, to] (± step), which must fit the type
      if (s.step > 0n ? !fitsIn(s.to - 1n + s.step, s.t) : !fitsIn(s.to + 1n + s.step, s.t)) throw new Unsafe("loop counter overflows");
      s.body.forEach(checkStmt);
      return;
    }
    case "while":
      if (!fitsIn(s.n, s.t)) throw new Unsafe("loop bound outside the counter's type");
      s.body.forEach(checkStmt);
      return;
    case "switch": {
      if (tsLiteralish(s.e)) throw new Unsafe("switch on a literal (TypeScript: cases not comparable)");
      const d = analyze(s.e);
      if (d.t.kind === "bool") throw new Unsafe("switch on bool");
      const pt = promote(d.t);
      const seen = new Set<bigint>();
      for (const c of s.cases) {
        if (c.v !== null) {
          if (!fitsIn(c.v, pt)) throw new Unsafe("case label outside the switch type");
          if (seen.has(c.v)) throw new Unsafe("duplicate case label");
          seen.add(c.v);
        }
        c.body.forEach(checkStmt);
      }
      if (s.cases.filter((c) => c.v === null).length > 1) throw new Unsafe("two defaults");
      return;
    }
    case "block": s.body.forEach(checkStmt); return;
    case "return": if (s.e) analyze(s.e); return;
  }
}

/** The full expressions of a statement (not those of nested statements). */
export function fullExprs(s: Stmt): unknown[] {
  switch (s.k) {
    case "decl": return [s.init];
    case "assign": case "compound": return [s.lv, s.e];
    case "incdec": return [s.lv];
    case "expr": return [s.e];
    case "if": return [s.c];
    case "switch": return [s.e];
    case "return": return s.e ? [s.e] : [];
    default: return [];
  }
}

export function walkExpr(e: unknown, fn: (n: Expr | Arg) => void): void {
  if (typeof e !== "object" || e === null) return;
  if (Array.isArray(e)) { for (const x of e) walkExpr(x, fn); return; }
  if ("k" in (e as object)) fn(e as Expr);
  for (const v of Object.values(e as object)) if (typeof v === "object") walkExpr(v, fn);
}

const rootName = (n: Expr | Arg): string | undefined =>
  n.k === "var" ? n.name : n.k === "field" || n.k === "index" ? n.base : n.k === "sref" ? n.name : undefined;

/**
 * C leaves the order of evaluation inside a full expression unspecified, and a
 * variable modified and also read there without a sequence point is undefined:
 * a `v++` inside an expression is allowed only when v occurs nowhere else in
 * the statement's full expression and the expression calls no function.
 */
function checkSideEffects(parts: unknown[]): void {
  const posts: string[] = [];
  let calls = 0;
  walkExpr(parts, (n) => {
    if (n.k === "post") posts.push(n.lv.k === "var" ? n.lv.name : n.lv.base);
    if (n.k === "call") calls++;
  });
  if (!posts.length) return;
  if (posts.length > 1) throw new Unsafe("two side effects in one full expression");
  if (calls) throw new Unsafe("a side effect and a call in one full expression");
  let uses = 0;
  walkExpr(parts, (n) => { if (n.k !== "post" && rootName(n) === posts[0]) uses++; });
  if (uses !== 1) throw new Unsafe(`'${posts[0]}' is modified and used in one full expression`);
}

function analyzeLv(lv: LValue): void {
  if (lv.k === "index") analyze(lv);
}

/** `to x = e` is fine in C; the printers add an explicit conversion where tsbpf needs one. */
function checkAssignable(t: Ty, e: Expr): void {
  const i = analyze(e);
  if (t.kind === "bool" && (i.t.kind !== "bool" || !tsBoolean(e))) throw new Unsafe("a non-boolean assigned to bool (TypeScript: TS2322)");
}

/** Whether TypeScript types `e` as boolean (`x && y` on numbers is `number | boolean`, usable only where truth is tested). */
export function tsBoolean(e: Expr): boolean {
  if (e.k === "bin" && (e.op === "&&" || e.op === "||")) return tsBoolean(e.l) && tsBoolean(e.r);
  if (e.k === "bin") return CMP_OPS.includes(e.op);
  if (e.k === "un") return e.op === "!";
  if (e.k === "var" || e.k === "field") return e.t.kind === "bool";
  return false;
}

export function checkProgram(p: Program): void {
  for (const g of p.globals) {
    if (g.t.kind === "int" && !fitsIn(g.init, g.t) && !fitsIn(wrapTo(g.init, g.t), g.t)) throw new Unsafe("bad global init");
  }
  for (const h of p.helpers) {
    h.body.forEach(checkStmt);
    checkSwitchRefs(h.body);
  }
  p.main.forEach(checkStmt);
  checkSwitchRefs(p.main);
}

/** TypeScript's key for a reference (same key: same narrowing). */
export function refKey(e: Expr): string | undefined {
  return isRef(e) ? printExpr(e, "ts") : undefined;
}

/**
 * `switch (x)` narrows x to the case's literal inside the case, and past the
 * switch when a case leaves by return/continue; a second `switch (x)` there
 * would have cases TypeScript calls not comparable. One switch per reference
 * per function keeps clear of that (the generator converts the discriminant).
 */
function checkSwitchRefs(body: Stmt[]): void {
  const seen = new Set<string>();
  const visit = (ss: Stmt[]): void => {
    for (const s of ss) {
      switch (s.k) {
        case "switch": {
          const key = refKey(s.e);
          if (key !== undefined) {
            if (seen.has(key)) throw new Unsafe(`two switches on '${key}' in one function (TypeScript narrowing)`);
            seen.add(key);
          }
          for (const c of s.cases) visit(c.body);
          break;
        }
        case "if": visit(s.then); if (s.else) visit(s.else); break;
        case "for": case "while": case "block": visit(s.body); break;
        default: break;
      }
    }
  };
  visit(body);
}

// ---------------------------------------------------------------------------
// Printers

/** A reference TypeScript can narrow (identifier, property or element access). */
export function isRef(e: Expr): boolean {
  return e.k === "var" || e.k === "field" || e.k === "index";
}

/** Whether TypeScript gives the expression a literal type (comparing two of those may be a TS2367 error). */
export function tsLiteralish(e: Expr): boolean {
  if (e.k === "lit") return true;
  if (e.k === "un" && e.op === "-" && e.e.k === "lit") return true;
  if (e.k === "cond") return tsLiteralish(e.a) && tsLiteralish(e.b);
  return false;
}

function litText(v: bigint, spell: Spell, lang: "ts" | "c"): string {
  const hex = "0x" + v.toString(16);
  switch (spell) {
    case "dec": return v.toString();
    case "hex": return hex;
    case "big": return lang === "ts" ? `${v}n` : fitsIn(v, I64) ? `${v}L` : `${v}UL`;
    case "bighex": return lang === "ts" ? `${hex}n` : fitsIn(v, I64) ? `${hex}L` : `${hex}UL`;
  }
}

const TS_OP: Partial<Record<BinOp, string>> = { "==": "===", "!=": "!==" };

export function printExpr(e: Expr | Arg, lang: "ts" | "c"): string {
  const p = (x: Expr | Arg) => printExpr(x, lang);
  switch (e.k) {
    case "lit": return litText(e.v, e.spell, lang);
    case "var": return e.name;
    case "field": return lang === "c" && e.ptr ? `${e.base}->${e.field}` : `${e.base}.${e.field}`;
    case "index": {
      const base = e.field === undefined ? e.base : lang === "c" && e.ptr ? `${e.base}->${e.field}` : `${e.base}.${e.field}`;
      // C: a computed index goes through IDX() (an empty asm), so that clang cannot turn
      // `fp + idx` into `fp | idx` (pointer arithmetic the verifier refuses)
      if (lang === "ts" || e.idx.k === "lit") return `${base}[${p(e.idx)}]`;
      const i = e.idx;
      if (i.k === "bin" && i.op === "&" && i.r.k === "lit") return `${base}[IDX(${p(i.l)}, ${p(i.r)})]`;
      return `${base}[IDX(${p(i)}, -1UL)]`;
    }
    case "sref": return lang === "c" && !e.ptr ? `&${e.name}` : e.name;
    case "un": return `(${e.op}${p(e.e)})`;
    case "bin": {
      const l = p(e.l), r = p(e.r);
      // TypeScript reads `a < b > (c)` as a generic call a<b>(c): never print `> (`;
      // `a > (…)` is printed as `(…) < a` — in C too, to keep the two texts parallel
      if (e.op === ">" && r.startsWith("(")) return `(${r} < ${l})`;
      // C: a 64-bit quotient goes through DIV64() (an empty asm), else clang may fold
      // `C / x < y` into a 128-bit multiply the BPF backend cannot compile (__multi3)
      if (lang === "c" && e.op === "/" && (typeOf(e) as IntT).bits === 64) return `DIV64(${l}, ${r})`;
      return `(${l} ${lang === "ts" ? (TS_OP[e.op] ?? e.op) : e.op} ${r})`;
    }
    case "cond": return `(${p(e.c)} ? ${p(e.a)} : ${p(e.b)})`;
    case "cast": return lang === "ts" ? `${e.t.name}(${p(e.e)})` : `((${cType(e.t)})${p(e.e)})`;
    case "call": return `${e.fn}(${e.args.map(p).join(", ")})`;
    case "post": return `${p(e.lv)}${e.op}`;
  }
}

/**
 * `e` as a value of type `t` in an assignment/initialiser/argument/return:
 * C converts implicitly; tsbpf needs an explicit conversion when narrowing
 * (and TypeScript when a boolean becomes a number), so one is printed — in
 * both languages, so that the two programs stay textually parallel.
 */
export function convertFor(t: Ty, e: Expr): Expr {
  if (t.kind === "bool") return e;
  const et = typeOf(e);
  if (et.kind === "bool") return { k: "cast", t, e };
  if (e.k === "lit") return e; // a literal converts exactly as C does
  if (e.k === "un" && e.op === "-" && e.e.k === "lit") return e;
  if (et.bits > t.bits) return { k: "cast", t, e };
  return e;
}

interface Printer { lines: string[]; ind: number }
const emit = (pr: Printer, s: string) => pr.lines.push("  ".repeat(pr.ind) + s);

function printBlock(pr: Printer, body: Stmt[], lang: "ts" | "c"): void {
  pr.ind++;
  for (const s of body) printStmt(pr, s, lang);
  pr.ind--;
}

function printStmt(pr: Printer, s: Stmt, lang: "ts" | "c"): void {
  const x = (e: Expr | Arg) => printExpr(e, lang);
  switch (s.k) {
    case "decl":
      emit(pr, lang === "ts" ? `let ${s.name}: ${tyName(s.t)} = ${x(convertFor(s.t, s.init))};` : `${cType(s.t)} ${s.name} = ${x(convertFor(s.t, s.init))};`);
      return;
    case "sdecl":
      emit(pr, lang === "ts" ? `const ${s.name} = zeroed<${s.st}>();` : `struct ${s.st} ${s.name} = {};`);
      return;
    case "adecl":
      emit(pr, lang === "ts" ? `const ${s.name} = zeroed<FixedArray<${s.elem.name}, ${s.len}>>();` : `${cType(s.elem)} ${s.name}[${s.len}] = {};`);
      return;
    case "assign":
      emit(pr, `${x(s.lv)} = ${x(convertFor(s.lv.t, s.e))};`);
      return;
    case "compound":
      emit(pr, `${x(s.lv)} ${s.op}= ${x(s.e)};`);
      return;
    case "incdec":
      emit(pr, s.prefix ? `${s.op}${x(s.lv)};` : `${x(s.lv)}${s.op};`);
      return;
    case "expr":
      emit(pr, `${x(s.e)};`);
      return;
    case "if":
      emit(pr, `if (${x(s.c)}) {`);
      printBlock(pr, s.then, lang);
      if (s.else) {
        emit(pr, "} else {");
        printBlock(pr, s.else, lang);
      }
      emit(pr, "}");
      return;
    case "for": {
      const init = lang === "ts" ? `let ${s.v}: ${s.t.name} = ${s.from}` : `${cType(s.t)} ${s.v} = ${s.from}`;
      const cond = s.step > 0n ? `${s.v} < ${s.to}` : `${s.v} > ${s.to}`;
      const step = s.step === 1n ? `${s.v}++` : s.step === -1n ? `${s.v}--` : s.step > 0n ? `${s.v} += ${s.step}` : `${s.v} -= ${-s.step}`;
      emit(pr, `for (${init}; ${cond}; ${step}) {`);
      printBlock(pr, s.body, lang);
      emit(pr, "}");
      return;
    }
    case "while": {
      emit(pr, lang === "ts" ? `let ${s.v}: ${s.t.name} = 0;` : `${cType(s.t)} ${s.v} = 0;`);
      emit(pr, s.doWhile ? "do {" : `while (${s.v} < ${s.n}) {`);
      pr.ind++;
      emit(pr, `${s.v}++;`);
      pr.ind--;
      printBlock(pr, s.body, lang);
      emit(pr, s.doWhile ? `} while (${s.v} < ${s.n});` : "}");
      return;
    }
    case "switch":
      emit(pr, `switch (${x(s.e)}) {`);
      pr.ind++;
      for (const c of s.cases) {
        const label = c.v === null ? "default" : c.v > 0x7fffffffn ? `case 0x${c.v.toString(16)}` : c.v < -0x7fffffffn ? `case -0x${(-c.v).toString(16)}` : `case ${c.v}`;
        emit(pr, `${label}: {`);
        printBlock(pr, c.body, lang);
        if (c.brk) {
          pr.ind++;
          emit(pr, "break;");
          pr.ind--;
        }
        emit(pr, "}");
      }
      pr.ind--;
      emit(pr, "}");
      return;
    case "block":
      emit(pr, "{");
      printBlock(pr, s.body, lang);
      emit(pr, "}");
      return;
    case "break":
    case "continue":
      emit(pr, `${s.k};`);
      return;
    case "return":
      emit(pr, s.e ? `return ${x(s.e)};` : "return;");
      return;
  }
}

/** `return e` in a function returning `t` (conversion printed as for assignments). */
export function withReturnConversions(body: Stmt[], t: IntT | null): Stmt[] {
  const fix = (ss: Stmt[]): Stmt[] => ss.map((s): Stmt => {
    switch (s.k) {
      case "return": return s.e && t ? { ...s, e: convertFor(t, s.e) } : s;
      case "if": return { ...s, then: fix(s.then), else: s.else && fix(s.else) };
      case "for": case "while": case "block": return { ...s, body: fix(s.body) };
      case "switch": return { ...s, cases: s.cases.map((c) => ({ ...c, body: fix(c.body) })) };
      default: return s;
    }
  });
  return fix(body);
}

/** Call arguments converted to the parameter types (as C does implicitly). */
function fixCalls<T>(node: T, helpers: Map<string, Helper>): T {
  const walk = (n: any): any => {
    if (typeof n !== "object" || n === null || typeof n === "bigint") return n;
    if (Array.isArray(n)) return n.map(walk);
    const out: any = {};
    for (const [k, v] of Object.entries(n)) out[k] = walk(v);
    if (out.k === "call") {
      const h = helpers.get(out.fn);
      if (h) out.args = out.args.map((a: Arg, i: number) => {
        const p = h.params[i];
        return p && !isStructParam(p) && a.k !== "sref" ? convertFor(p.t, a) : a;
      });
    }
    return out;
  };
  return walk(node);
}

const globalInitText = (g: Global, lang: "ts" | "c"): string => {
  if (g.t.kind === "bool") return lang === "ts" ? (g.init ? "true" : "false") : g.init ? "1" : "0";
  return g.init < 0n ? `-${litText(-g.init, g.spell, lang)}` : litText(g.init, g.spell, lang);
};

export function printTs(p0: Program): string {
  const hm = new Map(p0.helpers.map((h) => [h.name, h]));
  const p = fixCalls(p0, hm);
  const out: string[] = [];
  out.push(`// tsbpf differential fuzzer, seed ${p.seed}`);
  out.push(`import { license, syscall, zeroed, i8, u8, i16, u16, i32, u32, i64, u64, type bool, type FixedArray } from "tsbpf";`);
  out.push("");
  out.push(`license("GPL");`);
  out.push("");
  for (const s of p.structs) {
    out.push(`interface ${s.name} {`);
    for (const f of s.fields) out.push(`  ${f.name}: ${f.len ? `FixedArray<${tyName(f.t)}, ${f.len}>` : tyName(f.t)};`);
    out.push("}");
  }
  if (p.structs.length) out.push("");
  for (const g of p.globals) out.push(`export let ${g.name}: ${tyName(g.t)} = ${globalInitText(g, "ts")};`);
  if (p.globals.length) out.push("");
  for (const h of p.helpers) {
    const params = h.params.map((q) => `${q.name}: ${isStructParam(q) ? q.st : q.t.name}`).join(", ");
    out.push(`function ${h.name}(${params}): ${h.ret ? h.ret.name : "void"} {`);
    const pr: Printer = { lines: out, ind: 0 };
    printBlock(pr, withReturnConversions(h.body, h.ret), "ts");
    out.push("}");
    out.push("");
  }
  out.push("export const prog = syscall((ctx): i64 => {");
  printBlock({ lines: out, ind: 0 }, withReturnConversions(p.main, I64), "ts");
  out.push("});");
  return out.join("\n") + "\n";
}

export const C_PRELUDE = `typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long __u64;
#define SEC(name) __attribute__((section(name), used))
/* "used": clang must keep the return value even where every caller ignores it
   (else r0 may hold a stale stack pointer at exit, which the verifier refuses) */
#define __noinline __attribute__((noinline, used))
/*
 * IDX(e, m) is e & m as an array index. The empty asm statements keep clang from
 * knowing the bits of e (so the mask is always emitted, and the verifier sees the
 * bound) and of the result (so that base + index stays an add, not an or, which
 * the verifier refuses on pointers). The value is exactly (unsigned long)(e & m).
 */
#define IDX(e, m) ({ unsigned long __i = (e); asm volatile("" : "+r"(__i)); __i &= (m); asm volatile("" : "+r"(__i)); __i; })
/* DIV64(a, b) is a / b for 64-bit operands, its value hidden from clang's folds of the quotient */
#define DIV64(a, b) ({ __typeof__((a) / (b)) __q = (a) / (b); asm volatile("" : "+r"(__q)); __q; })
`;

export function printC(p0: Program, opts: { hostMain?: boolean } = {}): string {
  const hm = new Map(p0.helpers.map((h) => [h.name, h]));
  const p = fixCalls(p0, hm);
  const out: string[] = [];
  out.push(`// tsbpf differential fuzzer, seed ${p.seed}`);
  out.push(C_PRELUDE);
  out.push(`char LICENSE[] SEC("license") = "GPL";`);
  out.push("");
  for (const s of p.structs) {
    out.push(`struct ${s.name} {`);
    for (const f of s.fields) out.push(`  ${cType(f.t)} ${f.name}${f.len ? `[${f.len}]` : ""};`);
    out.push("};");
  }
  if (p.structs.length) out.push("");
  for (const g of p.globals) out.push(`${cType(g.t)} ${g.name} = ${globalInitText(g, "c")};`);
  if (p.globals.length) out.push("");
  for (const h of p.helpers) {
    const params = h.params.map((q) => (isStructParam(q) ? `struct ${q.st} *${q.name}` : `${cType(q.t)} ${q.name}`)).join(", ");
    out.push(`static ${h.noinline ? "__noinline" : "inline"} ${h.ret ? cType(h.ret) : "void"} ${h.name}(${params || "void"}) {`);
    printBlock({ lines: out, ind: 0 }, withReturnConversions(h.body, h.ret), "c");
    out.push("}");
    out.push("");
  }
  out.push(`SEC("syscall") long prog(void *ctx) {`);
  printBlock({ lines: out, ind: 0 }, withReturnConversions(p.main, I64), "c");
  out.push("}");
  if (opts.hostMain) {
    // For the generator's self-check: the same C, natively, under UBSan.
    out.push("");
    out.push("int printf(const char *, ...);");
    out.push("int main(void) {");
    out.push("  long r = prog(0);");
    out.push(`  printf("ret %ld\\n", r);`);
    for (const g of p.globals) {
      const t = g.t;
      const fmt = t.kind === "bool" ? "%d" : t.bits === 64 ? (t.signed ? "%ld" : "%lu") : t.signed ? "%d" : "%u";
      out.push(`  printf("${g.name} ${fmt}\\n", ${g.name});`);
    }
    out.push("  return 0;");
    out.push("}");
  }
  return out.join("\n") + "\n";
}
