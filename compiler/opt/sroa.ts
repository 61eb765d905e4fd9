/**
 * Scalar replacement of stack slots: a slot whose address is never taken (no
 * `slotaddr`: nothing but direct loads and stores touches it) and whose fields
 * are accessed with consistent offsets and sizes becomes one vreg per field.
 * Whole-slot zeroing (zeroed<T>()) zeroes each field it covers. Stores narrow the
 * value as memory would; loads widen it as the load instruction would.
 */
import { imm, reg, type Insn, type IrFunction, type Size, type VReg } from "../ir/ir.js";

interface Field { off: number; size: Size; vreg: VReg }

export function sroa(fn: IrFunction): IrFunction {
  const escaped = new Set<number>();
  const accesses = new Map<number, { off: number; size: Size; zeroStore: boolean }[]>();
  for (const b of fn.blocks) {
    for (const i of b.insns) {
      if (i.op === "slotaddr") escaped.add(i.slot);
      if ((i.op === "load" || i.op === "store") && i.base.kind === "slot") {
        const list = accesses.get(i.base.slot) ?? [];
        const zeroStore = i.op === "store" && i.src.kind === "imm" && i.src.value === 0n;
        list.push({ off: i.off, size: i.size, zeroStore });
        accesses.set(i.base.slot, list);
      }
    }
  }
  const fields = new Map<number, Field[]>();
  for (const [slot, list] of accesses) {
    if (escaped.has(slot)) continue;
    const f = promotable(list);
    if (f) fields.set(slot, f.map((x) => ({ ...x, vreg: fn.vregCount++ })));
  }
  if (!fields.size) return fn;
  for (const b of fn.blocks) {
    const out: Insn[] = [];
    for (const i of b.insns) {
      if ((i.op !== "load" && i.op !== "store") || i.base.kind !== "slot" || !fields.has(i.base.slot)) {
        out.push(i);
        continue;
      }
      const fs = fields.get(i.base.slot)!;
      const loc = i.loc;
      if (i.op === "load") {
        const f = fs.find((x) => x.off === i.off && x.size === i.size)!;
        if (i.signed) out.push({ op: "sext", dst: i.dst, src: f.vreg, from: (i.size * 8) as 8 | 16 | 32, w: 64, loc });
        else out.push({ op: "mov", dst: i.dst, src: reg(f.vreg), w: 64, loc });
        continue;
      }
      const exact = fs.find((x) => x.off === i.off && x.size === i.size);
      const covered = exact ? [exact] : fs.filter((x) => x.off >= i.off && x.off + x.size <= i.off + i.size);
      for (const f of covered) {
        if (f !== exact) {
          out.push({ op: "mov", dst: f.vreg, src: imm(0), w: 64, loc }); // part of a zeroing store
          continue;
        }
        if (f.size === 8) out.push({ op: "mov", dst: f.vreg, src: i.src, w: 64, loc });
        else {
          out.push({ op: "mov", dst: f.vreg, src: i.src, w: 32, loc }); // a 32-bit mov zero-extends
          if (f.size < 4) out.push({ op: "alu", alu: "and", dst: f.vreg, a: f.vreg, b: imm(f.size === 1 ? 0xff : 0xffff), w: 32, loc });
        }
      }
    }
    b.insns = out;
  }
  // Fields read before any store would read stack garbage in C; give them zero, as the verifier
  // would reject the uninitialised read anyway.
  const entry = fn.blocks[fn.entry]!;
  entry.insns.unshift(...[...fields.values()].flat().map((f): Insn => ({ op: "mov", dst: f.vreg, src: imm(0), w: 64 })));
  return fn;
}

/** The fields of a slot, if every access is one of them or a zeroing store covering whole fields. */
function promotable(list: { off: number; size: Size; zeroStore: boolean }[]): { off: number; size: Size }[] | undefined {
  const fields: { off: number; size: Size }[] = [];
  const key = (a: { off: number; size: number }) => `${a.off}:${a.size}`;
  const seen = new Set<string>();
  // Fields are the accesses that are not zeroing stores (plus zeroing stores that match nothing wider).
  for (const a of list) {
    if (a.zeroStore || seen.has(key(a))) continue;
    seen.add(key(a));
    fields.push({ off: a.off, size: a.size });
  }
  fields.sort((a, b) => a.off - b.off);
  for (let i = 1; i < fields.length; i++) {
    if (fields[i]!.off < fields[i - 1]!.off + fields[i - 1]!.size) return undefined; // overlapping views
  }
  for (const a of list) {
    if (!a.zeroStore || seen.has(key(a))) continue;
    // A zeroing store must cover each field entirely or not at all.
    for (const f of fields) {
      const overlap = f.off < a.off + a.size && a.off < f.off + f.size;
      const inside = f.off >= a.off && f.off + f.size <= a.off + a.size;
      if (overlap && !inside) return undefined;
    }
  }
  return fields;
}
