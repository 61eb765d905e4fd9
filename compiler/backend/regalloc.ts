/**
 * Linear-scan register allocation onto r0–r9, following the BPF calling
 * convention: calls clobber r0–r5, so values live across a call go to the
 * callee-saved r6–r9; arguments and results are hinted to r1–r5 and r0 so that
 * most moves vanish. When registers run out, a value is spilled to its own
 * 8-byte stack slot (loads before uses, stores after defs) and allocation reruns.
 */
import { def, substitute, successors, uses, type Insn, type IrFunction, type Terminator, type VReg } from "../ir/ir.js";
import { liveness } from "../ir/liveness.js";

export type PhysReg = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

const CALLER_SAVED: PhysReg[] = [1, 2, 3, 4, 5, 0];
const CALLEE_SAVED: PhysReg[] = [6, 7, 8, 9];

interface Interval {
  vreg: VReg;
  /** Sorted, disjoint [from, to] position ranges where the value is live. */
  ranges: [number, number][];
  start: number;
  end: number;
  crossesCall: boolean;
  hints: PhysReg[];
  /** Vregs whose register this one would like to share (copies, two-address ALU operands). */
  partners: VReg[];
}

export interface Allocation {
  regs: Map<VReg, PhysReg>;
}

function addRange(iv: Interval, from: number, to: number): void {
  iv.ranges.push([from, to]);
}

/** Sorts and merges a vreg's ranges; sets start/end. */
function normalise(iv: Interval): void {
  iv.ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of iv.ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  iv.ranges = merged;
  iv.start = merged[0]![0];
  iv.end = merged[merged.length - 1]![1];
}

function intersects(a: Interval, b: Interval): boolean {
  let i = 0, j = 0;
  while (i < a.ranges.length && j < b.ranges.length) {
    const x = a.ranges[i]!, y = b.ranges[j]!;
    if (x[1] < y[0]) i++;
    else if (y[1] < x[0]) j++;
    else return true;
  }
  return false;
}

/**
 * Lifetime intervals with holes. Positions: instruction k of the linear order
 * reads its operands at 2k and writes its result at 2k+1, so a value may take the
 * register of an operand that dies at the same instruction.
 */
function buildIntervals(fn: IrFunction, order: number[]): Interval[] {
  const { liveIn, liveOut } = liveness(fn);
  const iv = new Map<VReg, Interval>();
  const get = (v: VReg): Interval => {
    let i = iv.get(v);
    if (!i) iv.set(v, (i = { vreg: v, ranges: [], start: 0, end: 0, crossesCall: false, hints: [], partners: [] }));
    return i;
  };
  fn.params.forEach((p, k) => {
    addRange(get(p), 0, 0);
    get(p).hints.push((k + 1) as PhysReg);
  });
  const firstPos: number[] = [];
  let k = 0;
  for (const id of order) {
    firstPos[id] = k;
    k += fn.blocks[id]!.insns.length + 1;
  }
  for (const id of order) {
    const b = fn.blocks[id]!;
    const first = firstPos[id]!;
    const all: (Insn | Terminator)[] = [...b.insns, b.term];
    const from = 2 * first, to = 2 * (first + all.length - 1) + 1;
    // Everything live out is live over the whole block until shortened by its definition.
    const openFrom = new Map<VReg, number>();
    for (const v of liveOut[id]!) openFrom.set(v, to);
    const live = new Set(liveOut[id]);
    for (let j = all.length - 1; j >= 0; j--) {
      const ins = all[j]!;
      const pos = first + j;
      const d = def(ins);
      if (d !== undefined) {
        const end = openFrom.get(d);
        addRange(get(d), 2 * pos + 1, end ?? 2 * pos + 1);
        openFrom.delete(d);
        live.delete(d);
      }
      if (ins.op === "call") {
        for (const v of live) get(v).crossesCall = true;
        if (d !== undefined) get(d).hints.push(0);
        ins.args.forEach((a, n) => { if (a.kind === "reg") get(a.reg).hints.push((n + 1) as PhysReg); });
      }
      if (ins.op === "ret" && ins.value?.kind === "reg") get(ins.value.reg).hints.push(0);
      // The second operand of a two-address ALU op must not share dst's register.
      const late = ins.op === "alu" && ins.b.kind === "reg" && ins.b.reg !== ins.a ? ins.b.reg : undefined;
      for (const u of uses(ins)) {
        const usePos = u === late ? 2 * pos + 1 : 2 * pos;
        if (!openFrom.has(u)) openFrom.set(u, usePos);
        else openFrom.set(u, Math.max(openFrom.get(u)!, usePos));
        live.add(u);
      }
    }
    for (const [v, end] of openFrom) {
      if (!liveIn[id]!.has(v) && !fn.params.includes(v)) continue; // a use with no reaching definition here
      addRange(get(v), from, end);
    }
  }
  // Copies are hints too: a mov's source and destination like the same register, as
  // do a two-address ALU op's result and first operand.
  for (const b of fn.blocks) {
    for (const i of b.insns) {
      if (i.op === "mov" && i.src.kind === "reg") {
        const s = i.src.reg;
        const [ds, ss] = [get(i.dst).hints.slice(), get(s).hints.slice()];
        get(i.dst).hints.push(...ss);
        get(s).hints.push(...ds);
        get(i.dst).partners.push(s);
        get(s).partners.push(i.dst);
      } else if (i.op === "alu" || i.op === "neg") {
        get(i.dst).partners.push(i.a);
      }
    }
  }
  const list = [...iv.values()].filter((i) => i.ranges.length);
  list.forEach(normalise);
  return list.sort((a, b) => a.start - b.start || a.vreg - b.vreg);
}

export function linearOrder(fn: IrFunction): number[] {
  // Greedy traces: each block is followed by its preferred successor when still free,
  // so most jumps become fall-throughs. For a branch, prefer the earlier-created
  // successor (source order: the `then` of an if, a loop's body) — unless another path
  // has yet to reach it and the other successor is ready, so that the other path falls
  // into it (`p == 6 || p == 17`: the second test falls into the shared body). A return block
  // that several paths reach goes last, as clang lays out a function's shared exit:
  // the final path falls into it and the others branch to it directly.
  const predCount = new Map<number, number>();
  for (const b of fn.blocks) for (const s of successors(b.term)) predCount.set(s, (predCount.get(s) ?? 0) + 1);
  const sharedExit = (id: number) => id !== fn.entry && fn.blocks[id]!.term.op === "ret" && (predCount.get(id) ?? 0) > 1;
  const placed = new Set<number>();
  const forwardPreds = forwardPredecessors(fn);
  const ready = (id: number) => (forwardPreds.get(id) ?? []).every((p) => placed.has(p));
  const order: number[] = [];
  const exits: number[] = [];
  const pending = [fn.entry];
  const chain = (start: number) => {
    let id: number | undefined = start;
    while (id !== undefined && !placed.has(id)) {
      placed.add(id);
      order.push(id);
      const t: Terminator = fn.blocks[id]!.term;
      let next: number | undefined;
      if (t.op === "jmp") next = t.target;
      else if (t.op === "br") {
        let [first, second]: [number, number] = t.then < t.else ? [t.then, t.else] : [t.else, t.then];
        if (sharedExit(first) && !sharedExit(second)) [first, second] = [second, first];
        // a block some other path has yet to reach waits for it: follow the arm all of whose
        // forward predecessors are placed, so the other path can fall into the waiting block
        else if (!ready(first) && ready(second) && !sharedExit(second)) [first, second] = [second, first];
        pending.push(second, first);
        next = first;
      }
      if (next !== undefined && sharedExit(next)) {
        exits.push(next);
        next = undefined;
      }
      id = next;
    }
  };
  while (pending.length) {
    const id = pending.pop()!;
    if (placed.has(id)) continue;
    if (sharedExit(id)) exits.push(id);
    else chain(id);
  }
  for (const id of exits) chain(id);
  return order;
}

/** Each block's predecessors along edges that are not back edges of a depth-first search from the entry. */
function forwardPredecessors(fn: IrFunction): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const state = new Map<number, "open" | "done">();
  const stack: [number, number[]][] = [[fn.entry, successors(fn.blocks[fn.entry]!.term)]];
  state.set(fn.entry, "open");
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const s = top[1].shift();
    if (s === undefined) {
      state.set(top[0], "done");
      stack.pop();
      continue;
    }
    if (state.get(s) !== "open") out.set(s, [...(out.get(s) ?? []), top[0]]);
    if (!state.has(s)) {
      state.set(s, "open");
      stack.push([s, successors(fn.blocks[s]!.term)]);
    }
  }
  return out;
}

/** Allocates registers; rewrites `fn` with spill code when needed. */
export function allocate(fn: IrFunction, order: number[]): Allocation {
  for (let round = 0; ; round++) {
    if (round > 64) throw new Error(`internal: register allocation of ${fn.name} does not converge`);
    const intervals = buildIntervals(fn, order);
    const result = scan(intervals);
    if (result.spill === undefined) return { regs: result.regs };
    spill(fn, result.spill);
  }
}

function scan(intervals: Interval[]): { regs: Map<VReg, PhysReg>; spill?: VReg } {
  const regs = new Map<VReg, PhysReg>();
  const assigned: { iv: Interval; reg: PhysReg }[] = [];
  for (const cur of intervals) {
    const pool = cur.crossesCall ? CALLEE_SAVED : [...CALLER_SAVED, ...CALLEE_SAVED];
    const conflicts = assigned.filter((a) => a.iv.end >= cur.start && intersects(a.iv, cur));
    const busy = new Set(conflicts.map((a) => a.reg));
    const free = pool.filter((r) => !busy.has(r));
    const partnerReg = cur.partners.map((p) => regs.get(p)).find((r): r is PhysReg => r !== undefined && free.includes(r));
    const choice = cur.hints.find((h) => free.includes(h)) ?? partnerReg ?? free[0];
    if (choice === undefined) {
      // Spill whichever candidate lives longest (never a spill temporary: those live one instruction).
      const spillable = (i: Interval) => i.end - i.start > 2;
      const victim = conflicts.filter((a) => pool.includes(a.reg) && spillable(a.iv))
        .reduce<Interval | undefined>((m, a) => (!m || a.iv.end > m.end ? a.iv : m), undefined);
      if (victim && (victim.end > cur.end || !spillable(cur))) return { regs, spill: victim.vreg };
      if (!spillable(cur)) throw new Error("internal: no register for a spill temporary");
      return { regs, spill: cur.vreg };
    }
    regs.set(cur.vreg, choice);
    assigned.push({ iv: cur, reg: choice });
  }
  return { regs };
}

/** Spill-everywhere: the vreg lives in a stack slot; each use and def gets a short-lived vreg. */
function spill(fn: IrFunction, v: VReg): void {
  fn.slots.push({ size: 8, align: 8 });
  const slot = fn.slots.length - 1;
  const base = { kind: "slot" as const, slot };
  const fresh = () => fn.vregCount++;
  if (fn.params.includes(v)) {
    // Store the incoming argument first thing.
    const entry = fn.blocks[fn.entry]!;
    const t = fresh();
    fn.params = fn.params.map((p) => (p === v ? t : p));
    entry.insns.unshift({ op: "store", base, off: 0, src: { kind: "reg", reg: t }, size: 8 });
  }
  for (const b of fn.blocks) {
    const out: Insn[] = [];
    const rewrite = <T extends Insn | Terminator>(i: T): T => {
      if (!uses(i).includes(v)) return i;
      const t = fresh();
      out.push({ op: "load", dst: t, base, off: 0, size: 8, signed: false });
      return substitute(i, v, t);
    };
    for (const i0 of b.insns) {
      const i = rewrite(i0);
      if (def(i) === v) {
        const t = fresh();
        out.push({ ...substituteDef(i, t) });
        out.push({ op: "store", base, off: 0, src: { kind: "reg", reg: t }, size: 8 });
      } else out.push(i);
    }
    b.term = rewrite(b.term);
    b.insns = out;
  }
}

function substituteDef(i: Insn, to: VReg): Insn {
  return { ...i, dst: to } as Insn;
}
