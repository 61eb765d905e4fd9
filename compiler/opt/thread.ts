/**
 * Jump threading. A block that ends in `jmp` follows its successors for as
 * long as their branches are decided by what is known at its end — value
 * ranges (ranges.ts: `state = 4`, or `state` narrowed to 2 by a switch) and
 * pointers known not to be NULL — and jumps straight to where the path goes:
 * `state = 4` at the end of a loop body skips the loop's `state < 3` test and
 * the `state === 3` test after the loop; `if (x === null)` after
 * `ctx.header<T>()` is skipped by the arm that got a pointer. A branch whose
 * two arms lead to the same place is passed too (the latch's `i < 64`, when
 * both the loop head and the exit lead to the exit). Where the path ends at a
 * branch that is not decided, that branch may be copied with its arms threaded
 * (a loop body that keeps `state` at 2 runs the latch's `i < 64` and goes on
 * past the `state < 3` test).
 *
 * The blocks passed through are copied onto the end of the jumping block, so a
 * thread is taken only when what survives of the copy (by liveness at the
 * destination; dce removes the rest) is a few instructions. Fewer tests run,
 * and the verifier walks far fewer instructions on each path.
 */
import { def, uses, type Block, type Insn, type IrFunction, type Terminator, type VReg } from "../ir/ir.js";
import { liveness } from "../ir/liveness.js";
import { blockRanges, decideBranch, refine, transfer, type State } from "./ranges.js";
import { defUse, inCycle, isPure } from "./util.js";

/** Instructions a thread may add to its block (after dead copies are dropped; a copied branch not counted). */
const MAX_COPIED = 2;
/** Blocks a thread may pass through. */
const MAX_BLOCKS = 8;

/** What is known at a point: value ranges, and registers holding a pointer that is not NULL. */
interface Facts { ranges: State; nonnull: Set<VReg> }
type Branch = Terminator & { op: "br" };

/** One step of a path: the block passed through, where it led and what is known there. */
interface Step { from: number; to: number; decided: boolean; facts: Facts }

export function thread(fn: IrFunction): IrFunction {
  const { liveIn } = liveness(fn);
  const entry = blockRanges(fn);
  const settled = entry.some((s) => s !== undefined); // blockRanges claims nothing when it did not settle
  const addresses = singleSlotAddresses(fn);
  const looping = inCycle(fn);
  for (const p of fn.blocks) {
    if (p.term.op !== "jmp" || (settled && !entry[p.id])) continue;
    const start = run(p, { ranges: entry[p.id] ?? new Map(), nonnull: new Set(addresses) });
    const steps = follow(fn, p.term.target, start, p.id);
    // The longest stretch of the path that decides something and copies little.
    for (let n = steps.length; n >= 0; n--) {
      const through = steps.slice(0, n).map((s) => fn.blocks[s.from]!);
      const last = n ? steps[n - 1]! : undefined;
      const end = fn.blocks[last ? last.to : p.term.target]!;
      // A copied branch costs an instruction: worth it only where it runs again and again.
      const copy = looping.has(p.id) ? copyBranch(fn, end, last ? last.facts : start) : undefined;
      if (copy && survivors([...through, end].flatMap((b) => b.insns), liveAt(liveIn, copy)) <= MAX_COPIED) {
        append(p, [...through, end], copy);
        break;
      }
      if (last?.decided && survivors(through.flatMap((b) => b.insns), liveIn[last.to]!) <= MAX_COPIED) {
        append(p, through, { op: "jmp", target: last.to, loc: p.term.loc } as Terminator);
        break;
      }
    }
  }
  return fn;
}

/** Follow block `at` onward with `facts`, for as long as each block's way out is decided. */
function follow(fn: IrFunction, at: number, facts: Facts, start: number): Step[] {
  const steps: Step[] = [];
  const seen = new Set([start]);
  while (!seen.has(at) && steps.length < MAX_BLOCKS) {
    const b = fn.blocks[at]!;
    const f = run(b, facts);
    let to: number, next: Facts | null = f;
    if (b.term.op === "jmp") to = b.term.target;
    else if (b.term.op !== "br") break;
    else {
      const taken = decideIn(b.term, f);
      if (taken !== undefined) {
        to = taken ? b.term.then : b.term.else;
        next = edge(f, b.term, to);
      } else {
        // Both arms may be decided further on by what is known here, and meet.
        const a = settle(fn, b.term.then, edge(f, b.term, b.term.then));
        if (a === undefined || a !== settle(fn, b.term.else, edge(f, b.term, b.term.else))) break;
        to = a;
      }
    }
    if (!next) break;
    seen.add(at);
    steps.push({ from: at, to, decided: b.term.op === "br", facts: next });
    facts = next;
    at = to;
  }
  return steps;
}

/** `b`'s branch with each arm threaded past the empty blocks `facts` decide; undefined when neither arm moves. */
function copyBranch(fn: IrFunction, b: Block, facts: Facts): Branch | undefined {
  if (b.term.op !== "br") return undefined;
  const f = run(b, facts);
  const then = settle(fn, b.term.then, edge(f, b.term, b.term.then));
  const els = settle(fn, b.term.else, edge(f, b.term, b.term.else));
  if (then === undefined || els === undefined || (then === b.term.then && els === b.term.else)) return undefined;
  return { ...b.term, then, else: els };
}

/** Where `at` leads through empty blocks whose branches `facts` decide (undefined: the edge cannot be taken). */
function settle(fn: IrFunction, at: number, facts: Facts | null): number | undefined {
  for (let n = 0; facts && n < MAX_BLOCKS; n++) {
    const b = fn.blocks[at]!;
    if (b.insns.length) break;
    if (b.term.op === "jmp") { at = b.term.target; continue; }
    if (b.term.op !== "br") break;
    const taken = decideIn(b.term, facts);
    if (taken === undefined) break;
    at = taken ? b.term.then : b.term.else;
    facts = edge(facts, b.term, at);
  }
  return facts ? at : undefined;
}

function decideIn(t: Branch, f: Facts): boolean | undefined {
  // a pointer known not to be NULL, against zero
  if (f.nonnull.has(t.a) && t.b.kind === "imm" && t.b.value === 0n && (t.cmp === "eq" || t.cmp === "ne")) return t.cmp === "ne";
  return decideBranch(t, f.ranges);
}

function edge(f: Facts, t: Branch, to: number): Facts | null {
  const ranges = refine(f.ranges, t, to);
  return ranges && { ranges, nonnull: f.nonnull };
}

/** The facts after block `b`'s instructions. */
function run(b: Block, f: Facts): Facts {
  const nonnull = new Set(f.nonnull);
  for (const i of b.insns) {
    const d = def(i);
    if (d === undefined) continue;
    const keeps = i.op === "slotaddr" || (i.op === "mov" && (i.nonnull || (i.w === 64 && i.src.kind === "reg" && nonnull.has(i.src.reg))));
    if (keeps) nonnull.add(d);
    else nonnull.delete(d);
  }
  return { ranges: transfer(b, f.ranges), nonnull };
}

function append(p: Block, blocks: Block[], term: Terminator): void {
  p.insns.push(...blocks.flatMap((b) => b.insns).map((i) => structuredClone(i)));
  p.term = { ...term, loc: p.term.loc } as Terminator;
}

function liveAt(liveIn: Set<VReg>[], t: Branch): Set<VReg> {
  return new Set([...liveIn[t.then]!, ...liveIn[t.else]!, ...uses(t)]);
}

/** How many of `insns` are still needed with `live` live after them. */
function survivors(insns: Insn[], live: Set<VReg>): number {
  const need = new Set(live);
  let count = 0;
  for (let k = insns.length - 1; k >= 0; k--) {
    const i = insns[k]!;
    const d = def(i);
    if (d !== undefined && !need.has(d) && isPure(i)) continue;
    count++;
    if (d !== undefined) need.delete(d);
    for (const u of uses(i)) need.add(u);
  }
  return count;
}

/** Vregs holding a stack address (never NULL) by their only definition. */
function singleSlotAddresses(fn: IrFunction): VReg[] {
  return [...defUse(fn).defs].filter(([, ds]) => ds.length === 1 && ds[0]!.op === "slotaddr").map(([v]) => v);
}
