/**
 * A 32-bit sum that cannot wrap, added to a 64-bit value, is added in two
 * steps: `off = 14 + ihl * 4` (computed in `int`) then `p = data + off`
 * becomes `t = data + ihl * 4; p = t + 14`, so that addrfold folds the 14
 * into the offsets of the loads through p and of its bounds check, and the
 * 32-bit sum dies — as clang adds `(ihl << 2) & 0x3c` to a pointer it already
 * holds at `data + 14`.
 *
 * `r = add32 x, C` (or `r = mov32 C; r = add32 r, x`) in a block, read once
 * (or copied, then read by the copy alone) by `d = add64 a, r` later in it, with x unchanged in between and known
 * (ranges.ts) to lie in [0, 2^32) with x + C in [0, 2^32): the 32-bit sum is
 * then exactly x + C, so a + r = (a + x) + C. Only when r is read nowhere
 * else (not live after the add, no other reads in between), so its
 * definitions die and the code does not grow.
 *
 * Likewise `a = base + C` (64 bits) dying at `d = a + x` becomes
 * `t = base + x; d = t + C` — exact in 64 bits, no range needed: a per-CPU
 * value's histogram `&v->buckets[i]` is then addressed as `[v + i*8 + 40]`.
 */
import { liveness } from "../ir/liveness.js";
import { def, uses, type Insn, type IrFunction, type VReg } from "../ir/ir.js";
import { at, blockRanges, step, top } from "./ranges.js";

interface Form { x: VReg; c: bigint }

export function addsplit(fn: IrFunction): IrFunction {
  const entry = blockRanges(fn);
  const { liveOut } = liveness(fn);
  for (const b of fn.blocks) {
    const s = entry[b.id];
    if (!s) continue;
    // what is live after each instruction
    const liveAfter: Set<VReg>[] = [];
    const live = new Set(liveOut[b.id]);
    for (const u of uses(b.term)) live.add(u);
    for (let k = b.insns.length - 1; k >= 0; k--) {
      liveAfter[k] = new Set(live);
      const i = b.insns[k]!;
      const d = def(i);
      if (d !== undefined) live.delete(d);
      for (const u of uses(i)) live.add(u);
    }
    const state = new Map(s);
    const consts = new Map<VReg, bigint>(); // low 32 bits, as a signed 32-bit value
    const forms = new Map<VReg, Form>();
    const copies = new Map<VReg, VReg>(); // r = mov64 x
    const forms64 = new Map<VReg, Form>(); // r = x + C in 64 bits
    const out: Insn[] = [];
    const split = (i: Insn & { op: "alu" }, base: VReg, x: VReg, c: bigint) => {
      const t = fn.vregCount++;
      out.push(
        { op: "alu", alu: "add", dst: t, a: base, b: { kind: "reg", reg: x }, w: 64, loc: i.loc },
        { op: "mov", dst: i.dst, src: { kind: "reg", reg: t }, w: 64, loc: i.loc },
        { op: "alu", alu: "add", dst: i.dst, a: i.dst, b: { kind: "imm", value: c }, w: 64, loc: i.loc },
      );
      step(i, state);
      for (const m of [forms, forms64]) {
        m.delete(i.dst);
        for (const [r, g] of m) if (g.x === i.dst) m.delete(r);
      }
      forms.delete((i.b as { reg: VReg }).reg);
      forms64.delete(i.a);
      consts.delete(i.dst);
      copies.delete(i.dst);
      for (const [r, x] of copies) if (x === i.dst) copies.delete(r);
    };
    b.insns.forEach((i, k) => {
      const d = def(i);
      if (i.op === "alu" && i.alu === "add" && i.w === 64 && !i.core && i.b.kind === "reg" && i.a !== i.b.reg && !liveAfter[k]!.has(i.b.reg)) {
        const f = forms.get(i.b.reg);
        const x = f && at(state.get(f.x) ?? top(64), 64);
        if (f && x && x.lo >= 0n && x.lo + f.c >= 0n && x.hi + f.c < 1n << 32n) return split(i, i.a, f.x, f.c);
      }
      // (base + C) + x, the first sum dying here: (base + x) + C, exact in 64 bits
      if (i.op === "alu" && i.alu === "add" && i.w === 64 && !i.core && i.b.kind === "reg" && i.a !== i.b.reg && (i.a === i.dst || !liveAfter[k]!.has(i.a))) {
        const f = forms64.get(i.a);
        if (f && f.x !== i.a) return split(i, f.x, i.b.reg, f.c);
      }
      let form: Form | undefined;
      // a copy of a sum read nowhere after it carries the sum
      if (i.op === "mov" && i.src.kind === "reg" && i.src.reg !== i.dst && !liveAfter[k]!.has(i.src.reg)) form = forms.get(i.src.reg);
      let form64: Form | undefined;
      if (i.op === "mov" && i.w === 64 && i.src.kind === "reg" && i.src.reg !== i.dst && !liveAfter[k]!.has(i.src.reg)) form64 = forms64.get(i.src.reg);
      if (i.op === "alu" && i.alu === "add" && i.w === 64 && !i.core && i.b.kind === "imm") {
        if (i.a !== i.dst) form64 = { x: i.a, c: i.b.value };
        else if (copies.has(i.a)) form64 = { x: copies.get(i.a)!, c: i.b.value };
      }
      // a read other than by the register's own next definition: its value is needed as it is
      for (const u of uses(i)) if (u !== d) { forms.delete(u); consts.delete(u); forms64.delete(u); }
      let konst: bigint | undefined;
      if (i.op === "mov" && i.src.kind === "imm" && (i.w === 32 || BigInt.asIntN(32, i.src.value) === i.src.value)) konst = BigInt.asIntN(32, i.src.value);
      if (i.op === "alu" && i.alu === "add" && i.w === 32 && !i.core) {
        if (i.b.kind === "imm" && i.a !== i.dst) form = { x: i.a, c: BigInt.asIntN(32, i.b.value) };
        else if (i.b.kind === "reg" && i.a === i.dst && i.b.reg !== i.dst && consts.has(i.a)) form = { x: i.b.reg, c: consts.get(i.a)! };
        else if (i.b.kind === "reg" && i.a !== i.dst && i.b.reg !== i.dst && consts.has(i.b.reg)) form = { x: i.a, c: consts.get(i.b.reg)! };
      }
      if (d !== undefined) {
        forms.delete(d);
        consts.delete(d);
        forms64.delete(d);
        copies.delete(d);
        for (const [r, g] of forms) if (g.x === d) forms.delete(r);
        for (const [r, g] of forms64) if (g.x === d) forms64.delete(r);
        for (const [r, x] of copies) if (x === d) copies.delete(r);
        if (form) forms.set(d, form);
        if (form64) forms64.set(d, form64);
        if (konst !== undefined) consts.set(d, konst);
        if (i.op === "mov" && i.w === 64 && i.src.kind === "reg" && i.src.reg !== d) copies.set(d, i.src.reg);
      }
      step(i, state);
      out.push(i);
    });
    b.insns = out;
  }
  return fn;
}
