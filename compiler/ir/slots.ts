/**
 * What the stack slots of a function hold, and when: where pointer vregs point
 * (pointerRoots), which slots are reached only in ways these analyses can see
 * (tameSlots), which of their bytes a later load may still read
 * (SlotLiveness), and which slots are in use at the same time
 * (slotInterference). stackprop and deadstore read them to change stores and
 * loads; the frame layout reads them to let slots that are never in use
 * together share their bytes.
 */
import { def, defUse, successors, uses, type Base, type Block, type Insn, type IrFunction, type Terminator, type VReg } from "./ir.js";

/** Where a pointer vreg points: a slot, somewhere that is not the stack, or anywhere. */
export type Root = { kind: "slot"; slot: number } | { kind: "nonstack" } | { kind: "unknown" };

/** Where a load or store's base points. */
export function rootOf(roots: Map<VReg, Root>, base: Base): Root {
  if (base.kind === "slot") return { kind: "slot", slot: base.slot };
  return roots.get(base.reg) ?? { kind: "unknown" };
}

/**
 * Flow-insensitive pointer origins: a vreg all of whose definitions derive from
 * one slot's address (slotaddr, copies, adds) points into that slot; from
 * globals or maps, outside the stack; anything else, anywhere.
 */
export function pointerRoots(fn: IrFunction): Map<VReg, Root> {
  const { defs } = defUse(fn);
  const roots = new Map<VReg, Root>();
  const of = (i: Insn): Root | undefined => {
    switch (i.op) {
      case "slotaddr": return { kind: "slot", slot: i.slot };
      case "ldglobal": case "ldmap": return { kind: "nonstack" };
      case "mov": return i.src.kind === "reg" ? roots.get(i.src.reg) : { kind: "unknown" };
      case "alu": return i.alu === "add" || i.alu === "sub" ? roots.get(i.a) : { kind: "unknown" };
      default: return { kind: "unknown" };
    }
  };
  const merge = (a: Root | undefined, b: Root | undefined): Root | undefined => {
    if (!a) return b;
    if (!b) return a;
    if (a.kind === "slot" && b.kind === "slot") return a.slot === b.slot ? a : { kind: "unknown" };
    return a.kind === b.kind ? a : { kind: "unknown" };
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const [v, ds] of defs) {
      let r: Root | undefined = ds.length === 0 ? { kind: "unknown" } : undefined; // parameters
      for (const d of ds) r = merge(r, of(d));
      if (!r) continue;
      const prev = roots.get(v);
      if (!prev || prev.kind !== r.kind || (prev.kind === "slot" && r.kind === "slot" && prev.slot !== r.slot)) {
        roots.set(v, r);
        changed = true;
      }
    }
  }
  return roots;
}

/** A call that reads (or writes) the stack memory it is given only while it runs. */
export function usesStackOnlyDuring(i: Insn & { op: "call" }): boolean {
  // a helper keeps no pointer to its stack arguments — except a dynptr's, which names memory read later
  return i.target.kind === "helper" && !i.target.name.includes("dynptr");
}

/**
 * Slots whose address goes nowhere but into load and store bases, other
 * addresses of the same slot, and helpers that use it only while they run:
 * every access to them is an instruction these analyses see. An address
 * stored, compared, returned or merged with others could be read by anyone
 * at any time.
 */
export function tameSlots(fn: IrFunction, roots: Map<VReg, Root>): Set<number> {
  const tame = new Set(fn.slots.map((_, i) => i));
  for (const b of fn.blocks) {
    for (const i of [...b.insns, b.term] as (Insn | Terminator)[]) {
      // an address merged with others into one register: that register may point anywhere
      if (i.op === "slotaddr" && roots.get(i.dst)?.kind !== "slot") tame.delete(i.slot);
      for (const u of uses(i)) {
        const r = roots.get(u);
        if (r?.kind !== "slot") continue;
        const asBase = ((i.op === "load" || i.op === "store") && i.base.kind === "reg" && i.base.reg === u && !(i.op === "store" && i.src.kind === "reg" && i.src.reg === u))
          || (i.op === "call" && usesStackOnlyDuring(i));
        const derives = (i.op === "mov" || (i.op === "alu" && (i.alu === "add" || i.alu === "sub") && i.a === u && !(i.b.kind === "reg" && i.b.reg === u))) &&
          roots.get(def(i as Insn) as VReg)?.kind === "slot";
        if (!asBase && !derives) tame.delete(r.slot);
      }
    }
  }
  return tame;
}

/** The slots an instruction reads or writes (a load or store base, a call's stack argument). */
export function slotsAccessed(i: Insn, roots: Map<VReg, Root>): number[] {
  const out: number[] = [];
  const add = (r: Root | undefined) => { if (r?.kind === "slot" && !out.includes(r.slot)) out.push(r.slot); };
  if (i.op === "load" || i.op === "store") add(rootOf(roots, i.base));
  else if (i.op === "call") for (const a of i.args) if (a.kind === "reg") add(roots.get(a.reg));
  return out;
}

/**
 * Backward liveness of stack bytes: a byte is live where a later load may read
 * it before a store writes it (byte `k` of slot `s` is `s * 1024 + k`). A load
 * through a computed address, or a call given the slot's address, reads all of
 * the slot; only a store straight into a tame slot (`[slotN + off]`) writes
 * bytes dead, since a store at a computed address may write any of them.
 */
export class SlotLiveness {
  readonly roots: Map<VReg, Root>;
  readonly tame: Set<number>;
  /** Live bytes at each block's end, by block id. */
  readonly liveOut: Set<number>[];

  constructor(private readonly fn: IrFunction) {
    this.roots = pointerRoots(fn);
    this.tame = tameSlots(fn, this.roots);
    const liveIn: (Set<number> | undefined)[] = fn.blocks.map(() => undefined);
    this.liveOut = fn.blocks.map(() => new Set<number>());
    for (let changed = true; changed;) {
      changed = false;
      for (let id = fn.blocks.length - 1; id >= 0; id--) {
        const b = fn.blocks[id]!;
        const out = new Set<number>();
        for (const s of successors(b.term)) for (const x of liveIn[s] ?? []) out.add(x);
        this.liveOut[id] = out;
        const live = new Set(out);
        for (let k = b.insns.length - 1; k >= 0; k--) this.back(b.insns[k]!, live);
        if (liveIn[id]?.size !== live.size) {
          liveIn[id] = live;
          changed = true;
        }
      }
    }
  }

  /**
   * Steps `live` from after `i` to before it. True when `i` is a store into a
   * tame slot that writes no live byte: nothing will read what it writes.
   */
  back(i: Insn, live: Set<number>): boolean {
    const byte = (slot: number, k: number) => slot * 1024 + k;
    const all = (slot: number) => { for (let k = 0; k < this.fn.slots[slot]!.size; k++) live.add(byte(slot, k)); };
    if (i.op === "store") {
      const r = rootOf(this.roots, i.base);
      if (r.kind !== "slot" || !this.tame.has(r.slot)) return false;
      if (i.base.kind !== "slot") return ![...live].some((x) => Math.floor(x / 1024) === r.slot);
      const bytes = Array.from({ length: i.size }, (_, n) => byte(r.slot, i.off + n));
      if (!bytes.some((x) => live.has(x))) return true;
      for (const x of bytes) live.delete(x);
    } else if (i.op === "load") {
      const r = rootOf(this.roots, i.base);
      if (r.kind !== "slot") return false;
      if (i.base.kind === "slot") for (let n = 0; n < i.size; n++) live.add(byte(r.slot, i.off + n));
      else all(r.slot);
    } else if (i.op === "call") {
      for (const s of slotsAccessed(i, this.roots)) all(s);
    }
    return false;
  }
}

/**
 * Pairs of slots in use at the same time, as a set of partners per slot. A
 * slot is in use at a point once some instruction has accessed it on a path
 * to that point and while some byte of it is live; two slots interfere when
 * both are in use at one point, or one is in use where an instruction
 * accesses the other. Slots that do not interfere can share their bytes:
 * whatever one writes is dead before the other writes, and no byte it will
 * read is written by the other in between. Slots that are not tame interfere
 * with every slot.
 */
export function slotInterference(fn: IrFunction): Map<number, Set<number>> {
  const live = new SlotLiveness(fn);
  const { roots, tame } = live;
  const partners = new Map<number, Set<number>>(fn.slots.map((_, s) => [s, new Set<number>()]));
  const together = (slots: Iterable<number>) => {
    const list = [...new Set(slots)];
    for (const a of list) for (const b of list) if (a !== b) partners.get(a)!.add(b);
  };
  // Forward: the slots some instruction accessed on a path to each block's start.
  const accessed = (b: Block) => b.insns.flatMap((i) => slotsAccessed(i, roots));
  const reachedIn: Set<number>[] = fn.blocks.map(() => new Set());
  for (let changed = true; changed;) {
    changed = false;
    for (const b of fn.blocks) {
      const out = new Set([...reachedIn[b.id]!, ...accessed(b)]);
      for (const s of successors(b.term)) {
        const into = reachedIn[s]!;
        const size = into.size;
        for (const x of out) into.add(x);
        if (into.size !== size) changed = true;
      }
    }
  }
  for (const b of fn.blocks) {
    // reached[k]: the slots accessed on a path to just before insns[k] (k = length: the block's end)
    const reached: Set<number>[] = [new Set(reachedIn[b.id])];
    for (const i of b.insns) reached.push(new Set([...reached[reached.length - 1]!, ...slotsAccessed(i, roots)]));
    const bytes = new Set(live.liveOut[b.id]);
    const inUse = (k: number) => [...new Set([...bytes].map((x) => Math.floor(x / 1024)))].filter((s) => reached[k]!.has(s));
    together(inUse(b.insns.length));
    for (let k = b.insns.length - 1; k >= 0; k--) {
      const after = inUse(k + 1);
      live.back(b.insns[k]!, bytes);
      together([...after, ...inUse(k), ...slotsAccessed(b.insns[k]!, roots)]);
    }
  }
  for (let s = 0; s < fn.slots.length; s++) {
    if (tame.has(s)) continue;
    for (let t = 0; t < fn.slots.length; t++) {
      if (t === s) continue;
      partners.get(s)!.add(t);
      partners.get(t)!.add(s);
    }
  }
  return partners;
}
