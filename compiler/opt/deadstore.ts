/**
 * Dead-store elimination for stack slots: a store into a slot that nothing
 * reads afterwards is removed. clang's DSE does the same; it matters to the
 * verifier as much as to size, because a dead `a[i] ^= x` still makes `i`
 * precise (it is pointer arithmetic) and so multiplies the states it keeps.
 *
 * Liveness is by byte: a store whose bytes are all written again before any
 * load reads them is dead too (`zeroed<T>()` and then every field set). A load
 * through a computed address reads all of its slot, and so does a call the
 * slot's address is passed to (a helper reads its stack arguments during the
 * call and keeps no pointer to them — except a dynptr's, which names memory
 * read later). Only slots whose address goes nowhere
 * else are considered (an address stored, compared or returned could be read by
 * anyone at any time).
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
        const asBase = ((i.op === "load" || i.op === "store") && i.base.kind === "reg" && i.base.reg === u && !(i.op === "store" && i.src.kind === "reg" && i.src.reg === u))
          || (i.op === "call" && readsOnlyDuring(i));
        const derives = (i.op === "mov" || (i.op === "alu" && (i.alu === "add" || i.alu === "sub") && i.a === u && !(i.b.kind === "reg" && i.b.reg === u))) &&
          roots.get(def(i as Insn) as VReg)?.kind === "slot";
        if (!asBase && !derives) tame.delete(r.slot);
      }
    }
  }
  if (!tame.size) return fn;

  // backward liveness of the bytes of tame slots: live = may be loaded later
  const byte = (slot: number, k: number) => slot * 1024 + k;
  const all = (live: Set<number>, slot: number) => { for (let k = 0; k < fn.slots[slot]!.size; k++) live.add(byte(slot, k)); };
  const liveOut = new Map<number, Set<number>>();
  const liveIn = new Map<number, Set<number>>();
  const transfer = (b: (typeof fn.blocks)[number], live: Set<number>, dead?: Set<Insn>) => {
    for (let k = b.insns.length - 1; k >= 0; k--) {
      const i = b.insns[k]!;
      if (i.op === "store") {
        const s = slotOf(i.base);
        if (s === undefined || !tame.has(s)) continue;
        // a store at a computed address may write any bytes of its slot: it kills none
        const bytes = i.base.kind === "slot" ? Array.from({ length: i.size }, (_, n) => byte(s, i.off + n)) : undefined;
        const read = bytes ? bytes.some((x) => live.has(x)) : [...live].some((x) => Math.floor(x / 1024) === s);
        if (!read) dead?.add(i);
        else if (bytes) for (const x of bytes) live.delete(x);
      } else if (i.op === "load") {
        const s = slotOf(i.base);
        if (s === undefined) continue;
        if (i.base.kind === "slot") for (let n = 0; n < i.size; n++) live.add(byte(s, i.off + n));
        else all(live, s);
      } else if (i.op === "call") {
        for (const a of i.args) {
          const r = a.kind === "reg" ? roots.get(a.reg) : undefined;
          if (r?.kind === "slot") all(live, r.slot);
        }
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

/** A call that reads (or writes) the stack memory it is given only while it runs. */
function readsOnlyDuring(i: Insn & { op: "call" }): boolean {
  return i.target.kind === "helper" && !i.target.name.includes("dynptr");
}
