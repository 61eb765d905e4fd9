/**
 * A stack slot filled with what another slot already holds is that slot:
 * `m.lookup(key)` then `m.update(key, …)` stores key into one slot per call;
 * the second store goes and the update reads the first slot, as clang passes
 * `&key` twice.
 *
 * Slot B qualifies when it is written once, whole, by `store [B + 0], v`,
 * never loaded, and its address (`&B + 0`, each in a register defined once)
 * is only passed as a key or value argument of a map helper, which only reads
 * it. Slot A, of B's size and at least B's alignment, must be the same: one
 * whole store of the same v (an immediate, or a register defined once, so
 * the same value), only read by map helpers too — so it holds v from that
 * store on — and that store must come before B's on every path (it
 * dominates).
 */
import { type Insn, type IrFunction, type Operand, type VReg } from "../ir/ir.js";
import { defUse, dominators } from "./util.js";

/** Map helpers and the argument positions they only read through. */
const READS: Record<string, number[]> = {
  bpf_map_lookup_elem: [1], bpf_map_update_elem: [1, 2], bpf_map_delete_elem: [1], bpf_map_push_elem: [1],
  bpf_map_lookup_percpu_elem: [1],
};

interface Place { block: number; at: number }
interface Use { store?: Place & { src: Operand; insn: Insn }; ok: boolean; addrs: Place[] }

export function slotshare(fn: IrFunction): IrFunction {
  const { defs, useCount } = defUse(fn);
  const info = fn.slots.map((): Use => ({ ok: true, addrs: [] }));
  // registers holding a slot's address, and where each is read
  const addrOf = new Map<VReg, number>();
  for (const b of fn.blocks) {
    b.insns.forEach((i, at) => {
      if (i.op !== "slotaddr") return;
      if (i.off !== 0 || defs.get(i.dst)?.length !== 1) info[i.slot]!.ok = false;
      else { addrOf.set(i.dst, i.slot); info[i.slot]!.addrs.push({ block: b.id, at }); }
    });
  }
  const readOnlyUses = new Map<VReg, number>();
  for (const b of fn.blocks) {
    b.insns.forEach((i, at) => {
      if (i.op === "store" && i.base.kind === "slot") {
        const u = info[i.base.slot]!;
        if (u.store || i.off !== 0 || i.size !== fn.slots[i.base.slot]!.size) u.ok = false;
        else u.store = { block: b.id, at, src: i.src, insn: i };
      }
      if (i.op === "load" && i.base.kind === "slot") info[i.base.slot]!.ok = false;
      if (i.op === "call" && i.target.kind === "helper") {
        const pos = READS[i.target.name] ?? [];
        i.args.forEach((a, k) => {
          if (a.kind === "reg" && addrOf.has(a.reg) && pos.includes(k)) readOnlyUses.set(a.reg, (readOnlyUses.get(a.reg) ?? 0) + 1);
        });
      }
    });
  }
  for (const [r, slot] of addrOf) if ((useCount.get(r) ?? 0) !== (readOnlyUses.get(r) ?? 0)) info[slot]!.ok = false;
  // a store's source with one value everywhere
  const key = (o: Operand) => (o.kind === "imm" ? `#${o.value}` : defs.get(o.reg)?.length === 1 ? `%${o.reg}` : undefined);
  const dom = dominators(fn);
  const before = (a: Place | undefined, b: Place | undefined) =>
    !!a && !!b && (a.block === b.block ? a.at < b.at : dom[b.block]!.has(a.block));
  const into = new Map<number, number>();
  fn.slots.forEach((sb, b) => {
    const ub = info[b]!;
    // (B's address is taken only after its store, so after A's too)
    if (!ub.ok || !ub.store || !ub.addrs.every((p) => before(ub.store, p))) return;
    const k = key(ub.store.src);
    if (k === undefined) return;
    const a = fn.slots.findIndex((sa, a) => {
      const ua = info[a]!;
      return a !== b && !into.has(a) && ua.ok && ua.store && sa.size === sb.size && sa.align >= sb.align
        && key(ua.store.src) === k && before(ua.store, ub.store);
    });
    if (a >= 0) into.set(b, a);
  });
  if (!into.size) return fn;
  const gone = new Set([...into.keys()].map((b) => info[b]!.store!.insn));
  for (const blk of fn.blocks) {
    blk.insns = blk.insns.filter((i) => !gone.has(i)).map((i): Insn =>
      i.op === "slotaddr" && into.has(i.slot) ? { ...i, slot: into.get(i.slot)! } : i);
  }
  return fn;
}
