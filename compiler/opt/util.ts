/** Small facts passes share: where each vreg is defined and used. */
import { def, successors, uses, type Insn, type IrFunction, type Terminator, type VReg } from "../ir/ir.js";

export { defUse, type DefUse } from "../ir/ir.js";

/** Instructions with no effect but their result: removable when the result is unused. */
export function isPure(i: Insn): boolean {
  return i.op !== "store" && i.op !== "call";
}

/** Predecessor lists, by block id. */
export function predecessors(fn: IrFunction): number[][] {
  const preds: number[][] = fn.blocks.map(() => []);
  for (const b of fn.blocks) {
    for (const s of successors(b.term)) preds[s]!.push(b.id);
  }
  return preds;
}

/** The entries all `maps` agree on (values equal by `eq`): the meet of per-edge facts at a join. */
export function agreed<K, V>(maps: readonly ReadonlyMap<K, V>[], eq: (a: V, b: V) => boolean = (a, b) => a === b): Map<K, V> {
  const out = new Map(maps[0] ?? []);
  for (const m of maps.slice(1)) {
    for (const [k, v] of out) {
      const w = m.get(k);
      if (w === undefined || !eq(w, v)) out.delete(k);
    }
  }
  return out;
}

/** Whether two maps hold the same entries (values equal by `eq`: a dataflow fact that did not change). */
export function sameEntries<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>, eq: (a: V, b: V) => boolean = (a, b) => a === b): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !eq(w, v)) return false;
  }
  return true;
}

/** Blocks that can reach themselves. */
export function inCycle(fn: IrFunction): Set<number> {
  const succ = (id: number) => successors(fn.blocks[id]!.term);
  const out = new Set<number>();
  for (const b of fn.blocks) {
    const seen = new Set<number>();
    const work = succ(b.id);
    while (work.length) {
      const id = work.pop()!;
      if (id === b.id) { out.add(b.id); break; }
      if (seen.has(id)) continue;
      seen.add(id);
      work.push(...succ(id));
    }
  }
  return out;
}

/** Blocks reachable from the entry, each after its forward predecessors. */
export function reversePostorder(fn: IrFunction): number[] {
  const seen = new Set<number>();
  const post: number[] = [];
  const visit = (id: number) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const s of successors(fn.blocks[id]!.term).reverse()) visit(s);
    post.push(id);
  };
  visit(fn.entry);
  return post.reverse();
}

/** Each block's dominators (itself included); empty for blocks the entry does not reach. */
export function dominators(fn: IrFunction): Set<number>[] {
  const order = reversePostorder(fn);
  const preds = predecessors(fn);
  const dom: (Set<number> | undefined)[] = fn.blocks.map(() => undefined);
  dom[fn.entry] = new Set([fn.entry]);
  for (let changed = true; changed;) {
    changed = false;
    for (const id of order) {
      if (id === fn.entry) continue;
      let meet: Set<number> | undefined;
      for (const p of preds[id]!) {
        const d = dom[p];
        if (!d) continue;
        meet = meet ? new Set([...meet].filter((x) => d.has(x))) : new Set(d);
      }
      if (!meet) continue;
      meet.add(id);
      if (!dom[id] || dom[id]!.size !== meet.size) { dom[id] = meet; changed = true; }
    }
  }
  return dom.map((d) => d ?? new Set());
}
