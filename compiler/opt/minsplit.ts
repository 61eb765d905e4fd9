/**
 * A comparison with a minimum becomes two comparisons, as LLVM's InstCombine
 * folds `icmp ult i, umin(a, C)` to `i < a && i < C`:
 *
 *     n = C; if (a < C) n = a;  …  if (i < n) goto T else F
 * becomes
 *     if (i < a) { if (i < C) goto T } goto F
 *
 * The idiom is BPF's bounded loop, `for (i = 0; i < min(len, MAX); i++)`. For
 * the verifier the minimum is a fork before the loop — a path where n is the
 * constant C and one where it is a (bounded) unknown — and every iteration is
 * then explored on both; with the two tests there is one path, on which `i < C`
 * bounds the index.
 */
import { INVERSE, uses, type Block, type CmpOp, type Insn, type IrFunction, type VReg } from "../ir/ir.js";
import { defUse, inCycle, predecessors } from "./util.js";

interface Min { a: VReg; c: bigint; cmp: CmpOp; w: 32 | 64 }

/** n is min(a, C): `br a < C ? Y : Z` with `Y: n = a` and either `Z: n = C` or `n = C` before the branch, meeting after. */
function minimum(fn: IrFunction, n: VReg, defs: Insn[], preds: number[][], looping: Set<number>): Min | undefined {
  if (defs.length !== 2) return undefined;
  // a block that only sets n (single predecessor), and where it goes
  const arm = (id: number): [Insn, number] | undefined => {
    const b = fn.blocks[id]!;
    return b.insns.length === 1 && b.term.op === "jmp" && preds[id]!.length === 1 && defs.includes(b.insns[0]!) ? [b.insns[0]!, b.term.target] : undefined;
  };
  for (const x of fn.blocks) {
    const t = x.term;
    if (t.op !== "br" || t.b.kind !== "imm" || (t.cmp !== "lt" && t.cmp !== "slt") || looping.has(x.id)) continue;
    const y = arm(t.then);
    if (!y) continue;
    const [setA, join] = y;
    let setC: Insn | undefined;
    const z = arm(t.else);
    if (z && z[1] === join) setC = z[0];
    else if (t.else === join) {
      setC = [...x.insns].reverse().find((i) => "dst" in i && i.dst === n);
      // nothing after `n = C` in x may redefine a
      if (setC && x.insns.slice(x.insns.indexOf(setC) + 1).some((i) => "dst" in i && i.dst === t.a)) continue;
    }
    if (setA.op !== "mov" || setA.src.kind !== "reg" || setA.src.reg !== t.a || setA.w !== t.w) continue;
    if (!setC || !defs.includes(setC) || setC.op !== "mov" || setC.src.kind !== "imm" || setC.src.value !== t.b.value || setC.w !== t.w) continue;
    return { a: t.a, c: t.b.value, cmp: t.cmp, w: t.w };
  }
  return undefined;
}

export function minsplit(fn: IrFunction): IrFunction {
  const { defs } = defUse(fn);
  const preds = predecessors(fn);
  const looping = inCycle(fn);
  const once = (v: VReg) => {
    const ds = defs.get(v);
    if (!ds || ds.length > 1) return false;
    if (ds.length === 0) return fn.params.includes(v);
    return !fn.blocks.some((b) => looping.has(b.id) && b.insns.includes(ds[0]!));
  };
  for (const [n, ds] of defs) {
    const m = minimum(fn, n, ds, preds, looping);
    // a must hold, wherever n is tested, the value n was computed from
    if (!m || !once(m.a)) continue;
    const tests = fn.blocks.filter((b) => b.term.op === "br" && b.term.b.kind === "reg" && b.term.b.reg === n);
    const other = fn.blocks.some((b) => b.insns.some((i) => uses(i).includes(n)) || (!tests.includes(b) && uses(b.term).includes(n)));
    if (other || !tests.length) continue;
    for (const u of tests) {
      const t = u.term as Extract<Block["term"], { op: "br" }>;
      if (t.w !== m.w || (t.cmp !== m.cmp && t.cmp !== INVERSE[m.cmp])) continue;
      const [pass, fail] = t.cmp === m.cmp ? [t.then, t.else] : [t.else, t.then];
      const second: Block = { id: fn.blocks.length, insns: [], term: { op: "br", cmp: m.cmp, a: t.a, b: { kind: "imm", value: m.c }, w: m.w, then: pass, else: fail, loc: t.loc } };
      fn.blocks.push(second);
      u.term = { op: "br", cmp: m.cmp, a: t.a, b: { kind: "reg", reg: m.a }, w: m.w, then: second.id, else: fail, loc: t.loc };
    }
  }
  return fn;
}
