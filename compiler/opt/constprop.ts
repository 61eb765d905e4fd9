/**
 * Constant and copy propagation with folding. A vreg defined exactly once (the
 * lowering initialises every variable where it is declared, so a single
 * definition dominates every use) by a constant, or by an operation on constants,
 * is a constant: its uses take the immediate and the operation folds; so is one
 * every definition of which sets the same constant. A vreg
 * defined once as a copy of another single-definition vreg is replaced by it.
 * Branches on constants become jumps.
 */
import { imm, SWAPPED, upperHalfClear, type CmpOp, type Insn, type IrFunction, type Operand, type Terminator, type VReg, type Width } from "../ir/ir.js";
import { defUse } from "./util.js";
import { fitsS32, foldAlu, foldCmp, foldMov, foldNeg, foldSext, foldZext, immediateFor } from "./fold.js";

const COMMUTATIVE = new Set(["add", "mul", "or", "and", "xor"]);

export function constprop(fn: IrFunction): IrFunction {
  for (let round = 0; round < 20; round++) {
    if (!step(fn)) break;
  }
  return fn;
}

function step(fn: IrFunction): boolean {
  const { defs } = defUse(fn);
  const single = (v: VReg) => defs.get(v)?.length === 1 || (defs.get(v)?.length === 0 && fn.params.includes(v));
  const consts = new Map<VReg, bigint>();
  const copies = new Map<VReg, VReg>();
  const clear = upperHalfClear(fn);
  // Constants, to a fixed point (definitions may refer to later-numbered ones).
  for (let changed = true; changed;) {
    changed = false;
    for (const [v, ds] of defs) {
      if (ds.length === 0 || consts.has(v)) continue;
      // several definitions that all set one constant (each return path's `w0 = 0` after mergeret)
      const cs = ds.map((d) => evaluate(d, (r) => consts.get(r)));
      const c = cs[0];
      if (c !== undefined && cs.every((x) => x === c)) {
        consts.set(v, c);
        changed = true;
      }
    }
  }
  for (const [v, ds] of defs) {
    const d = ds[0];
    // a 32-bit move is a copy only of a value whose upper half is zero already
    if (ds.length === 1 && d!.op === "mov" && d!.src.kind === "reg" && single(d!.src.reg) && d!.src.reg !== v && !consts.has(v)
      && (d!.w === 64 || clear.has(d!.src.reg))) {
      copies.set(v, d!.src.reg);
    }
  }
  const resolve = (v: VReg): VReg => {
    let r = v;
    for (let n = 0; copies.has(r) && n < 100; n++) r = copies.get(r)!;
    return r;
  };
  let changed = false;
  const operand = (o: Operand, w: Width): Operand => {
    if (o.kind !== "reg") return o;
    const c = consts.get(o.reg);
    if (c !== undefined && immediateFor(c, w)) {
      changed = true;
      return imm(c);
    }
    const r = resolve(o.reg);
    if (r !== o.reg) {
      changed = true;
      return { kind: "reg", reg: r };
    }
    return o;
  };
  const regOnly = (v: VReg): VReg => {
    const r = resolve(v);
    if (r !== v) changed = true;
    return r;
  };
  for (const b of fn.blocks) {
    b.insns = b.insns.map((i): Insn => {
      const c = i.op !== "call" && i.op !== "store" && i.op !== "load" && i.op !== "mov" ? consts.get(i.dst) : undefined;
      if (c !== undefined) {
        changed = true;
        return { op: "mov", dst: (i as { dst: VReg }).dst, src: imm(c), w: movWidth(c), loc: i.loc };
      }
      switch (i.op) {
        case "mov": return { ...i, src: operand(i.src, i.w) };
        case "alu": {
          const a = consts.get(i.a);
          if (a !== undefined && i.b.kind === "reg" && COMMUTATIVE.has(i.alu) && immediateFor(a, i.w)) {
            changed = true;
            return { ...i, a: regOnly(i.b.reg), b: imm(a) };
          }
          return { ...i, a: regOnly(i.a), b: operand(i.b, i.w) };
        }
        case "neg": return { ...i, a: regOnly(i.a) };
        case "sext": case "zext": case "bswap": return { ...i, src: regOnly(i.src) };
        case "load": return i.base.kind === "reg" ? { ...i, base: { kind: "reg", reg: regOnly(i.base.reg) } } : i;
        case "store": {
          const base = i.base.kind === "reg" ? { kind: "reg" as const, reg: regOnly(i.base.reg) } : i.base;
          return { ...i, base, src: operand(i.src, i.size === 8 ? 64 : 32) };
        }
        case "call": return { ...i, args: i.args.map((a) => operand(a, 64)) };
        default: return i;
      }
    });
    b.term = foldTerm(b.term, consts, operand, regOnly, () => { changed = true; });
  }
  return changed;
}

function foldTerm(t: Terminator, consts: Map<VReg, bigint>, operand: (o: Operand, w: Width) => Operand,
  regOnly: (v: VReg) => VReg, changed: () => void): Terminator {
  if (t.op === "ret") return t.value ? { ...t, value: operand(t.value, t.w) } : t;
  if (t.op !== "br") return t;
  const a = consts.get(t.a);
  const b = operand(t.b, t.w);
  if (a !== undefined && b.kind === "imm") {
    changed();
    return { op: "jmp", target: foldCmp(t.cmp, a, b.value, t.w) ? t.then : t.else, loc: t.loc };
  }
  if (a !== undefined && b.kind === "reg" && immediateFor(a, t.w) && t.cmp !== "set") {
    changed();
    return { ...t, cmp: SWAPPED[t.cmp] as CmpOp, a: b.reg, b: imm(a) };
  }
  return { ...t, a: regOnly(t.a), b };
}

/** The constant an instruction computes, if its inputs are constants. */
export function evaluate(i: Insn, c: (v: VReg) => bigint | undefined): bigint | undefined {
  const op = (o: Operand) => (o.kind === "imm" ? o.value : c(o.reg));
  switch (i.op) {
    case "mov": {
      const v = op(i.src);
      return v === undefined ? undefined : foldMov(v, i.w);
    }
    case "alu": {
      const a = c(i.a), b = op(i.b);
      return a === undefined || b === undefined ? undefined : foldAlu(i.alu, a, b, i.w);
    }
    case "neg": {
      const a = c(i.a);
      return a === undefined ? undefined : foldNeg(a, i.w);
    }
    case "sext": {
      const a = c(i.src);
      return a === undefined ? undefined : foldSext(a, i.from, i.w);
    }
    case "zext": {
      const a = c(i.src);
      return a === undefined ? undefined : foldZext(a, i.from);
    }
    default:
      return undefined;
  }
}

/** The cheapest mov that leaves exactly `c` in a register. */
export function movWidth(c: bigint): Width {
  return !fitsS32(c) && c >= 0n && c < 1n << 32n ? 32 : 64;
}
