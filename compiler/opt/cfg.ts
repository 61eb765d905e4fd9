/**
 * Control-flow clean-up: jumps to empty blocks go straight to their target,
 * branches whose arms agree become jumps, a block reached only by a jump from
 * its single predecessor is merged into it, and unreachable blocks go.
 */
import type { IrFunction, Terminator } from "../ir/ir.js";
import { predecessors } from "./util.js";

export function cfg(fn: IrFunction): IrFunction {
  for (let changed = true; changed;) {
    changed = false;
    // Thread through empty forwarding blocks.
    const forward = (id: number): number => {
      const seen = new Set<number>();
      let cur = id;
      for (;;) {
        const b = fn.blocks[cur]!;
        if (b.insns.length || b.term.op !== "jmp" || seen.has(cur)) return cur;
        seen.add(cur);
        cur = b.term.target;
      }
    };
    for (const b of fn.blocks) {
      const t = b.term;
      if (t.op === "jmp") {
        const f = forward(t.target);
        if (f !== t.target) { t.target = f; changed = true; }
      } else if (t.op === "br") {
        const th = forward(t.then), el = forward(t.else);
        if (th !== t.then || el !== t.else) { t.then = th; t.else = el; changed = true; }
        if (t.then === t.else) { b.term = { op: "jmp", target: t.then, loc: t.loc } as Terminator; changed = true; }
      }
    }
    // Merge a block into its only predecessor when that predecessor jumps to it.
    const preds = predecessors(fn);
    for (const b of fn.blocks) {
      const t = b.term;
      if (t.op !== "jmp" || t.target === b.id || t.target === fn.entry) continue;
      const succ = fn.blocks[t.target]!;
      if (preds[succ.id]!.length !== 1 || preds[succ.id]![0] !== b.id) continue;
      b.insns.push(...succ.insns);
      b.term = succ.term;
      succ.insns = [];
      succ.term = { op: "jmp", target: succ.id }; // now unreachable; dropped below
      preds[succ.id] = [];
      changed = true;
      break; // predecessor lists changed
    }
    if (removeUnreachable(fn)) changed = true;
  }
  return fn;
}

/** Drops unreachable blocks and renumbers so that ids are indices. Returns whether anything went. */
export function removeUnreachable(fn: IrFunction): boolean {
  const reach = new Set<number>();
  const work = [fn.entry];
  while (work.length) {
    const id = work.pop()!;
    if (reach.has(id)) continue;
    reach.add(id);
    const t = fn.blocks[id]!.term;
    if (t.op === "br") work.push(t.then, t.else);
    else if (t.op === "jmp") work.push(t.target);
  }
  if (reach.size === fn.blocks.length) return false;
  const kept = fn.blocks.filter((b) => reach.has(b.id));
  const index = new Map(kept.map((b, i) => [b.id, i]));
  for (const b of kept) {
    b.id = index.get(b.id)!;
    const t = b.term;
    if (t.op === "br") { t.then = index.get(t.then)!; t.else = index.get(t.else)!; }
    else if (t.op === "jmp") t.target = index.get(t.target)!;
  }
  fn.blocks = kept;
  fn.entry = index.get(fn.entry)!;
  return true;
}
