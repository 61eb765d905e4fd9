/** Dead-code elimination: pure instructions whose result nobody reads. */
import { def, uses, type IrFunction, type VReg } from "../ir/ir.js";
import { liveness } from "../ir/liveness.js";
import { isPure } from "./util.js";

export function dce(fn: IrFunction): IrFunction {
  for (let changed = true; changed;) {
    changed = false;
    const { liveOut } = liveness(fn);
    for (const b of fn.blocks) {
      const live = new Set<VReg>(liveOut[b.id]);
      for (const u of uses(b.term)) live.add(u);
      const kept = [];
      for (let k = b.insns.length - 1; k >= 0; k--) {
        const i = b.insns[k]!;
        const d = def(i);
        if (d !== undefined && !live.has(d) && isPure(i)) {
          changed = true;
          continue;
        }
        if (d !== undefined) live.delete(d);
        for (const u of uses(i)) live.add(u);
        kept.push(i);
      }
      b.insns = kept.reverse();
    }
  }
  return fn;
}
