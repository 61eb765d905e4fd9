/**
 * Loop-invariant loads of globals, hoisted. A loop that reads a global it never
 * writes (no store to it, no call) reads it once, before the loop, as clang's
 * LICM does: fewer instructions per iteration, and the verifier sees one
 * register where it saw a fresh unknown value in every iteration, so the first
 * test of the global decides the same test in later iterations instead of
 * doubling the paths each time.
 */
import type { Block, Insn, IrFunction, VReg } from "../ir/ir.js";
import { defUse, dominators, predecessors } from "./util.js";

/** Globals a loop may keep in registers. */
const MAX_HOISTED = 4;

export function licm(fn: IrFunction): IrFunction {
  for (let round = 0; round < 10 && hoistOne(fn); round++);
  return fn;
}

/** Hoist the loads of the innermost loop that has any; whether it did. */
function hoistOne(fn: IrFunction): boolean {
  const dom = dominators(fn);
  const preds = predecessors(fn);
  const { defs } = defUse(fn);
  const globalOf = (v: VReg): string | undefined => {
    const d = defs.get(v);
    return d?.length === 1 && d[0]!.op === "ldglobal" ? d[0]!.symbol : undefined;
  };
  const loops = fn.blocks
    .map((h) => ({ header: h.id, body: loopBody(h.id, preds[h.id]!.filter((l) => dom[l]!.has(h.id)), preds) }))
    .filter((l) => l.body.size > 0)
    .sort((a, b) => a.body.size - b.body.size || a.header - b.header);
  for (const { header, body } of loops) {
    const loads = invariantLoads(fn, body, globalOf);
    if (!loads.length) continue;
    const pre = preheader(fn, header, body, preds[header]!);
    for (const { symbol, loads: group } of loads) {
      const addr = fn.vregCount++, value = fn.vregCount++;
      const first = group[0]!;
      pre.insns.push({ op: "ldglobal", dst: addr, symbol, loc: first.loc });
      pre.insns.push({ ...first, dst: value, base: { kind: "reg", reg: addr } });
      const hoisted = new Set<Insn>(group);
      for (const b of body) {
        const blk = fn.blocks[b]!;
        blk.insns = blk.insns.map((i) => (i.op === "load" && hoisted.has(i) ? { op: "mov", dst: i.dst, src: { kind: "reg", reg: value }, w: 64, loc: i.loc } : i));
      }
    }
    return true;
  }
  return false;
}

/** The natural loop of `header` with back edges from `latches`: blocks that reach a latch without passing the header. */
function loopBody(header: number, latches: number[], preds: number[][]): Set<number> {
  if (!latches.length) return new Set();
  const body = new Set([header]);
  const work = [...latches];
  while (work.length) {
    const b = work.pop()!;
    if (body.has(b)) continue;
    body.add(b);
    work.push(...preds[b]!);
  }
  return body;
}

type Load = Insn & { op: "load" };

/** The loop's loads of globals it never writes, grouped by place (at most MAX_HOISTED places). */
function invariantLoads(fn: IrFunction, body: Set<number>, globalOf: (v: VReg) => string | undefined): { symbol: string; loads: Load[] }[] {
  const written = new Set<string>();
  const loads = new Map<string, { symbol: string; loads: Load[] }>();
  for (const b of body) {
    for (const i of fn.blocks[b]!.insns) {
      if (i.op === "call") return [];
      if (i.op === "store" && i.base.kind === "reg") {
        const g = globalOf(i.base.reg);
        if (g === undefined) return []; // a pointer that may hold a global's address
        written.add(g);
      }
      if (i.op === "load" && i.base.kind === "reg" && !i.core) {
        const g = globalOf(i.base.reg);
        if (g === undefined) continue;
        const key = `${g}+${i.off}:${i.size}:${i.signed}`;
        const group = loads.get(key) ?? { symbol: g, loads: [] };
        group.loads.push(i);
        loads.set(key, group);
      }
    }
  }
  return [...loads.values()].filter((g) => !written.has(g.symbol)).slice(0, MAX_HOISTED);
}

/** A block that runs just before the loop and only then: the single outside predecessor ending in a jump to the header, or a new one. */
function preheader(fn: IrFunction, header: number, body: Set<number>, preds: number[]): Block {
  const outside = preds.filter((p) => !body.has(p));
  if (outside.length === 1) {
    const p = fn.blocks[outside[0]!]!;
    if (p.term.op === "jmp") return p;
  }
  const pre: Block = { id: fn.blocks.length, insns: [], term: { op: "jmp", target: header } as Block["term"] };
  fn.blocks.push(pre);
  for (const p of outside) {
    const t = fn.blocks[p]!.term;
    if (t.op === "jmp") t.target = pre.id;
    else if (t.op === "br") {
      if (t.then === header) t.then = pre.id;
      if (t.else === header) t.else = pre.id;
    }
  }
  if (fn.entry === header) fn.entry = pre.id;
  return pre;
}
