// The stack frame layout (backend/frame.ts) on hand-written IR: slots never in
// use at the same time share their bytes, and only those.
import { describe, expect, it } from "vitest";
import { layoutFrame } from "../../compiler/backend/frame.js";
import { parseFunction } from "../../compiler/ir/parse.js";
import { slotInterference } from "../../compiler/ir/slots.js";

const frame = (text: string) => layoutFrame(parseFunction(text));

describe("frame layout", () => {
  it("gives two slots used one after the other the same bytes", () => {
    const f = frame(`
    func f(%0) entry b0 slots [64@8, 32@8]
    b0:
      store.64 [slot0 + 0], 1
      %1 = &slot0 + 0
      call helper bpf_map_update_elem(%0, %1)
      store.64 [slot1 + 8], 2
      %2 = &slot1 + 0
      call helper bpf_map_update_elem(%0, %2)
      ret32 0
    `);
    expect(f.offsets).toEqual([-64, -64]);
    expect(f.size).toBe(64);
  });

  it("keeps apart slots whose uses overlap", () => {
    const f = frame(`
    func f(%0) entry b0 slots [8@8, 8@8]
    b0:
      store.64 [slot0 + 0], 1
      store.64 [slot1 + 0], 2
      %1 = load.u64 [slot0 + 0]
      %2 = load.u64 [slot1 + 0]
      %3 = add64 %1, %2
      ret64 %3
    `);
    expect(new Set(f.offsets).size).toBe(2);
    expect(f.size).toBe(16);
  });

  it("keeps a slot apart while a later load may still read it, around a loop", () => {
    // slot0 is written before the loop and read after it; slot1 is used inside
    const text = `
    func f(%0) entry b0 slots [8@8, 8@8]
    b0:
      store.64 [slot0 + 0], 7
      jmp b1
    b1:
      store.64 [slot1 + 0], %0
      %1 = &slot1 + 0
      call helper bpf_map_delete_elem(%0, %1)
      br lt64 %0, 4 ? b1 : b2
    b2:
      %2 = load.u64 [slot0 + 0]
      ret64 %2
    `;
    expect(slotInterference(parseFunction(text)).get(0)).toEqual(new Set([1]));
    expect(frame(text).size).toBe(16);
  });

  it("shares with a slot rewritten whole at the top of each loop step", () => {
    // slot0 dies at each step's first store: slot1, used after the loop, may take its bytes
    const text = `
    func f(%0) entry b0 slots [8@8, 8@8]
    b0:
      jmp b1
    b1:
      store.64 [slot0 + 0], %0
      %1 = &slot0 + 0
      call helper bpf_map_delete_elem(%0, %1)
      br lt64 %0, 4 ? b1 : b2
    b2:
      store.64 [slot1 + 0], 1
      %2 = &slot1 + 0
      call helper bpf_map_delete_elem(%0, %2)
      ret32 0
    `;
    expect(slotInterference(parseFunction(text)).get(0)).toEqual(new Set());
    expect(frame(text).size).toBe(8);
  });

  it("never shares a slot whose address escapes (stored, or given to a dynptr)", () => {
    for (const escape of ["store.64 [slot2 + 0], %1", "call helper bpf_dynptr_from_mem(%1, %0, %0, %0)"]) {
      const f = frame(`
      func f(%0) entry b0 slots [8@8, 8@8, 8@8]
      b0:
        store.64 [slot0 + 0], 1
        %1 = &slot0 + 0
        ${escape}
        store.64 [slot1 + 0], 2
        %2 = load.u64 [slot1 + 0]
        ret64 %2
      `);
      expect(f.offsets[0]).not.toBe(f.offsets[1]);
    }
  });
});
