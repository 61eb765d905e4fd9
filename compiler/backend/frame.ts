/**
 * Stack frame layout — the one place it is decided. Slots get negative offsets
 * from r10, largest alignment first so padding stays small. BPF gives a function
 * 512 bytes of stack.
 */
import type { IrFunction } from "../ir/ir.js";
import { alignUp } from "../types/model.js";

export const MAX_STACK = 512;

export interface Frame {
  /** Offset from r10 (negative) of each slot used; undefined for unused slots. */
  offsets: (number | undefined)[];
  size: number;
}

export function layoutFrame(fn: IrFunction): Frame {
  const used = new Set<number>();
  for (const b of fn.blocks) {
    for (const i of b.insns) {
      if (i.op === "slotaddr") used.add(i.slot);
      if ((i.op === "load" || i.op === "store") && i.base.kind === "slot") used.add(i.base.slot);
    }
  }
  const ids = [...used].sort((a, b) => fn.slots[b]!.align - fn.slots[a]!.align || a - b);
  const offsets: (number | undefined)[] = fn.slots.map(() => undefined);
  let size = 0;
  for (const id of ids) {
    const s = fn.slots[id]!;
    size = alignUp(size + s.size, s.align);
    offsets[id] = -size;
  }
  return { offsets, size: alignUp(size, 8) };
}
