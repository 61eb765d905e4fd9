/**
 * Linear-scan register allocation onto r0–r9, following the BPF calling
 * convention: calls clobber r0–r5, so values live across a call go to the
 * callee-saved r6–r9; arguments and results are hinted to r1–r5 and r0 so that
 * most moves vanish. When registers run out, a value is spilled to its own
 * 8-byte stack slot (loads before uses, stores after defs) and allocation reruns.
 */
import { def, uses, type Insn, type IrFunction, type Terminator, type VReg } from "../ir/ir.js";
import { liveness } from "./liveness.js";

export type PhysReg = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

const CALLER_SAVED: PhysReg[] = [1, 2, 3, 4, 5, 0];
const CALLEE_SAVED: PhysReg[] = [6, 7, 8, 9];

interface Interval {
  vreg: VReg;
  start: number;
  end: number;
  crossesCall: boolean;
  hints: PhysReg[];
}

export interface Allocation {
  regs: Map<VReg, PhysReg>;
}

/** Positions: instruction k of the linear order uses at 2k and defines at 2k+1. */
function buildIntervals(fn: IrFunction, order: number[]): Interval[] {
  const { liveIn, liveOut } = liveness(fn);
  const iv = new Map<VReg, Interval>();
  const get = (v: VReg): Interval => {
    let i = iv.get(v);
    if (!i) iv.set(v, (i = { vreg: v, start: Infinity, end: -Infinity, crossesCall: false, hints: [] }));
    return i;
  };
  const touch = (v: VReg, pos: number) => {
    const i = get(v);
    i.start = Math.min(i.start, pos);
    i.end = Math.max(i.end, pos);
  };
  fn.params.forEach((p, k) => {
    touch(p, 0);
    get(p).hints.push((k + 1) as PhysReg);
  });
  let k = 0;
  for (const id of order) {
    const b = fn.blocks[id]!;
    const first = k;
    const all: (Insn | Terminator)[] = [...b.insns, b.term];
    const last = first + all.length - 1;
    for (const v of liveIn[id]!) touch(v, 2 * first);
    for (const v of liveOut[id]!) touch(v, 2 * last + 1);
    // Backward walk for exact liveness at calls.
    const live = new Set(liveOut[id]);
    for (let j = all.length - 1; j >= 0; j--) {
      const ins = all[j]!;
      const pos = first + j;
      const d = def(ins);
      if (d !== undefined) {
        live.delete(d);
        touch(d, 2 * pos + 1);
      }
      if (ins.op === "call") {
        for (const v of live) get(v).crossesCall = true;
        if (d !== undefined) get(d).hints.push(0);
        ins.args.forEach((a, n) => { if (a.kind === "reg") get(a.reg).hints.push((n + 1) as PhysReg); });
      }
      if (ins.op === "ret" && ins.value?.kind === "reg") get(ins.value.reg).hints.push(0);
      // The second operand of a two-address ALU op must not share dst's register.
      const late = ins.op === "alu" && ins.b.kind === "reg" ? ins.b.reg : undefined;
      for (const u of uses(ins)) {
        touch(u, u === late && u !== (ins as { a?: VReg }).a ? 2 * pos + 1 : 2 * pos);
        live.add(u);
      }
    }
    k = last + 1;
  }
  // Copies are hints too: a mov's source and destination like the same register.
  for (const b of fn.blocks) {
    for (const i of b.insns) {
      if (i.op === "mov" && i.src.kind === "reg") {
        const s = i.src.reg;
        get(i.dst).hints.push(...get(s).hints);
        get(s).hints.push(...get(i.dst).hints);
      }
    }
  }
  return [...iv.values()].filter((i) => i.start !== Infinity).sort((a, b) => a.start - b.start || a.vreg - b.vreg);
}

export function linearOrder(fn: IrFunction): number[] {
  // Greedy traces: each block is followed by its preferred successor when still free,
  // so most jumps become fall-throughs. For a branch, prefer the earlier-created
  // successor (source order: the `then` of an if, a loop's body).
  const placed = new Set<number>();
  const order: number[] = [];
  const pending = [fn.entry];
  while (pending.length) {
    let id: number | undefined = pending.pop()!;
    while (id !== undefined && !placed.has(id)) {
      placed.add(id);
      order.push(id);
      const t: Terminator = fn.blocks[id]!.term;
      let next: number | undefined;
      if (t.op === "jmp") next = t.target;
      else if (t.op === "br") {
        const [first, second]: number[] = t.then < t.else ? [t.then, t.else] : [t.else, t.then];
        pending.push(second);
        next = placed.has(first) ? undefined : first;
        if (next === undefined) pending.push(first);
      }
      id = next;
    }
  }
  return order;
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
  const active: { iv: Interval; reg: PhysReg }[] = [];
  for (const cur of intervals) {
    for (let a = active.length - 1; a >= 0; a--) if (active[a]!.iv.end < cur.start) active.splice(a, 1);
    const busy = new Set(active.map((a) => a.reg));
    const pool = cur.crossesCall ? CALLEE_SAVED : [...CALLER_SAVED, ...CALLEE_SAVED];
    const free = pool.filter((r) => !busy.has(r));
    const hinted = cur.hints.find((h) => free.includes(h));
    const choice = hinted ?? free[0];
    if (choice === undefined) {
      // Spill whichever of the candidates lives longest.
      // Spill whichever candidate lives longest (never a spill temp: those live one instruction).
      const spillable = (i: Interval) => i.end - i.start > 2;
      const victim = active.filter((a) => pool.includes(a.reg) && spillable(a.iv))
        .reduce<Interval | undefined>((m, a) => (!m || a.iv.end > m.end ? a.iv : m), undefined);
      if (victim && (victim.end > cur.end || !spillable(cur))) return { regs, spill: victim.vreg };
      if (!spillable(cur)) throw new Error("internal: no register for a spill temporary");
      return { regs, spill: cur.vreg };
    }
    regs.set(cur.vreg, choice);
    active.push({ iv: cur, reg: choice });
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

function substitute<T extends Insn | Terminator>(i: T, from: VReg, to: VReg): T {
  const op = (o: import("../ir/ir.js").Operand) => (o.kind === "reg" && o.reg === from ? { kind: "reg" as const, reg: to } : o);
  const base = (b: import("../ir/ir.js").Base) => (b.kind === "reg" && b.reg === from ? { kind: "reg" as const, reg: to } : b);
  const r = (x: VReg) => (x === from ? to : x);
  const c = { ...i } as Insn | Terminator;
  switch (c.op) {
    case "mov": c.src = op(c.src); break;
    case "alu": c.a = r(c.a); c.b = op(c.b); break;
    case "neg": c.a = r(c.a); break;
    case "sext": case "zext": case "bswap": c.src = r(c.src); break;
    case "load": c.base = base(c.base); break;
    case "store": c.base = base(c.base); c.src = op(c.src); break;
    case "call": c.args = c.args.map(op); break;
    case "br": c.a = r(c.a); c.b = op(c.b); break;
    case "ret": if (c.value) c.value = op(c.value); break;
  }
  return c as T;
}

function substituteDef(i: Insn, to: VReg): Insn {
  return { ...i, dst: to } as Insn;
}
