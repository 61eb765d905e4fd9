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
import { def, uses, type Block, type Insn, type IrFunction, type Terminator } from "../ir/ir.js";
import { liveness } from "../ir/liveness.js";
import { inCycle, predecessors } from "./util.js";

export function speculate(fn: IrFunction): IrFunction {
  const { liveIn, liveOut } = liveness(fn);
  const preds = predecessors(fn);
  const looping = inCycle(fn);
  const returned = new Set(fn.blocks.flatMap((b) => (b.term.op === "ret" && b.term.value?.kind === "reg" ? [b.term.value.reg] : [])));
  const inR0 = callResultsInR0(fn, liveOut);
  const found: { a: Block; side: "then" | "else"; arm: Block; mov: Insn; clash: boolean }[] = [];
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
      found.push({ a, side, arm, mov, clash: returned.has(mov.dst) && inR0.has(t.a) });
      break;
    }
  }
  // The return value and a call's result both want r0: setting the return value where the
  // branch still tests the call's result moves the return value out of r0, which costs one
  // copy at the exit (clang's `r1 = r0; w0 = 0`) — worth it for two such returns, not one.
  const clashes = found.filter((f) => f.clash).length;
  for (const { a, side, arm, mov, clash } of found) {
    if (clash && clashes < 2) continue;
    const t = a.term as Extract<Terminator, { op: "br" }>;
    a.insns.push(mov);
    arm.insns = [];
    t[side] = (arm.term as Extract<Terminator, { op: "jmp" }>).target;
  }
  return fn;
}

/** Call results that stay in r0: those not live across a later call (which would move them to r6–r9). */
function callResultsInR0(fn: IrFunction, liveOut: Set<number>[]): Set<number> {
  const results = new Set<number>();
  const crossing = new Set<number>();
  for (const b of fn.blocks) {
    const live = new Set(liveOut[b.id]);
    for (let k = b.insns.length - 1; k >= 0; k--) {
      const i = b.insns[k]!;
      const d = def(i);
      if (d !== undefined) live.delete(d);
      if (i.op === "call") {
        if (i.dst !== undefined) results.add(i.dst);
        for (const v of live) crossing.add(v);
      }
      for (const u of uses(i)) live.add(u);
    }
  }
  return new Set([...results].filter((v) => !crossing.has(v)));
}
