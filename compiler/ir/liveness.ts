/** Live-variable analysis over an IrFunction's blocks (backward dataflow). */
import { def, successors, uses, type IrFunction, type VReg } from "./ir.js";

export interface Liveness {
  liveIn: Set<VReg>[];
  liveOut: Set<VReg>[];
}

export function liveness(fn: IrFunction): Liveness {
  const n = fn.blocks.length;
  const gen: Set<VReg>[] = [];
  const kill: Set<VReg>[] = [];
  for (const b of fn.blocks) {
    const g = new Set<VReg>(), k = new Set<VReg>();
    for (const i of [...b.insns, b.term]) {
      for (const u of uses(i)) if (!k.has(u)) g.add(u);
      const d = def(i);
      if (d !== undefined) k.add(d);
    }
    gen.push(g);
    kill.push(k);
  }
  const liveIn = Array.from({ length: n }, () => new Set<VReg>());
  const liveOut = Array.from({ length: n }, () => new Set<VReg>());
  for (let changed = true; changed;) {
    changed = false;
    for (let id = n - 1; id >= 0; id--) {
      const out = liveOut[id]!;
      for (const s of successors(fn.blocks[id]!.term)) for (const v of liveIn[s]!) out.add(v);
      const inn = new Set(gen[id]);
      for (const v of out) if (!kill[id]!.has(v)) inn.add(v);
      if (inn.size !== liveIn[id]!.size) {
        liveIn[id] = inn;
        changed = true;
      }
    }
  }
  return { liveIn, liveOut };
}
