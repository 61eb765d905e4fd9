/**
 * Stack frame layout — the one place it is decided. Slots get negative offsets
 * from r10, largest alignment first so padding stays small. BPF gives a function
 * 512 bytes of stack.
 *
 * Slots never in use at the same time share their bytes (ir/slots.ts decides
 * which; clang's stack colouring does the same): each inlined call and each
 * unrolled loop step has slots of its own, and without sharing a few of them
 * would need more stack than BPF gives where clang's build fits.
 */
import type { IrFunction } from "../ir/ir.js";
import { slotInterference } from "../ir/slots.js";
import { alignUp } from "../types/model.js";

export const MAX_STACK = 512;

export interface Frame {
  /** Offset from r10 (negative) of each slot used; undefined for unused slots. */
  offsets: (number | undefined)[];
  size: number;
}

/** Slots sharing one place in the frame. */
interface Region { slots: number[]; size: number; align: number }

export function layoutFrame(fn: IrFunction): Frame {
  const used = new Set<number>();
  for (const b of fn.blocks) {
    for (const i of b.insns) {
      if (i.op === "slotaddr") used.add(i.slot);
      if ((i.op === "load" || i.op === "store") && i.base.kind === "slot") used.add(i.base.slot);
    }
  }
  const partners = used.size > 1 ? slotInterference(fn) : new Map<number, Set<number>>();
  // Largest first: each slot joins the first region none of whose slots it interferes with.
  const ids = [...used].sort((a, b) => fn.slots[b]!.align - fn.slots[a]!.align || fn.slots[b]!.size - fn.slots[a]!.size || a - b);
  const regions: Region[] = [];
  for (const id of ids) {
    const s = fn.slots[id]!;
    const clash = partners.get(id);
    const region = regions.find((r) => !r.slots.some((t) => clash?.has(t) ?? true));
    if (region) {
      region.slots.push(id);
      region.size = Math.max(region.size, s.size);
      region.align = Math.max(region.align, s.align);
    } else {
      regions.push({ slots: [id], size: s.size, align: s.align });
    }
  }
  const offsets: (number | undefined)[] = fn.slots.map(() => undefined);
  let size = 0;
  for (const r of regions.sort((a, b) => b.align - a.align)) {
    size = alignUp(size + r.size, r.align);
    for (const id of r.slots) offsets[id] = -size;
  }
  return { offsets, size: alignUp(size, 8) };
}
