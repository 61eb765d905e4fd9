/**
 * Sparse conditional constant propagation, flow-sensitively over the non-SSA
 * IR: a constant per vreg per block entry, met over the incoming edges that
 * can execute, and an edge executes only if its branch can go that way. So a
 * loop whose condition fails on the first test (`do { w++; … } while (w < 1)`)
 * never takes its back edge, its counter stays a constant, and the branches
 * on it fold — constprop (single definitions) and localprop (extended basic
 * blocks) cannot see through the loop's join. clang's SCCP/IPSCCP does this.
 */
import { imm, successors, type Insn, type IrFunction, type Operand, type Terminator, type VReg } from "../ir/ir.js";
import { evaluate } from "./constprop.js";
import { foldCmp, immediateFor } from "./fold.js";
import { agreed, predecessors, sameEntries } from "./util.js";

/** Known constants; a vreg absent is not a constant (or not yet defined). */
type Consts = Map<VReg, bigint>;

export function sccp(fn: IrFunction): IrFunction {
  const preds = predecessors(fn);
  const executable = new Set<string>(); // "from>to"
  const edge = (a: number, b: number) => `${a}>${b}`;
  const outOf = new Map<number, Consts>();
  const inOf = new Map<number, Consts>();
  const reached = new Set<number>([fn.entry]);
  const work: number[] = [fn.entry];

  const transfer = (insns: Insn[], k: Consts) => {
    for (const i of insns) {
      if (i.op === "store") continue;
      const d = i.dst;
      if (d === undefined) continue;
      const v = i.op === "call" || i.op === "load" ? undefined : evaluate(i, (r) => k.get(r));
      if (v === undefined) k.delete(d);
      else k.set(d, v);
    }
  };
  const targets = (t: Terminator, k: Consts): number[] => {
    if (t.op !== "br") return successors(t);
    const a = k.get(t.a);
    const b = t.b.kind === "imm" ? t.b.value : k.get(t.b.reg);
    if (a === undefined || b === undefined) return successors(t);
    return [foldCmp(t.cmp, a, b, t.w) ? t.then : t.else];
  };

  for (let steps = 0; work.length && steps < 100_000; steps++) {
    const id = work.shift()!;
    const b = fn.blocks[id]!;
    // the function's own entry knows nothing (whatever loops back to it)
    const k: Consts = id === fn.entry ? new Map()
      : agreed(preds[id]!.filter((p) => executable.has(edge(p, id))).map((p) => outOf.get(p)!));
    const prevIn = inOf.get(id);
    if (prevIn && sameEntries(prevIn, k) && outOf.has(id)) continue;
    inOf.set(id, new Map(k));
    transfer(b.insns, k);
    outOf.set(id, k);
    for (const s of targets(b.term, k)) {
      executable.add(edge(id, s));
      reached.add(s);
      work.push(s);
    }
  }
  if (work.length) return fn; // did not settle: change nothing

  for (const b of fn.blocks) {
    if (!reached.has(b.id)) continue;
    const k = new Map(inOf.get(b.id)!);
    const operand = (o: Operand, w: 32 | 64): Operand => {
      if (o.kind !== "reg") return o;
      const c = k.get(o.reg);
      return c !== undefined && immediateFor(c, w) ? imm(c) : o;
    };
    b.insns = b.insns.map((i) => {
      let r: Insn = i;
      switch (i.op) {
        case "mov": r = { ...i, src: operand(i.src, i.w) }; break;
        case "alu": r = { ...i, b: operand(i.b, i.w) }; break;
        case "store": r = { ...i, src: operand(i.src, i.size === 8 ? 64 : 32) }; break;
        default: break;
      }
      transfer([i], k);
      return r;
    });
    const t = b.term;
    if (t.op === "br") {
      const go = targets(t, k);
      if (go.length === 1 && t.then !== t.else) b.term = { op: "jmp", target: go[0]!, loc: t.loc };
      else b.term = { ...t, b: operand(t.b, t.w) };
    } else if (t.op === "ret" && t.value) {
      b.term = { ...t, value: operand(t.value, t.w) };
    }
  }
  return fn;
}
