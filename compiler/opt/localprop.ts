/**
 * Constant propagation for variables with several definitions, along extended
 * basic blocks: walking each block in order, a vreg last set to a constant is that
 * constant until it is set again; a block with a single predecessor starts with
 * what its predecessor ended with. (constprop handles single-definition vregs
 * across the whole function.) Along the same paths it keeps unsigned upper
 * bounds learnt from branches (`i < 8` taken), so a bounds check the loop
 * condition already implies folds away, and the loads already made: a second
 * load of the same place, with no store that may alias it and no call in
 * between, becomes a copy of the first. Loads are also carried into a join made
 * on every path to it; loads through the context survive stores that cannot
 * reach it and calls of helpers that change none of its fields; loads of packet
 * data survive stores to what a helper returned (a ring-buffer record, a map
 * value), to the stack and to globals, and those loads stores to the packet.
 * A load of a place just stored reads the register stored (all of it: an
 * 8-byte store, or a 4-byte one of a register whose upper half is zero).
 */
import { liveness } from "../ir/liveness.js";
import { def, imm, upperHalfClear, uses, type Insn, type IrFunction, type Operand, type Terminator, type VReg, type Width } from "../ir/ir.js";
import { evaluate, movWidth } from "./constprop.js";
import { foldCmp, immediateFor } from "./fold.js";
import { agreed, predecessors, reversePostorder } from "./util.js";

/**
 * Helpers that change no field a program reads through its context: not in the
 * kernel's bpf_helper_changes_pkt_data list (so ctx->data and data_end stay), and
 * touching no other skb or xdp_md state (unlike bpf_set_hash or bpf_skb_change_type).
 */
const KEEPS_CTX = new Set([
  "bpf_map_lookup_elem", "bpf_map_update_elem", "bpf_map_delete_elem",
  "bpf_map_push_elem", "bpf_map_pop_elem", "bpf_map_peek_elem",
  "bpf_ringbuf_reserve", "bpf_ringbuf_submit", "bpf_ringbuf_discard", "bpf_ringbuf_output",
  "bpf_ktime_get_ns", "bpf_ktime_get_boot_ns", "bpf_get_prandom_u32", "bpf_get_smp_processor_id",
  "bpf_trace_printk", "bpf_csum_diff",
]);

/**
 * Registers that may hold a context pointer (the verifier lets only an unmodified
 * one address the context): parameters never reassigned, copies and sums of such,
 * 8-byte loads (a pointer may come back from memory) and results of calls other
 * than helpers. A store through any other register cannot write the context.
 */
function mayBeCtx(fn: IrFunction): Set<VReg> {
  const out = new Set<VReg>(fn.params);
  for (let changed = true; changed;) {
    changed = false;
    for (const b of fn.blocks) {
      for (const i of b.insns) {
        const d = i.op === "store" ? undefined : i.dst;
        if (d === undefined || out.has(d)) continue;
        const yes = i.op === "mov" ? i.src.kind === "reg" && out.has(i.src.reg)
          : i.op === "alu" ? out.has(i.a) || (i.b.kind === "reg" && out.has(i.b.reg))
          : i.op === "load" ? i.size === 8
          : i.op === "call" ? i.target.kind !== "helper"
          : false;
        if (yes) { out.add(d); changed = true; }
      }
    }
  }
  return out;
}

/**
 * Memories no store through another root reaches: packet data (`pkt`, pointers
 * from ctx->data) and what helpers return (`heap`: map values, ring-buffer
 * records, sockets) are apart from each other, from the stack, the globals and
 * the context. Only an unknown pointer (`other`) may be in any of them.
 */
const OWN = new Set(["pkt", "heap"]);
const apart = (x: string, y: string) => x !== y && (OWN.has(x) || OWN.has(y)) && x !== "other" && y !== "other";

/**
 * Registers that are certainly not pointers: every definition leaves the upper
 * half zero (the verifier forbids 32-bit arithmetic on pointers and makes a
 * 32-bit copy of one a scalar), and none is a 32-bit load from what may be the
 * context (ctx->data is a pointer the verifier makes of a 32-bit field).
 */
function scalarRegs(fn: IrFunction, clear: Set<VReg>, ctxish: Set<VReg>): Set<VReg> {
  const out = new Set(clear);
  for (const b of fn.blocks) {
    for (const i of b.insns) if (i.op === "load" && i.size === 4 && (i.base.kind === "slot" || ctxish.has(i.base.reg))) out.delete(i.dst);
  }
  return out;
}

const CALLEE_SAVED = 4;

/** What is live over each call (its result aside), before this pass changes anything. */
function liveAcrossCalls(fn: IrFunction): Map<Insn, Set<VReg>> {
  const { liveOut } = liveness(fn);
  const out = new Map<Insn, Set<VReg>>();
  for (const b of fn.blocks) {
    const live = new Set(liveOut[b.id]);
    for (const u of uses(b.term)) live.add(u);
    for (let k = b.insns.length - 1; k >= 0; k--) {
      const i = b.insns[k]!;
      const d = def(i);
      if (d !== undefined) live.delete(d);
      if (i.op === "call") out.set(i, new Set(live));
      for (const u of uses(i)) live.add(u);
    }
  }
  return out;
}

/** A register holding a global place's value; exact: what loading the place gives, all 64 bits. */
interface Held { reg: VReg; exact: boolean }

export function localprop(fn: IrFunction): IrFunction {
  const preds = predecessors(fn);
  // Loads through the context are their own root: stack and global stores, and most helpers, leave them be.
  const assigned = new Set(fn.blocks.flatMap((b) => b.insns.flatMap((i) => (i.op === "store" || i.dst === undefined ? [] : [i.dst]))));
  const ctxParams = new Set(fn.params.filter((p) => !assigned.has(p)));
  const ctxish = mayBeCtx(fn);
  const across = liveAcrossCalls(fn);
  const out = new Map<number, Map<VReg, bigint>>();
  const freshOut = new Map<number, Set<VReg>>();
  const bounds32 = new Map<number, Map<VReg, bigint>>();
  const loadsOut = new Map<number, Map<string, { dst: VReg; root: string }>>();
  const rootsOut = new Map<number, Map<VReg, string>>();
  const bounds64 = new Map<number, Map<VReg, bigint>>();
  const globalsOut = new Map<number, Map<VReg, string>>();
  const heldOut = new Map<number, Map<string, Held>>();
  const clear = upperHalfClear(fn);
  const scalars = scalarRegs(fn, clear, ctxish);
  for (const id of reversePostorder(fn)) {
    const b = fn.blocks[id]!;
    const p = preds[id]!;
    const known = new Map<VReg, bigint>(p.length === 1 && out.has(p[0]!) ? out.get(p[0]!)! : []);
    // registers set to their known constant since the last call
    const fresh = new Set<VReg>(p.length === 1 ? freshOut.get(p[0]!) ?? [] : []);
    // Exclusive unsigned upper bounds: of a register's low 32 bits, and of the whole register.
    const below32 = new Map<VReg, bigint>(p.length === 1 ? bounds32.get(p[0]!) ?? [] : []);
    const below64 = new Map<VReg, bigint>(p.length === 1 ? bounds64.get(p[0]!) ?? [] : []);
    if (p.length === 1) learn(fn.blocks[p[0]!]!.term, id, below32, below64);
    const operand = (o: Operand, w: Width): Operand => {
      if (o.kind !== "reg") return o;
      const c = known.get(o.reg);
      return c !== undefined && immediateFor(c, w) ? imm(c) : o;
    };
    // Loads made on every path here (a join's predecessors all seen, so not a loop header).
    const loads = new Map<string, { dst: VReg; root: string }>(p.length === 1 ? loadsOut.get(p[0]!) ?? []
      : p.length > 1 && p.every((q) => loadsOut.has(q)) ? agreed(p.map((q) => loadsOut.get(q)!), (x, y) => x.dst === y.dst) : []);
    const roots = new Map<VReg, string>(p.length === 1 ? rootsOut.get(p[0]!) ?? [] : []);
    const rootOf = (base: import("../ir/ir.js").Base) =>
      (base.kind === "slot" ? `s${base.slot}` : roots.get(base.reg) ?? (ctxParams.has(base.reg) ? "ctx" : "other"));
    // A CO-RE access is keyed by its access path too: fields at one build-time offset may part at load time.
    const keyOf = (i: Insn & { op: "load" | "store" }) =>
      `${i.base.kind === "slot" ? `s${i.base.slot}` : `r${i.base.reg}`}+${i.off}${i.core ? `@${i.core.root}:${i.core.access.join(":")}` : ""}`;
    // Registers holding exactly a global's address (ldglobal, copies): two of them name one place.
    const globalAddr = new Map<VReg, string>(p.length === 1 ? globalsOut.get(p[0]!) ?? [] : []);
    const placeOf = (i: Insn & { op: "load" | "store" }) =>
      i.base.kind === "reg" && globalAddr.has(i.base.reg) && !i.core ? `${globalAddr.get(i.base.reg)}+${i.off}:${i.size}` : undefined;
    // What each global place holds, by the register last loaded from or stored to it here: storing
    // that register back changes nothing, and loading the place again (when the register is exactly
    // what a load gives) reads the register.
    const held = new Map<string, Held>(p.length === 1 ? heldOut.get(p[0]!) ?? [] : []);
    const dead = new Set<Insn>();
    b.insns = b.insns.map((i): Insn => {
      if (i.op === "store") {
        const place = placeOf(i);
        if (place && i.src.kind === "reg" && held.get(place)?.reg === i.src.reg) {
          dead.add(i); // `g = g`
          return i;
        }
      }
      if (i.op === "load") {
        const prev = loads.get(`${keyOf(i)}:${i.size}:${i.signed}`);
        const place = placeOf(i);
        const h = place && !i.signed ? held.get(place) : undefined;
        if (prev) i = { op: "mov", dst: i.dst, src: { kind: "reg", reg: prev.dst }, w: 64, loc: i.loc };
        else if (h?.exact) i = { op: "mov", dst: i.dst, src: { kind: "reg", reg: h.reg }, w: 64, loc: i.loc };
      }
      if (i.op === "store") {
        // A store may change what earlier loads read: through a global only that global, else anything but other globals.
        const r = rootOf(i.base);
        const ctxToo = r === "ctx" || (i.base.kind === "reg" && ctxish.has(i.base.reg));
        for (const [k, v] of loads) {
          if (v.root !== "ctx" && apart(r, v.root)) continue;
          if (v.root === "ctx" ? ctxToo : v.root === r || (!r.startsWith("g") && !v.root.startsWith("g")) || (r === "other" || r === "ctx") && v.root.startsWith("s")) loads.delete(k);
        }
        // what it stored is what loading the place gives back, when the register has no bits beyond it
        if (i.src.kind === "reg" && !i.core && (i.size === 8 || (i.size === 4 && clear.has(i.src.reg)))) {
          loads.set(`${keyOf(i)}:${i.size}:false`, { dst: i.src.reg, root: r });
        }
      }
      if (i.op === "call") {
        held.clear();
        fresh.clear();
        // a context load kept over a call needs a callee-saved register (r6–r9): keep them only while those last
        const keep = i.target.kind === "helper" && KEEPS_CTX.has(i.target.name);
        const live = across.get(i) ?? new Set<VReg>();
        let room = CALLEE_SAVED - live.size;
        for (const [k, v] of loads) {
          if (keep && v.root === "ctx" && (live.has(v.dst) || room-- > 0)) continue;
          loads.delete(k);
        }
      }
      if (i.op === "store") {
        // any other store may write any global place (through a pointer, or this one)
        const place = placeOf(i);
        held.clear();
        // a load gives back all of the register stored only if it had no bits beyond the place's size
        if (place && i.src.kind === "reg") held.set(place, { reg: i.src.reg, exact: i.size === 8 || (i.size === 4 && clear.has(i.src.reg)) });
      }
      const c = evaluate(i, (r) => known.get(r));
      let n: Insn = i;
      switch (i.op) {
        case "mov": n = { ...i, src: operand(i.src, i.w) }; break;
        case "alu": n = { ...i, b: operand(i.b, i.w) }; break;
        case "store": n = { ...i, src: operand(i.src, i.size === 8 ? 64 : 32) }; break;
        case "call": n = { ...i, args: i.args.map((a) => operand(a, 64)) }; break;
      }
      const d = n.op === "store" ? undefined : (n as { dst?: VReg }).dst;
      if (d === undefined) return n;
      for (const [k, v] of held) if (v.reg === d) held.delete(k);
      globalAddr.delete(d);
      if (n.op === "ldglobal") globalAddr.set(d, n.symbol);
      if (n.op === "mov" && n.src.kind === "reg" && n.w === 64 && globalAddr.has(n.src.reg)) globalAddr.set(d, globalAddr.get(n.src.reg)!);
      if (n.op === "load") { const place = placeOf(n); if (place && !n.signed) held.set(place, { reg: d, exact: true }); }
      // A redefined vreg no longer holds what a recorded load read, nor the address it read from.
      for (const [k, v] of loads) if (v.dst === d || k.startsWith(`r${d}+`)) loads.delete(k);
      const rootsBefore = new Map<VReg, string>(uses(n).flatMap((u) => (roots.has(u) ? [[u, roots.get(u)!] as [VReg, string]] : [])));
      roots.delete(d);
      if (n.op === "ldglobal") roots.set(d, `g${n.symbol}`);
      if ((n.op === "mov" && n.src.kind === "reg") || (n.op === "alu" && n.alu === "add" && n.b.kind === "imm")) {
        const from = n.op === "mov" ? (n.src as { reg: VReg }).reg : n.a;
        if (rootsBefore.has(from)) roots.set(d, rootsBefore.get(from)!);
      }
      // packet data: ctx->data is a 32-bit field of the context (where it is not, the load is a scalar, which nothing dereferences)
      if (n.op === "load" && n.size === 4 && !n.signed && !n.core && n.base.kind === "reg" && ctxParams.has(n.base.reg)) roots.set(d, "pkt");
      // what a helper hands out: a map value, a ring-buffer record, a socket (or a scalar)
      if (n.op === "call" && n.target.kind === "helper") roots.set(d, "heap");
      // a pointer moved by a scalar stays in its memory
      if (n.op === "alu" && (n.alu === "add" || n.alu === "sub") && n.b.kind === "reg" && scalars.has(n.b.reg) && OWN.has(rootsBefore.get(n.a) ?? "")) {
        roots.set(d, rootsBefore.get(n.a)!);
      }
      if (n.op === "load" && !(n.base.kind === "reg" && n.base.reg === d)) loads.set(`${keyOf(n)}:${n.size}:${n.signed}`, { dst: d, root: rootOf(n.base) });
      below32.delete(d);
      below64.delete(d);
      if (n.op === "zext" && n.from === 32 && below32.has(n.src)) below64.set(d, below32.get(n.src)!);
      if (n.op === "mov" && n.src.kind === "reg") {
        const r = n.src.reg;
        if (below32.has(r)) below32.set(d, below32.get(r)!);
        if (n.w === 64 && below64.has(r)) below64.set(d, below64.get(r)!);
      }
      if (c !== undefined && n.op !== "call" && n.op !== "load") {
        // setting a register to the constant it already holds changes nothing
        // (unless a call came between: the constant is cheaper to set again than to keep in r6–r9)
        if (known.get(d) === c && fresh.has(d)) { dead.add(n); return n; }
        known.set(d, c);
        fresh.add(d);
        return n.op === "mov" && n.src.kind === "imm" ? n : { op: "mov", dst: d, src: imm(c), w: movWidth(c), loc: n.loc };
      }
      known.delete(d);
      fresh.delete(d);
      return n;
    });
    if (dead.size) b.insns = b.insns.filter((x) => !dead.has(x));
    globalsOut.set(id, globalAddr);
    heldOut.set(id, held);
    b.term = foldTerm(b.term, known, operand);
    b.term = foldBounded(b.term, below32, below64);
    out.set(id, known);
    freshOut.set(id, fresh);
    loadsOut.set(id, loads);
    rootsOut.set(id, roots);
    bounds32.set(id, below32);
    bounds64.set(id, below64);
  }
  return fn;
}

/** The recorded loads all of several maps agree on. */
function foldTerm(t: Terminator, known: Map<VReg, bigint>, operand: (o: Operand, w: Width) => Operand): Terminator {
  if (t.op === "ret") return t.value ? { ...t, value: operand(t.value, t.w) } : t;
  if (t.op !== "br") return t;
  const a = known.get(t.a);
  const b = operand(t.b, t.w);
  if (a !== undefined && b.kind === "imm") return { op: "jmp", target: foldCmp(t.cmp, a, b.value, t.w) ? t.then : t.else, loc: t.loc };
  return { ...t, b };
}

/** What taking the edge from `t` to block `to` says about an unsigned compare's register. */
function learn(t: Terminator, to: number, below32: Map<VReg, bigint>, below64: Map<VReg, bigint>): void {
  if (t.op !== "br" || t.b.kind !== "imm" || t.then === t.else) return;
  const taken = to === t.then;
  const c = BigInt.asUintN(t.w, t.b.value);
  // x < c on this edge for: (lt taken), (le taken: < c+1), (ge not taken), (gt not taken: <= c).
  let bound: bigint | undefined;
  if (t.cmp === "lt" && taken) bound = c;
  else if (t.cmp === "le" && taken) bound = c + 1n;
  else if (t.cmp === "ge" && !taken) bound = c;
  else if (t.cmp === "gt" && !taken) bound = c + 1n;
  if (bound === undefined) return;
  const m = t.w === 32 ? below32 : below64;
  const prev = m.get(t.a);
  m.set(t.a, prev === undefined || bound < prev ? bound : prev);
  if (t.w === 64) below32.set(t.a, bound < 1n << 32n ? bound : 1n << 32n);
}

/** A branch whose outcome the known bounds decide. */
function foldBounded(t: Terminator, below32: Map<VReg, bigint>, below64: Map<VReg, bigint>): Terminator {
  if (t.op !== "br" || t.b.kind !== "imm") return t;
  const bound = (t.w === 32 ? below32 : below64).get(t.a);
  if (bound === undefined) return t;
  const c = BigInt.asUintN(t.w, t.b.value);
  // Every value is < bound, so x < c holds when bound <= c, and x >= c never does.
  if ((t.cmp === "lt" || t.cmp === "ne") && bound <= c) return { op: "jmp", target: t.then, loc: t.loc };
  if (t.cmp === "eq" && bound <= c) return { op: "jmp", target: t.else, loc: t.loc };
  if (t.cmp === "le" && bound <= c + 1n) return { op: "jmp", target: t.then, loc: t.loc };
  if (t.cmp === "ge" && bound <= c) return { op: "jmp", target: t.else, loc: t.loc };
  if (t.cmp === "gt" && bound <= c + 1n) return { op: "jmp", target: t.else, loc: t.loc };
  return t;
}
