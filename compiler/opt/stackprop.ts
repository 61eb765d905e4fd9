/**
 * Store-to-load forwarding of constants through stack slots, across blocks.
 * A forward dataflow tracks, for every byte of every slot, the constant byte
 * the stores on all paths left there (a zeroed array, a struct field set to a
 * literal). A load of a slot whose bytes are all known becomes that constant,
 * so branches on it fold. clang does this through memory (SROA + GVN); without
 * it the verifier must explore both sides of a branch on a value the program
 * fixed, once per loop iteration.
 *
 * Memory is only changed by stores and calls. A store through a pointer derived
 * from a slot's address forgets that slot; a store through a pointer of unknown
 * origin, or any call, forgets every slot whose address was taken. Slots only
 * ever addressed directly (`[slotN + off]`) cannot be reached any other way.
 */
import { imm, type Base, type Insn, type IrFunction, type VReg } from "../ir/ir.js";
import { agreed, defUse, predecessors, sameEntries } from "./util.js";

/** Known bytes: `slot:offset` → byte value. */
type Facts = Map<string, number>;

const key = (slot: number, off: number) => `${slot}:${off}`;

/** Where a pointer vreg points: a slot, somewhere that is not the stack, or anywhere. */
export type Root = { kind: "slot"; slot: number } | { kind: "nonstack" } | { kind: "unknown" };

export function stackprop(fn: IrFunction): IrFunction {
  const roots = pointerRoots(fn);
  const escaped = new Set<number>();
  for (const b of fn.blocks) for (const i of b.insns) if (i.op === "slotaddr") escaped.add(i.slot);
  if (!fn.blocks.some((b) => b.insns.some((i) => i.op === "store" && i.base.kind === "slot" && i.src.kind === "imm"))) return fn;

  const forget = (f: Facts, slot: number) => { for (const k of [...f.keys()]) if (k.startsWith(`${slot}:`)) f.delete(k); };
  const forgetEscaped = (f: Facts) => { for (const s of escaped) forget(f, s); };
  const transfer = (i: Insn, f: Facts): void => {
    if (i.op === "store") {
      if (i.base.kind === "slot") {
        for (let k = 0; k < i.size; k++) {
          if (i.src.kind === "imm") f.set(key(i.base.slot, i.off + k), Number((BigInt.asUintN(64, i.src.value) >> BigInt(8 * k)) & 0xffn));
          else f.delete(key(i.base.slot, i.off + k));
        }
        return;
      }
      const r = rootOf(roots, i.base);
      if (r.kind === "slot") forget(f, r.slot);
      else if (r.kind === "unknown") forgetEscaped(f);
    } else if (i.op === "call") forgetEscaped(f);
  };

  // Facts at block entry, to a fixed point (undefined: not reached yet).
  const preds = predecessors(fn);
  const inFacts = new Map<number, Facts>();
  const outFacts = new Map<number, Facts>();
  const order = fn.blocks.map((b) => b.id);
  for (let changed = true; changed;) {
    changed = false;
    for (const id of order) {
      const ps = preds[id]!.filter((p) => outFacts.has(p));
      if (id !== fn.entry && !ps.length) continue;
      const f: Facts = id === fn.entry ? new Map() : agreed(ps.map((p) => outFacts.get(p)!));
      const prev = inFacts.get(id);
      if (prev && sameEntries(prev, f)) continue;
      inFacts.set(id, f);
      const out = new Map(f);
      for (const i of fn.blocks[id]!.insns) transfer(i, out);
      outFacts.set(id, out);
      changed = true;
    }
  }

  for (const b of fn.blocks) {
    const f = new Map(inFacts.get(b.id) ?? []);
    b.insns = b.insns.map((i) => {
      let r: Insn = i;
      if (i.op === "load" && i.base.kind === "slot") {
        const v = known(f, i.base.slot, i.off, i.size);
        if (v !== undefined) {
          const value = i.signed ? BigInt.asIntN(i.size * 8, v) : v;
          r = { op: "mov", dst: i.dst, src: imm(BigInt.asIntN(64, value)), w: 64, loc: i.loc };
        }
      }
      transfer(i, f);
      return r;
    });
  }
  return fn;
}

function known(f: Facts, slot: number, off: number, size: number): bigint | undefined {
  let v = 0n;
  for (let k = size - 1; k >= 0; k--) {
    const byte = f.get(key(slot, off + k));
    if (byte === undefined) return undefined;
    v = (v << 8n) | BigInt(byte);
  }
  return v;
}

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
