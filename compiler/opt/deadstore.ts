/**
 * Dead-store elimination for stack slots: a store into a slot that nothing
 * reads afterwards is removed. clang's DSE does the same; it matters to the
 * verifier as much as to size, because a dead `a[i] ^= x` still makes `i`
 * precise (it is pointer arithmetic) and so multiplies the states it keeps.
 *
 * Only slots whose address never leaves the function's own loads and stores
 * are considered (an address passed to a call, stored, compared or returned
 * could be read by anyone at any time).
 */
import { def, successors, uses, type Base, type Insn, type IrFunction, type VReg } from "../ir/ir.js";
import { pointerRoots, rootOf } from "./stackprop.js";

export function deadstore(fn: IrFunction): IrFunction {
  const roots = pointerRoots(fn);
  const slotOf = (base: Base): number | undefined => {
    const r = rootOf(roots, base);
    return r.kind === "slot" ? r.slot : undefined;
  };
  const tame = new Set(fn.slots.map((_, i) => i));
  // a slot's address used anywhere but as a load/store base or to derive another address of it escapes
  for (const b of fn.blocks) {
    for (const i of [...b.insns, b.term] as (Insn | typeof b.term)[]) {
      // an address merged with others into one register: that register may point anywhere
      if (i.op === "slotaddr" && roots.get(i.dst)?.kind !== "slot") tame.delete(i.slot);
      for (const u of uses(i)) {
        const r = roots.get(u);
        if (r?.kind !== "slot") continue;
        const asBase = (i.op === "load" || i.op === "store") && i.base.kind === "reg" && i.base.reg === u && !(i.op === "store" && i.src.kind === "reg" && i.src.reg === u);
        const derives = (i.op === "mov" || (i.op === "alu" && (i.alu === "add" || i.alu === "sub") && i.a === u && !(i.b.kind === "reg" && i.b.reg === u))) &&
          roots.get(def(i as Insn) as VReg)?.kind === "slot";
        if (!asBase && !derives) tame.delete(r.slot);
      }
    }
  }
  if (!tame.size) return fn;

  // backward liveness of tame slots: live = may be loaded later
  const liveOut = new Map<number, Set<number>>();
  const liveIn = new Map<number, Set<number>>();
  const transfer = (b: (typeof fn.blocks)[number], live: Set<number>, dead?: Set<Insn>) => {
    for (let k = b.insns.length - 1; k >= 0; k--) {
      const i = b.insns[k]!;
      if (i.op === "store") {
        const s = slotOf(i.base);
        if (s !== undefined && tame.has(s) && !live.has(s)) dead?.add(i);
      } else if (i.op === "load") {
        const s = slotOf(i.base);
        if (s !== undefined) live.add(s);
      }
    }
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let id = fn.blocks.length - 1; id >= 0; id--) {
      const b = fn.blocks[id]!;
      const out = new Set<number>();
      for (const s of successors(b.term)) for (const x of liveIn.get(s) ?? []) out.add(x);
      liveOut.set(id, out);
      const live = new Set(out);
      transfer(b, live);
      const prev = liveIn.get(id);
      if (!prev || prev.size !== live.size) {
        liveIn.set(id, live);
        changed = true;
      }
    }
  }
  for (const b of fn.blocks) {
    const dead = new Set<Insn>();
    transfer(b, new Set(liveOut.get(b.id)), dead);
    if (dead.size) b.insns = b.insns.filter((i) => !dead.has(i));
  }
  return fn;
}
