/**
 * Value ranges: the signed interval each vreg lies in on entry to each block
 * (narrow loads, zero/sign extensions, masks, shifts and small additions bound
 * values; branch edges narrow them), as the verifier tracks them. Used by
 * rangefold (branches the ranges decide) and thread (branches decided along a
 * path).
 *
 * An interval is the register's value read as a signed `w`-bit integer: ALU32
 * results are 32-bit values (the upper half zero), everything else 64-bit.
 */
import { def, INVERSE, SWAPPED, type Block, type CmpOp, type Insn, type IrFunction, type Operand, type Terminator, type VReg, type Width } from "../ir/ir.js";
import { reversePostorder } from "./util.js";

export interface Range { w: Width; lo: bigint; hi: bigint }

const min = (w: Width) => -(1n << BigInt(w - 1));
const max = (w: Width) => (1n << BigInt(w - 1)) - 1n;
export const top = (w: Width): Range => ({ w, lo: min(w), hi: max(w) });
const sw = (v: bigint, w: Width) => BigInt.asIntN(w, v);
const fits = (lo: bigint, hi: bigint, w: Width) => lo >= min(w) && hi <= max(w);

/** The same register value read at width `w`. */
export function at(r: Range, w: Width): Range {
  if (r.w === w) return r;
  if (w === 32) return fits(r.lo, r.hi, 32) ? { w, lo: r.lo, hi: r.hi } : top(32);
  // a 32-bit value in a 64-bit read: the upper half is zero
  if (r.lo >= 0n) return { w, lo: r.lo, hi: r.hi };
  if (r.hi < 0n) return { w, lo: r.lo + (1n << 32n), hi: r.hi + (1n << 32n) };
  return { w, lo: 0n, hi: (1n << 32n) - 1n };
}

function union(a: Range | undefined, b: Range): Range {
  if (!a) return b;
  const w: Width = a.w === 64 || b.w === 64 ? 64 : 32;
  const x = at(a, w), y = at(b, w);
  return { w, lo: x.lo < y.lo ? x.lo : y.lo, hi: x.hi > y.hi ? x.hi : y.hi };
}

const same = (a: Range | undefined, b: Range | undefined) => !!a && !!b && a.w === b.w && a.lo === b.lo && a.hi === b.hi;

/** The range an instruction's result lies in, given its inputs' (undefined: an input not known yet). */
function rangeOf(i: Insn, get: (v: VReg) => Range | undefined): Range | undefined {
  const opnd = (o: Operand, w: Width): Range | undefined => {
    if (o.kind === "imm") { const v = sw(o.value, w); return { w, lo: v, hi: v }; }
    const r = get(o.reg);
    return r && at(r, w);
  };
  switch (i.op) {
    case "mov": return opnd(i.src, i.w);
    case "load": {
      if (i.size === 8) return top(64);
      const bits = BigInt(8 * i.size);
      return i.signed ? { w: 64, lo: -(1n << (bits - 1n)), hi: (1n << (bits - 1n)) - 1n } : { w: 64, lo: 0n, hi: (1n << bits) - 1n };
    }
    case "zext": {
      if (i.from < 32) return { w: 64, lo: 0n, hi: (1n << BigInt(i.from)) - 1n };
      const s = get(i.src);
      return s && at({ ...at(s, 32) }, 64);
    }
    case "sext": {
      if (i.from < 32) return { w: i.w, lo: min(i.from as Width), hi: max(i.from as Width) };
      const s = get(i.src);
      return s && { ...at(s, 32), w: 64 };
    }
    case "alu": {
      const a = get(i.a);
      if (!a) return undefined;
      const x = at(a, i.w);
      if (i.b.kind !== "imm") {
        // the sum or difference of two ranges, when no pair of values wraps
        const y = opnd(i.b, i.w);
        if (!y || (i.alu !== "add" && i.alu !== "sub")) return y ? top(i.w) : undefined;
        const [lo, hi] = i.alu === "add" ? [x.lo + y.lo, x.hi + y.hi] : [x.lo - y.hi, x.hi - y.lo];
        return fits(lo, hi, i.w) ? { w: i.w, lo, hi } : top(i.w);
      }
      const c = sw(i.b.value, i.w);
      switch (i.alu) {
        case "and":
          if (c >= 0n) return { w: i.w, lo: 0n, hi: x.lo >= 0n && x.hi < c ? x.hi : c };
          return top(i.w);
        case "add": case "sub": {
          const d = i.alu === "add" ? c : -c;
          return fits(x.lo + d, x.hi + d, i.w) ? { w: i.w, lo: x.lo + d, hi: x.hi + d } : top(i.w);
        }
        case "mul": case "lsh": {
          // a non-negative value times a non-negative constant, when the product cannot wrap
          const k = i.alu === "mul" ? c : 1n << (BigInt.asUintN(6, c) & BigInt(i.w - 1));
          if (x.lo < 0n || k < 0n) return top(i.w);
          return fits(x.lo * k, x.hi * k, i.w) ? { w: i.w, lo: x.lo * k, hi: x.hi * k } : top(i.w);
        }
        case "rsh": {
          const k = BigInt.asUintN(6, c) & BigInt(i.w - 1);
          if (k === 0n) return x;
          if (x.lo >= 0n) return { w: i.w, lo: x.lo >> k, hi: x.hi >> k };
          return { w: i.w, lo: 0n, hi: ((1n << BigInt(i.w)) - 1n) >> k };
        }
        default: return top(i.w);
      }
    }
    case "neg": case "bswap": return top(i.op === "neg" ? i.w : 64);
    default: return top(64);
  }
}

export type State = Map<VReg, Range>;

const larger = (a: bigint, b: bigint) => (a > b ? a : b);
const smaller = (a: bigint, b: bigint) => (a < b ? a : b);

/**
 * What `a cmp b` holding says about a (both read at one width): a's narrowed
 * range, or null when no value of a satisfies it (the edge cannot be taken).
 */
function narrow(cmp: CmpOp, a: Range, b: Range): Range | null {
  let { lo, hi } = a;
  switch (cmp) {
    // unsigned: below a non-negative bound means in [0, bound); above one, a non-negative
    // value above it or a negative one (huge, unsigned), so only a non-negative a narrows
    case "lt": case "le":
      if (b.lo < 0n) return a;
      lo = larger(lo, 0n);
      hi = smaller(hi, cmp === "lt" ? b.hi - 1n : b.hi);
      break;
    case "gt": case "ge":
      if (a.lo < 0n || b.lo < 0n) return a;
      lo = larger(lo, cmp === "gt" ? b.lo + 1n : b.lo);
      break;
    case "slt": hi = smaller(hi, b.hi - 1n); break;
    case "sle": hi = smaller(hi, b.hi); break;
    case "sgt": lo = larger(lo, b.lo + 1n); break;
    case "sge": lo = larger(lo, b.lo); break;
    case "eq": lo = larger(lo, b.lo); hi = smaller(hi, b.hi); break;
    case "ne":
      if (b.lo === b.hi && b.lo === lo) lo += 1n;
      else if (b.lo === b.hi && b.lo === hi) hi -= 1n;
      break;
    default: return a;
  }
  return lo > hi ? null : { w: a.w, lo, hi };
}

/** A register's stored range narrowed through a view of it at the compare's width (unchanged when the view is not exact). */
function through(r: Range, view: Range): Range {
  if (r.w === view.w) return view;
  // a 64-bit register read at 32 bits: exact when it is a sign-extended or a zero-extended 32-bit value
  if (r.w === 64) return fits(r.lo, r.hi, 32) || (r.lo >= 0n && r.hi < 1n << 32n && view.lo >= 0n) ? { w: 64, lo: view.lo, hi: view.hi } : r;
  return view; // a 32-bit value read at 64 bits: the view is its value
}

/** The state along the edge from a block ending in `t` to `to`; null when the edge cannot be taken. */
export function refine(s: State, t: Terminator & { op: "br" }, to: number): State | null {
  if (t.then === t.else) return s;
  const cmp = to === t.then ? t.cmp : INVERSE[t.cmp];
  if (!cmp) return s;
  const ra = s.get(t.a) ?? top(64);
  const a = at(ra, t.w);
  const rb = t.b.kind === "reg" ? s.get(t.b.reg) ?? top(64) : undefined;
  const c = t.b.kind === "imm" ? sw(t.b.value, t.w) : 0n;
  const b = rb ? at(rb, t.w) : { w: t.w, lo: c, hi: c };
  const na = narrow(cmp, a, b);
  const nb = narrow(SWAPPED[cmp]!, b, a);
  if (!na || !nb) return null;
  const out = new Map(s);
  out.set(t.a, through(ra, na));
  if (rb && t.b.kind === "reg" && t.b.reg !== t.a) out.set(t.b.reg, through(rb, nb));
  return out;
}

/** Where a growing range may stop: the constants the function compares against, their neighbours, and the type limits. */
function thresholds(fn: IrFunction): bigint[] {
  const out = new Set<bigint>([min(32), max(32), min(64), max(64), 0n, (1n << 32n) - 1n]);
  for (const b of fn.blocks) {
    const t = b.term;
    if (t.op === "br" && t.b.kind === "imm") for (const d of [-1n, 0n, 1n]) out.add(sw(t.b.value, t.w) + d);
  }
  return [...out].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

/** `next` (which contains `prev`) widened to the nearest thresholds beyond where it grew. */
function widen(prev: Range, next: Range, ts: bigint[]): Range {
  const w = next.w;
  let { lo, hi } = next;
  const p = at(prev, w);
  if (hi > p.hi) hi = ts.find((t) => t >= hi && t <= max(w)) ?? max(w);
  if (lo < p.lo) lo = [...ts].reverse().find((t) => t <= lo && t >= min(w)) ?? min(w);
  return { w, lo, hi };
}

/** One instruction run over a state, in place. */
export function step(i: Insn, s: State): void {
  const d = def(i);
  if (d !== undefined) s.set(d, rangeOf(i, (v) => s.get(v) ?? top(64)) ?? top(64));
}

/** A block's instructions run over a state (a vreg with no range yet: anything). */
export function transfer(b: Block, s: State): State {
  const out = new Map(s);
  for (const i of b.insns) step(i, out);
  return out;
}

/**
 * The range of every vreg on entry to each block (undefined: the block cannot
 * run), by abstract interpretation as the verifier does it: along each branch
 * edge the compared registers narrow (`i < n` taken bounds i by n's range),
 * states meet at joins, and a range still growing after a few visits widens
 * to the next constant the function compares against — so a loop counter
 * settles at its loop's bound instead of its type's.
 */
export function blockRanges(fn: IrFunction): (State | undefined)[] {
  const ts = thresholds(fn);
  const entry: (State | undefined)[] = fn.blocks.map(() => undefined);
  const visits = fn.blocks.map(() => 0);
  entry[fn.entry] = new Map(fn.params.map((p) => [p, top(64)]));
  // visit in reverse postorder (a block after its forward predecessors): loops settle in few rounds
  const rank = fn.blocks.map(() => fn.blocks.length);
  reversePostorder(fn).forEach((id, k) => { rank[id] = k; });
  const work = new Set([fn.entry]);
  for (let steps = 0; work.size; steps++) {
    if (steps > 100 * fn.blocks.length + 1000) return fn.blocks.map(() => undefined); // did not settle: claim nothing
    let id = -1;
    for (const w of work) if (id < 0 || rank[w]! < rank[id]!) id = w;
    work.delete(id);
    const b = fn.blocks[id]!;
    const s = transfer(b, entry[id]!);
    const t = b.term;
    const edges: [number, State | null][] =
      t.op === "br" ? [[t.then, refine(s, t, t.then)], [t.else, refine(s, t, t.else)]] : t.op === "jmp" ? [[t.target, s]] : [];
    for (const [to, es] of edges) {
      if (!es) continue;
      const old = entry[to];
      let next = es;
      if (old) {
        next = new Map(old);
        let changed = false;
        for (const [v, r] of es) {
          const o = old.get(v);
          let u = union(o, r);
          if (o && same(at(o, u.w), u)) continue;
          if (o && visits[to]! > 3) u = widen(o, u, ts);
          next.set(v, u);
          changed = true;
        }
        if (!changed) continue;
      }
      entry[to] = next;
      visits[to]!++;
      work.add(to);
    }
  }
  return entry;
}

/** Whether `a cmp b` holds for every pair of values (true), none (false), or depends (undefined). */
export function decide(cmp: CmpOp, a: Range, b: Range): boolean | undefined {
  switch (cmp) {
    case "eq": return a.hi < b.lo || b.hi < a.lo ? false : a.lo === a.hi && b.lo === b.hi && a.lo === b.lo ? true : undefined;
    case "ne": { const e = decide("eq", a, b); return e === undefined ? undefined : !e; }
    case "set": return undefined;
    case "lt": case "le": case "gt": case "ge":
      // unsigned order is the signed order when both sides have the same sign
      if (!((a.lo >= 0n && b.lo >= 0n) || (a.hi < 0n && b.hi < 0n))) return undefined;
  }
  switch (cmp) {
    case "lt": case "slt": return a.hi < b.lo ? true : a.lo >= b.hi ? false : undefined;
    case "le": case "sle": return a.hi <= b.lo ? true : a.lo > b.hi ? false : undefined;
    case "gt": case "sgt": return a.lo > b.hi ? true : a.hi <= b.lo ? false : undefined;
    case "ge": case "sge": return a.lo >= b.hi ? true : a.hi < b.lo ? false : undefined;
  }
  return undefined;
}

/** Whether branch `t` is taken given the state `s` at the block's end (undefined: it depends). */
export function decideBranch(t: Terminator & { op: "br" }, s: State): boolean | undefined {
  const a = s.get(t.a) ?? top(64);
  const c = t.b.kind === "imm" ? sw(t.b.value, t.w) : 0n;
  const b = t.b.kind === "imm" ? { w: t.w, lo: c, hi: c } : s.get(t.b.reg) ?? top(64);
  return decide(t.cmp, at(a, t.w), at(b, t.w));
}
