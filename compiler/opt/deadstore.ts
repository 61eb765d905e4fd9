/**
 * Dead-store elimination for stack slots: a store into a slot that nothing
 * reads afterwards is removed. clang's DSE does the same; it matters to the
 * verifier as much as to size, because a dead `a[i] ^= x` still makes `i`
 * precise (it is pointer arithmetic) and so multiplies the states it keeps.
 *
 * Liveness is by byte: a store whose bytes are all written again before any
 * load reads them is dead too (`zeroed<T>()` and then every field set). A load
 * through a computed address reads all of its slot, and so does a call the
 * slot's address is passed to (a helper reads its stack arguments during the
 * call and keeps no pointer to them — except a dynptr's, which names memory
 * read later). Only slots whose address goes nowhere
 * else are considered (an address stored, compared or returned could be read by
 * anyone at any time).
 */
import type { Insn, IrFunction } from "../ir/ir.js";
import { SlotLiveness } from "../ir/slots.js";

export function deadstore(fn: IrFunction): IrFunction {
  const live = new SlotLiveness(fn);
  if (!live.tame.size) return fn;
  for (const b of fn.blocks) {
    const bytes = new Set(live.liveOut[b.id]);
    const dead = new Set<Insn>();
    for (let k = b.insns.length - 1; k >= 0; k--) if (live.back(b.insns[k]!, bytes)) dead.add(b.insns[k]!);
    if (dead.size) b.insns = b.insns.filter((i) => !dead.has(i));
  }
  return fn;
}
