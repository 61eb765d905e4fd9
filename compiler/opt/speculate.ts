/**
 * Speculation of a constant move out of a branch arm, as clang's SimplifyCFG does:
 *
 *     if (cond) goto T; …E…          T: x = -2; goto J
 * becomes
 *     x = -2; if (cond) goto J; …E…
 *
 * when T does nothing else, only this branch reaches T, and x is dead on entry to
 * E (so setting it early changes nothing there). Error paths of the form
 * `if (err) return -N;` then cost two instructions, not three.
 */
import { uses, type IrFunction } from "../ir/ir.js";
import { liveness } from "../ir/liveness.js";
import { inCycle, predecessors } from "./util.js";

export function speculate(fn: IrFunction): IrFunction {
  const { liveIn } = liveness(fn);
  const preds = predecessors(fn);
  const looping = inCycle(fn);
  const returned = new Set(fn.blocks.flatMap((b) => (b.term.op === "ret" && b.term.value?.kind === "reg" ? [b.term.value.reg] : [])));
  const callResults = new Set(fn.blocks.flatMap((b) => b.insns.flatMap((i) => (i.op === "call" && i.dst !== undefined ? [i.dst] : []))));
  for (const a of fn.blocks) {
    const t = a.term;
    if (t.op !== "br" || looping.has(a.id)) continue; // hoisting into a loop would run the move every iteration
    for (const side of ["then", "else"] as const) {
      const arm = fn.blocks[t[side]]!;
      const other = side === "then" ? t.else : t.then;
      if (arm.id === a.id || preds[arm.id]!.length !== 1 || arm.term.op !== "jmp" || arm.insns.length !== 1) continue;
      const mov = arm.insns[0]!;
      if (mov.op !== "mov" || mov.src.kind !== "imm") continue;
      if (liveIn[other]!.has(mov.dst) || uses(t).includes(mov.dst)) continue;
      // the return value and a call's result both want r0: setting one early, where the
      // branch still tests the other, would cost a copy (clang's `r1 = r0; w0 = 0`)
      if (returned.has(mov.dst) && callResults.has(t.a)) continue;
      a.insns.push(mov);
      arm.insns = [];
      t[side] = arm.term.target;
      break;
    }
  }
  return fn;
}
