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
import { imm, type Insn, type IrFunction } from "../ir/ir.js";
import { pointerRoots, rootOf } from "../ir/slots.js";
import { agreed, predecessors, sameEntries } from "./util.js";

/** Known bytes: `slot:offset` → byte value. */
type Facts = Map<string, number>;

const key = (slot: number, off: number) => `${slot}:${off}`;

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
