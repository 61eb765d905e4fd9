/**
 * Tail merging: two blocks that do the same thing — the same instructions over
 * the same incoming registers, leaving the same registers live, ending in the
 * same terminator — are one; the later one's predecessors branch to the earlier
 * and cfg removes it. `stats.pass += 1; return TC_ACT_OK` written on two paths
 * is emitted once, as clang's branch folding does.
 *
 * Registers a block defines that are dead at its end are its own temporaries:
 * the blocks may name them differently (`%37 = load …` and `%70 = load …`).
 * Since both blocks end in the same terminator they have the same successors,
 * so the same registers are live at their ends, and running either block
 * leaves every live register with the same value.
 */
import { liveness } from "../ir/liveness.js";
import { def, substitute, successors, uses, type Insn, type IrFunction, type Terminator, type VReg } from "../ir/ir.js";
import { printInsn } from "../ir/print.js";
import { inCycle } from "./util.js";

/** The block's text with its dead-at-end temporaries numbered in order of definition. */
function shape(insns: Insn[], term: Terminator, liveOut: Set<VReg>): string {
  const local = new Map<VReg, VReg>(); // temporary → a name no real register has
  let n = 0;
  const lines: string[] = [];
  const rename = <T extends Insn | Terminator>(i: T): T => {
    let r = i;
    for (const u of new Set(uses(i))) if (local.has(u)) r = substitute(r, u, local.get(u)!);
    return r;
  };
  for (const i of insns) {
    let r = rename(i);
    const d = def(i);
    if (d !== undefined) {
      if (liveOut.has(d)) local.delete(d);
      else {
        local.set(d, -1 - n++);
        r = { ...r, dst: local.get(d)! } as Insn;
      }
    }
    lines.push(printInsn({ ...r, loc: undefined } as Insn));
  }
  lines.push(printInsn(rename(term)));
  return lines.join("\n");
}

export function tailmerge(fn: IrFunction): IrFunction {
  const { liveOut } = liveness(fn);
  // blocks in a loop or leaving one are left alone: merging a state machine's exits
  // (`state = 4` threaded out of the loop) makes the verifier walk more states
  const loop = inCycle(fn);
  for (const b of fn.blocks) for (const s of successors(b.term)) if (loop.has(b.id)) loop.add(s);
  const first = new Map<string, number>();
  const into = new Map<number, number>();
  for (const b of fn.blocks) {
    if (b.id === fn.entry || loop.has(b.id) || (b.term.op === "ret" && !b.insns.length)) continue;
    const s = shape(b.insns, b.term, liveOut[b.id]!);
    const keep = first.get(s);
    if (keep === undefined) first.set(s, b.id);
    else into.set(b.id, keep);
  }
  if (!into.size) return fn;
  const to = (id: number) => into.get(id) ?? id;
  for (const b of fn.blocks) {
    const t = b.term;
    if (t.op === "jmp") t.target = to(t.target);
    else if (t.op === "br") { t.then = to(t.then); t.else = to(t.else); }
  }
  return fn;
}
