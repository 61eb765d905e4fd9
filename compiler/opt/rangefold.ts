/**
 * Branch folding by value ranges. Every vreg gets a signed interval, over all
 * of its definitions (narrow loads, zero/sign extensions, masks, shifts and
 * small additions bound it), and a comparison that the intervals decide
 * becomes a jump — `i8 + 0x80000000 == 0` can never hold. clang folds these
 * through LLVM's value tracking. For the verifier it matters more than for
 * size: a branch it can decide only for known values makes those values
 * precise, and precise values that differ between paths stop state pruning.
 *
 * An interval is the register's value read as a signed `w`-bit integer: ALU32
 * results are 32-bit values (the upper half zero), everything else 64-bit.
 */
import { successors, type CmpOp, type Insn, type IrFunction, type Operand, type VReg, type Width } from "../ir/ir.js";
import { defUse } from "./util.js";

export interface Range { w: Width; lo: bigint; hi: bigint }

const min = (w: Width) => -(1n << BigInt(w - 1));
const max = (w: Width) => (1n << BigInt(w - 1)) - 1n;
const top = (w: Width): Range => ({ w, lo: min(w), hi: max(w) });
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
      if (i.b.kind !== "imm") return top(i.w);
      const c = sw(i.b.value, i.w);
      switch (i.alu) {
        case "and":
          if (c >= 0n) return { w: i.w, lo: 0n, hi: x.lo >= 0n && x.hi < c ? x.hi : c };
          return top(i.w);
        case "add": case "sub": {
          const d = i.alu === "add" ? c : -c;
          return fits(x.lo + d, x.hi + d, i.w) ? { w: i.w, lo: x.lo + d, hi: x.hi + d } : top(i.w);
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

/**
 * Loop counters: `v = c0` before the loop and `t = v + k; v = t` (k > 0) in it,
 * where every path from the increment back to itself that does not pass the
 * initialisation crosses `br v < N` on its true edge, and c0 < N. Then each
 * increment starts from a value below N, so v stays in [c0, N - 1 + k]. (A
 * bare union over the definitions only sees v grow, and gives it its whole width.)
 */
function counters(fn: IrFunction, defs: Map<VReg, Insn[]>): Map<VReg, Range> {
  const out = new Map<VReg, Range>();
  const blockOf = new Map<Insn, number>();
  for (const b of fn.blocks) for (const i of b.insns) blockOf.set(i, b.id);
  for (const h of fn.blocks) {
    const t = h.term;
    if (t.op !== "br" || t.b.kind !== "imm" || !(t.cmp === "slt" || t.cmp === "lt")) continue;
    const v = t.a, w = t.w, n = sw(t.b.value, w);
    const ds = defs.get(v) ?? [];
    if (ds.length !== 2) continue;
    const init = ds.find((d) => d.op === "mov" && d.src.kind === "imm");
    const step = ds.find((d) => d !== init);
    if (!init || !step || init.op !== "mov" || init.src.kind !== "imm") continue;
    // the step: `v = v + k`, or `v = t` with `t = v + k` defined once
    let add: Insn | undefined = step;
    if (step.op === "mov" && step.src.kind === "reg") add = defs.get(step.src.reg)?.length === 1 ? defs.get(step.src.reg)![0] : undefined;
    if (!add || add.op !== "alu" || add.alu !== "add" || add.a !== v || add.b.kind !== "imm") continue;
    const k = sw(add.b.value, w), c0 = sw(init.src.value, w);
    if (k <= 0n || c0 >= n || (t.cmp === "lt" && (c0 < 0n || n < 0n)) || !fits(c0, n - 1n + k, w)) continue;
    const incBlock = blockOf.get(step)!, initBlock = blockOf.get(init)!;
    if (incBlock === initBlock) continue;
    // every way from the increment round to it again, avoiding the initialisation, takes the true edge
    const seen = new Set<number>();
    const work = [...(h.id === incBlock ? [t.else] : successors(fn.blocks[incBlock]!.term))];
    let safe = true;
    while (work.length && safe) {
      const id = work.pop()!;
      if (seen.has(id) || id === initBlock) continue;
      seen.add(id);
      if (id === incBlock) { safe = false; break; }
      const bt = fn.blocks[id]!.term;
      for (const s of successors(bt)) if (!(id === h.id && s === t.then)) work.push(s);
    }
    if (!safe) continue;
    out.set(v, { w, lo: c0, hi: n - 1n + k });
    if (add !== step && step.op === "mov" && step.src.kind === "reg") out.set(step.src.reg, { w, lo: c0 + k, hi: n - 1n + k });
  }
  return out;
}

/** A range for every vreg, over all its definitions (parameters: anything). */
export function ranges(fn: IrFunction): Map<VReg, Range> {
  const { defs } = defUse(fn);
  const fixed = counters(fn, defs);
  const out = new Map<VReg, Range>(fixed);
  const get = (v: VReg) => out.get(v);
  const widened = new Set<VReg>();
  for (let round = 0; round < 40; round++) {
    let changed = false;
    for (const [v, ds] of defs) {
      if (widened.has(v) || fixed.has(v)) continue;
      let r: Range | undefined = ds.length === 0 ? top(64) : undefined;
      for (const d of ds) {
        const x = rangeOf(d, get);
        if (x) r = union(r, x);
      }
      if (!r || same(out.get(v), r)) continue;
      // growing after many rounds: a loop-carried value; give it its whole width
      if (round >= 8) { r = top(r.w); widened.add(v); }
      out.set(v, r);
      changed = true;
    }
    if (!changed) break;
  }
  return out;
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

export function rangefold(fn: IrFunction): IrFunction {
  const rs = ranges(fn);
  for (const b of fn.blocks) {
    const t = b.term;
    if (t.op !== "br") continue;
    const a = rs.get(t.a);
    const y = t.b.kind === "imm" ? { w: t.w, lo: sw(t.b.value, t.w), hi: sw(t.b.value, t.w) } : rs.get(t.b.reg);
    if (!a || !y) continue;
    const taken = decide(t.cmp, at(a, t.w), at(y, t.w));
    if (taken !== undefined) b.term = { op: "jmp", target: taken ? t.then : t.else, loc: t.loc };
  }
  return fn;
}
