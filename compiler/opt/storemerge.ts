/**
 * Adjacent constant stores become one store of twice the width, as clang
 * stores `e->sport = 0; e->dport = 0` as one u32 zero:
 *
 *     store.16 [%16 + 16], 0; store.16 [%16 + 18], 0  →  store.32 [%16 + 16], 0
 *
 * Only where the wider store is aligned (the verifier insists on aligned stack
 * accesses, and on aligned accesses anywhere on machines without efficient
 * unaligned access): on the stack, a slot's alignment (frame.ts places each
 * slot at a multiple of it) and the offset tell; through a register, only
 * memory a helper hands out 8-byte aligned — a ring-buffer record, a local
 * storage's data — held in a register defined once. Nothing may read or
 * write memory between the two stores, nor change the base register. A
 * 64-bit store keeps an immediate BPF can encode (a sign-extended 32-bit one).
 */
import { def, type Insn, type IrFunction, type VReg } from "../ir/ir.js";
import { defUse } from "./util.js";

/** Helpers whose non-NULL result is 8-byte aligned memory. */
const ALIGNED8 = new Set([
  "bpf_ringbuf_reserve", "bpf_sk_storage_get", "bpf_task_storage_get", "bpf_inode_storage_get", "bpf_cgrp_storage_get",
]);

type ConstStore = Insn & { op: "store"; src: { kind: "imm"; value: bigint } };

export function storemerge(fn: IrFunction): IrFunction {
  const { defs } = defUse(fn);
  const regAlign = (r: VReg): number => {
    const ds = defs.get(r);
    const d = ds?.length === 1 ? ds[0]! : undefined;
    return d?.op === "call" && d.target.kind === "helper" && ALIGNED8.has(d.target.name) ? 8 : 1;
  };
  const aligned = (s: ConstStore, off: number, size: number): boolean => {
    const a = s.base.kind === "slot" ? fn.slots[s.base.slot]?.align ?? 1 : regAlign(s.base.reg);
    return Math.min(a, 8) >= size && off % size === 0; // r10 itself is 8-byte aligned
  };
  const sameBase = (x: ConstStore, y: ConstStore) =>
    x.base.kind === "slot" ? y.base.kind === "slot" && x.base.slot === y.base.slot : y.base.kind === "reg" && x.base.reg === y.base.reg;
  for (const b of fn.blocks) {
    for (let changed = true; changed;) {
      changed = false;
      let prev: number | undefined; // the last constant store with nothing touching memory or its base since
      for (let k = 0; k < b.insns.length; k++) {
        const i = b.insns[k]!;
        if (i.op === "store" && i.src.kind === "imm" && !i.core && i.size < 8) {
          const p = prev !== undefined ? (b.insns[prev] as ConstStore) : undefined;
          const s = i as ConstStore;
          if (p && p.size === s.size && sameBase(p, s) && Math.abs(p.off - s.off) === s.size) {
            const [lo, hi] = p.off < s.off ? [p, s] : [s, p];
            const bits = BigInt(8 * s.size);
            const mask = (1n << bits) - 1n;
            const value = (lo.src.value & mask) | ((hi.src.value & mask) << bits);
            const size = (2 * s.size) as 2 | 4 | 8;
            const encodable = size < 8 || BigInt.asIntN(64, value) === BigInt.asIntN(32, value);
            if (aligned(s, lo.off, size) && encodable) {
              b.insns[prev!] = { op: "store", base: lo.base, off: lo.off, src: { kind: "imm", value: size === 8 ? BigInt.asIntN(64, value) : value }, size, loc: p.loc };
              b.insns.splice(k, 1);
              changed = true;
              break;
            }
          }
          prev = k;
          continue;
        }
        const d = def(i);
        if (i.op === "load" || i.op === "store" || i.op === "call") prev = undefined;
        else if (prev !== undefined && d !== undefined) {
          const p = b.insns[prev] as ConstStore;
          if (p.base.kind === "reg" && p.base.reg === d) prev = undefined;
        }
      }
    }
  }
  return fn;
}
