import { describe, expect, it } from "vitest";
import { parseFunction } from "../../compiler/ir/parse.js";
import { printFunction } from "../../compiler/ir/print.js";
import { cfg } from "../../compiler/opt/cfg.js";
import { constprop } from "../../compiler/opt/constprop.js";
import { dce } from "../../compiler/opt/dce.js";
import { foldAlu, foldCmp } from "../../compiler/opt/fold.js";
import { sinkconst } from "../../compiler/opt/sinkconst.js";
import { speculate } from "../../compiler/opt/speculate.js";
import { mergeret } from "../../compiler/opt/mergeret.js";
import { zextelim } from "../../compiler/opt/zextelim.js";
import { addrfold } from "../../compiler/opt/addrfold.js";

const run = (pass: (f: ReturnType<typeof parseFunction>) => unknown, text: string) => {
  const fn = parseFunction(text);
  pass(fn);
  return printFunction(fn);
};
const ir = (s: string) => s.replace(/^\n/, "").replace(/^ {4}/gm, "");

describe("fold: BPF's own arithmetic", () => {
  it("wraps ALU32 results and zero-extends them", () => {
    expect(foldAlu("add", 0xffffffffn, 1n, 32)).toBe(0n);
    expect(foldAlu("sub", 0n, 1n, 32)).toBe(0xffffffffn);
    expect(foldAlu("sub", 0n, 1n, 64)).toBe(-1n);
  });
  it("divides by zero as BPF does", () => {
    expect(foldAlu("div", 7n, 0n, 64)).toBe(0n);
    expect(foldAlu("mod", 7n, 0n, 32)).toBe(7n);
    expect(foldAlu("sdiv", -7n, 2n, 64)).toBe(-3n);
    expect(foldAlu("smod", -7n, 2n, 64)).toBe(-1n);
  });
  it("shifts with masked counts", () => {
    expect(foldAlu("lsh", 1n, 33n, 32)).toBe(2n);
    expect(foldAlu("arsh", 0x80000000n, 31n, 32)).toBe(0xffffffffn);
    expect(foldAlu("rsh", -1n, 60n, 64)).toBe(15n);
  });
  it("compares signed and unsigned", () => {
    expect(foldCmp("lt", -1n, 1n, 64)).toBe(false);
    expect(foldCmp("slt", -1n, 1n, 64)).toBe(true);
    expect(foldCmp("sgt", 0xffffffffn, 0n, 32)).toBe(false);
  });
});

describe("constprop", () => {
  it("propagates single-definition constants and folds", () => {
    expect(run(constprop, ir(`
    func f() entry b0
    b0:
      %1 = mov32 6
      %2 = mul32 %1, 7
      ret32 %2
    `))).toBe(ir(`
    func f() entry b0
    b0:
      %1 = mov32 6
      %2 = mov64 42
      ret32 42
    `));
  });
  it("turns branches on constants into jumps", () => {
    expect(run(constprop, ir(`
    func f() entry b0
    b0:
      %1 = mov64 3
      br sgt64 %1, 2 ? b1 : b2
    b1:
      ret64 1
    b2:
      ret64 0
    `))).toContain("jmp b1");
  });
  it("leaves variables with several definitions alone", () => {
    const text = ir(`
    func f(%0) entry b0
    b0:
      %1 = mov64 1
      br eq64 %0, 0 ? b1 : b2
    b1:
      %1 = mov64 2
      jmp b2
    b2:
      ret64 %1
    `);
    expect(run(constprop, text)).toBe(text);
  });
});

describe("constprop: one constant from several definitions", () => {
  it("treats a variable every definition of which sets the same constant as that constant", () => {
    expect(run(constprop, ir(`
    func f(%0) entry b0
    b0:
      br eq64 %0, 0 ? b1 : b2
    b1:
      %1 = mov32 0
      jmp b3
    b2:
      %1 = mov32 0
      jmp b3
    b3:
      ret32 %1
    `))).toContain("ret32 0");
  });
  it("does not take a loop counter's initial value for its value", () => {
    const text = ir(`
    func f() entry b0
    b0:
      %1 = mov32 0
      jmp b1
    b1:
      %1 = add32 %1, 1
      br lt32 %1, 10 ? b1 : b2
    b2:
      ret32 %1
    `);
    expect(run(constprop, text)).toBe(text);
  });
});

describe("dce", () => {
  it("removes pure instructions whose results are unused, not calls or stores", () => {
    expect(run(dce, ir(`
    func f() entry b0 slots [8@8]
    b0:
      %1 = mov64 1
      %2 = call helper bpf_ktime_get_ns()
      store.64 [slot0 + 0], 5
      %3 = load.u64 [slot0 + 0]
      ret64 0
    `))).toBe(ir(`
    func f() entry b0 slots [8@8]
    b0:
      %2 = call helper bpf_ktime_get_ns()
      store.64 [slot0 + 0], 5
      ret64 0
    `));
  });
});

describe("sinkconst", () => {
  it("pushes a conversion of a constant-valued result into each constant", () => {
    expect(run(sinkconst, ir(`
    func f(%0) entry b0
    b0:
      br eq64 %0, 0 ? b1 : b2
    b1:
      %1 = mov32 -2
      jmp b3
    b2:
      %1 = mov32 0
      jmp b3
    b3:
      %2 = sext64 %1 from 32
      ret64 %2
    `))).toBe(ir(`
    func f(%0) entry b0
    b0:
      br eq64 %0, 0 ? b1 : b2
    b1:
      %2 = mov64 -2
      jmp b3
    b2:
      %2 = mov64 0
      jmp b3
    b3:
      ret64 %2
    `));
  });
});

describe("speculate + cfg", () => {
  it("hoists a constant move out of an error arm and threads the branch", () => {
    const fn = parseFunction(ir(`
    func f(%0) entry b0
    b0:
      br eq64 %0, 0 ? b1 : b2
    b1:
      %5 = mov64 -2
      jmp b3
    b2:
      %5 = mov64 0
      jmp b3
    b3:
      ret64 %5
    `));
    speculate(fn);
    cfg(fn);
    expect(printFunction(fn)).toBe(ir(`
    func f(%0) entry b0
    b0:
      %5 = mov64 -2
      br eq64 %0, 0 ? b2 : b1
    b1:
      %5 = mov64 0
      jmp b2
    b2:
      ret64 %5
    `));
  });
  it("does not hoist over a path where the register is live", () => {
    const text = ir(`
    func f(%0) entry b0
    b0:
      %5 = mov64 7
      br eq64 %0, 0 ? b1 : b2
    b1:
      %5 = mov64 -2
      jmp b2
    b2:
      ret64 %5
    `);
    const fn = parseFunction(text);
    speculate(fn);
    expect(printFunction(fn)).toBe(text);
  });
});

describe("stackprop", () => {
  it("forwards constants stored in a slot to loads in later blocks, byte by byte", async () => {
    const { stackprop } = await import("../../compiler/opt/stackprop.js");
    // a zeroed 3-byte array (a u16 and a u8 store), read at byte 1 inside a loop
    expect(run(stackprop, ir(`
    func f(%0) entry b0 slots [3@1]
    b0:
      store.16 [slot0 + 0], 0
      store.8 [slot0 + 2], 0
      jmp b1
    b1:
      %1 = load.s8 [slot0 + 1]
      %2 = load.u16 [slot0 + 1]
      br ne32 %0, 0 ? b1 : b2
    b2:
      ret32 %1
    `))).toContain("%1 = mov64 0\n  %2 = mov64 0\n");
  });
  it("sign-extends a signed load of a stored constant", async () => {
    const { stackprop } = await import("../../compiler/opt/stackprop.js");
    expect(run(stackprop, ir(`
    func f() entry b0 slots [2@2]
    b0:
      store.16 [slot0 + 0], 65535
      %1 = load.s8 [slot0 + 1]
      %2 = load.u8 [slot0 + 0]
      ret64 %1
    `))).toContain("%1 = mov64 -1\n  %2 = mov64 255\n");
  });
  it("meets paths: only a value every predecessor stored is known", async () => {
    const { stackprop } = await import("../../compiler/opt/stackprop.js");
    const out = run(stackprop, ir(`
    func f(%0) entry b0 slots [8@8]
    b0:
      br ne32 %0, 0 ? b1 : b2
    b1:
      store.32 [slot0 + 0], 7
      store.32 [slot0 + 4], 1
      jmp b3
    b2:
      store.32 [slot0 + 0], 7
      store.32 [slot0 + 4], 2
      jmp b3
    b3:
      %1 = load.u32 [slot0 + 0]
      %2 = load.u32 [slot0 + 4]
      ret32 %2
    `));
    expect(out).toContain("%1 = mov64 7");
    expect(out).toContain("%2 = load.u32 [slot0 + 4]");
  });
  it("forgets a slot written through its address, and escaped slots at calls", async () => {
    const { stackprop } = await import("../../compiler/opt/stackprop.js");
    const out = run(stackprop, ir(`
    func f(%0) entry b0 slots [4@4, 4@4, 4@4]
    b0:
      store.32 [slot0 + 0], 1
      store.32 [slot1 + 0], 2
      store.32 [slot2 + 0], 3
      %1 = &slot0 + 0
      %2 = add64 %1, %0
      store.8 [%2 + 0], 9
      %3 = &slot1 + 0
      call helper bpf_map_lookup_elem(%3)
      %4 = load.u32 [slot0 + 0]
      %5 = load.u32 [slot1 + 0]
      %6 = load.u32 [slot2 + 0]
      ret32 %6
    `));
    expect(out).toContain("%4 = load.u32 [slot0 + 0]");
    expect(out).toContain("%5 = load.u32 [slot1 + 0]");
    expect(out).toContain("%6 = mov64 3");
  });
});

describe("rangefold", () => {
  it("folds a comparison no value in the operand's range can satisfy", async () => {
    const { rangefold } = await import("../../compiler/opt/rangefold.js");
    // an i8, sign-extended, plus a constant far outside its range, is never 0
    const out = run(rangefold, ir(`
    func f(%0) entry b0
    b0:
      %1 = sext32 %0 from 8
      %2 = sext64 %1 from 32
      %3 = add64 %2, -3046001353
      br ne64 %3, 0 ? b1 : b2
    b1:
      ret32 1
    b2:
      ret32 2
    `));
    expect(out).toContain("jmp b1");
  });
  it("bounds loop-carried values over all their definitions", async () => {
    const { rangefold } = await import("../../compiler/opt/rangefold.js");
    const loop = (limit: number) => run(rangefold, ir(`
    func f(%0) entry b0
    b0:
      %1 = mov32 0
      jmp b1
    b1:
      %2 = add32 %1, 1
      %1 = and32 %2, 15
      br lt32 %1, ${limit} ? b1 : b2
    b2:
      ret32 %1
    `));
    expect(loop(16)).toContain("jmp b1"); // %1 & 15 < 16 always: an infinite loop, faithfully
    expect(loop(15)).toContain("br lt32 %1, 15");
  });
  it("leaves comparisons that depend on the value alone", async () => {
    const { rangefold } = await import("../../compiler/opt/rangefold.js");
    const out = run(rangefold, ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u8 [%0 + 0]
      br gt64 %1, 254 ? b1 : b2
    b1:
      ret32 1
    b2:
      ret32 2
    `));
    expect(out).toContain("br gt64 %1, 254");
  });
});

describe("deadstore", () => {
  it("removes stores into a slot nothing reads afterwards, keeps the ones read", async () => {
    const { deadstore } = await import("../../compiler/opt/deadstore.js");
    const out = run(deadstore, ir(`
    func f(%0) entry b0 slots [8@8]
    b0:
      store.64 [slot0 + 0], 0
      %1 = load.u8 [slot0 + 1]
      %2 = &slot0 + 0
      %3 = add64 %2, %0
      store.8 [%3 + 0], 16
      ret32 %1
    `));
    expect(out).toContain("store.64 [slot0 + 0], 0");
    expect(out).not.toContain("store.8");
  });
  it("keeps stores into a slot whose address reaches a call", async () => {
    const { deadstore } = await import("../../compiler/opt/deadstore.js");
    const out = run(deadstore, ir(`
    func f(%0) entry b0 slots [4@4]
    b0:
      store.32 [slot0 + 0], 7
      %1 = &slot0 + 0
      call helper bpf_map_lookup_elem(%0, %1)
      ret32 0
    `));
    expect(out).toContain("store.32 [slot0 + 0], 7");
  });
});

describe("deadstore: merged addresses", () => {
  it("keeps stores into a slot whose address is merged with another's (a bounds-checked index's scratch element)", async () => {
    const { deadstore } = await import("../../compiler/opt/deadstore.js");
    const out = run(deadstore, ir(`
    func f(%0) entry b0 slots [8@8, 8@8]
    b0:
      store.64 [slot0 + 0], 5
      br lt64 %0, 8 ? b1 : b2
    b1:
      %1 = &slot0 + 0
      %2 = mov64 %1
      jmp b3
    b2:
      store.64 [slot1 + 0], 0
      %2 = &slot1 + 0
      jmp b3
    b3:
      %3 = load.u64 [%2 + 0]
      ret64 %3
    `));
    expect(out).toContain("store.64 [slot0 + 0], 5");
    expect(out).toContain("store.64 [slot1 + 0], 0");
  });
});

describe("sccp", () => {
  it("sees that a do-while whose condition fails at once never takes its back edge", async () => {
    const { sccp } = await import("../../compiler/opt/sccp.js");
    const out = run(sccp, ir(`
    func f(%0) entry b0
    b0:
      %1 = mov32 0
      jmp b1
    b1:
      %2 = add32 %1, 1
      %1 = mov32 %2
      br ne32 %0, 0 ? b2 : b3
    b2:
      br lt32 %1, 1 ? b1 : b4
    b3:
      br lt32 %1, 1 ? b1 : b4
    b4:
      ret32 %1
    `));
    expect(out).toContain("b2:\n  jmp b4");
    expect(out).toContain("b3:\n  jmp b4");
    expect(out).toContain("ret32 1");
  });
  it("meets constants over the edges that can run, and keeps what differs", async () => {
    const { sccp } = await import("../../compiler/opt/sccp.js");
    const out = run(sccp, ir(`
    func f(%0) entry b0
    b0:
      %1 = mov64 0
      jmp b1
    b1:
      %1 = add64 %1, 1
      br slt64 %1, %0 ? b1 : b2
    b2:
      ret64 %1
    `));
    expect(out).toContain("br slt64 %1, %0");
    expect(out).toContain("ret64 %1");
  });
});

describe("localprop: stores of what a global already holds", () => {
  it("drops `g = g` (a load stored back to the same global), keeps it when anything may have written in between", async () => {
    const { localprop } = await import("../../compiler/opt/localprop.js");
    const same = run(localprop, ir(`
    func f() entry b0
    b0:
      %1 = global g0
      %2 = load.u64 [%1 + 0]
      %3 = global g0
      store.64 [%3 + 0], %2
      ret32 0
    `));
    expect(same).not.toContain("store.64");
    const between = run(localprop, ir(`
    func f(%0) entry b0
    b0:
      %1 = global g0
      %2 = load.u64 [%1 + 0]
      store.64 [%0 + 0], 5
      %3 = global g0
      store.64 [%3 + 0], %2
      ret32 0
    `));
    expect(between).toContain("store.64 [%3 + 0], %2");
  });
});

describe("rangefold: loop counters", () => {
  const loop = (extra: string) => ir(`
    func f(%0) entry b0
    b0:
      %1 = mov64 0
      jmp b1
    b1:
      br eq64 %1, 119 ? b3 : b2
    b2:${extra}
      %2 = add64 %1, 1
      %1 = mov64 %2
      br slt64 %1, 11 ? b1 : b3
    b3:
      ret64 %1
    `);
  it("bounds a counter by the loop's own test: `i == 119` never holds for i in [0, 11]", async () => {
    const { rangefold } = await import("../../compiler/opt/rangefold.js");
    expect(run(rangefold, loop(""))).toContain("b1:\n  jmp b2");
  });
  it("does not when another way round the loop skips the test", async () => {
    const { rangefold } = await import("../../compiler/opt/rangefold.js");
    // b2 may jump straight back to b1 without `i < 11`
    const out = run(rangefold, ir(`
    func f(%0) entry b0
    b0:
      %1 = mov64 0
      jmp b1
    b1:
      br eq64 %1, 119 ? b3 : b2
    b2:
      %2 = add64 %1, 1
      %1 = mov64 %2
      br ne64 %0, 0 ? b1 : b4
    b4:
      br slt64 %1, 11 ? b1 : b3
    b3:
      ret64 %1
    `));
    expect(out).toContain("br eq64 %1, 119");
  });
});

describe("mergeret + speculate", () => {
  it("gives a function one exit, so an error return becomes a move before the branch", () => {
    const fn = parseFunction(ir(`
    func f(%0) entry b0
    b0:
      br eq64 %0, 0 ? b1 : b2
    b1:
      ret32 -1
    b2:
      %3 = load.u32 [%0 + 0]
      ret32 %3
    `));
    mergeret(fn);
    speculate(fn);
    cfg(fn);
    expect(printFunction(fn)).toBe(ir(`
    func f(%0) entry b0
    b0:
      %4 = mov32 -1
      br eq64 %0, 0 ? b2 : b1
    b1:
      %3 = load.u32 [%0 + 0]
      %4 = mov32 %3
      jmp b2
    b2:
      ret32 %4
    `));
  });
  it("leaves the move after a test of a call's result (both want r0)", () => {
    const fn = parseFunction(ir(`
    func f() entry b0
    b0:
      %1 = call helper bpf_get_prandom_u32()
      br eq64 %1, 0 ? b1 : b2
    b1:
      ret32 0
    b2:
      ret32 1
    `));
    mergeret(fn);
    speculate(fn);
    expect(printFunction(fn)).toContain("br eq64 %1, 0 ? b1 : b2");
  });
});

describe("zextelim", () => {
  it("keeps the zero-extension of a parameter, even one reassigned with 32-bit values", () => {
    const text = ir(`
    func f(%0) entry b0
    b0:
      br eq64 %0, 0 ? b1 : b2
    b1:
      %0 = mov32 5
      jmp b2
    b2:
      %1 = zext %0 from 32
      ret64 %1
    `);
    expect(run(zextelim, text)).toBe(text);
  });
  it("turns a zero-extension of a value whose upper half is already zero into a copy", () => {
    expect(run(zextelim, ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 0]
      %2 = zext %1 from 32
      %3 = load.s32 [%0 + 4]
      %4 = zext %3 from 32
      %5 = zext %0 from 32
      ret64 %2
    `))).toBe(ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 0]
      %2 = mov64 %1
      %3 = load.s32 [%0 + 4]
      %4 = zext %3 from 32
      %5 = zext %0 from 32
      ret64 %2
    `));
  });
});

describe("rangefold: ranges along edges", () => {
  it("bounds an index by a loop limit that is min(n, 64), so the index check folds", async () => {
    const { rangefold } = await import("../../compiler/opt/rangefold.js");
    // n = s.n < 64 ? s.n : 64; for (i = 0; i < n; i++) { if (i < 64) … }
    const out = run(rangefold, ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 0]
      %2 = mov32 64
      br lt32 %1, 64 ? b1 : b2
    b1:
      %2 = mov32 %1
      jmp b2
    b2:
      %3 = mov32 0
      jmp b3
    b3:
      br lt32 %3, %2 ? b4 : b6
    b4:
      %4 = mov64 %3
      br lt64 %4, 64 ? b5 : b6
    b5:
      %5 = add32 %3, 1
      %3 = mov32 %5
      jmp b3
    b6:
      ret32 %3
    `));
    expect(out).toContain("b4:\n  %4 = mov64 %3\n  jmp b5");
    expect(out).toContain("br lt32 %3, %2 ? b4 : b6");
  });
  it("keeps the check when the limit may exceed the array", async () => {
    const { rangefold } = await import("../../compiler/opt/rangefold.js");
    const out = run(rangefold, ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 0]
      %3 = mov32 0
      jmp b1
    b1:
      br lt32 %3, %1 ? b2 : b4
    b2:
      %4 = mov64 %3
      br lt64 %4, 64 ? b3 : b4
    b3:
      %5 = add32 %3, 1
      %3 = mov32 %5
      jmp b1
    b4:
      ret32 %3
    `));
    expect(out).toContain("br lt64 %4, 64 ? b3 : b4");
  });
  it("narrows a u32 by an unsigned 32-bit test and never takes an edge no value satisfies", async () => {
    const { rangefold } = await import("../../compiler/opt/rangefold.js");
    const out = run(rangefold, ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 0]
      br lt32 %1, 10 ? b1 : b3
    b1:
      br gt64 %1, 9 ? b2 : b3
    b2:
      ret32 1
    b3:
      ret32 0
    `));
    expect(out).toContain("b1:\n  jmp b3");
  });
});

describe("minsplit", () => {
  const text = (use: string) => ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 0]
      br lt32 %1, 64 ? b1 : b2
    b1:
      %2 = mov32 %1
      jmp b3
    b2:
      %2 = mov32 64
      jmp b3
    b3:
      %3 = mov32 0
      jmp b4
    b4:
      ${use}
    b5:
      %4 = add32 %3, 1
      %3 = mov32 %4
      jmp b4
    b6:
      ret32 %3
    `);
  it("tests i < min(a, 64) as i < a, then i < 64", async () => {
    const { minsplit } = await import("../../compiler/opt/minsplit.js");
    const out = run(minsplit, text("br lt32 %3, %2 ? b5 : b6"));
    expect(out).toContain("b4:\n  br lt32 %3, %1 ? b7 : b6");
    expect(out).toContain("b7:\n  br lt32 %3, 64 ? b5 : b6");
  });
  it("leaves a minimum that is used otherwise, or compared the other way", async () => {
    const { minsplit } = await import("../../compiler/opt/minsplit.js");
    expect(run(minsplit, text("br gt32 %3, %2 ? b5 : b6"))).toContain("br gt32 %3, %2 ? b5 : b6");
    expect(run(minsplit, text("%9 = add32 %2, 1\n      br lt32 %3, %2 ? b5 : b6"))).toContain("br lt32 %3, %2 ? b5 : b6");
  });
});

describe("addrfold", () => {
  it("addresses memory off the base with the constant in the offset, and rebases copies", () => {
    expect(run(addrfold, ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 76]
      %2 = mov64 %1
      %2 = add64 %2, 14
      %3 = load.u32 [%2 + 12]
      store.8 [%2 + 1], 0
      %4 = mov64 %2
      %4 = add64 %4, 20
      ret64 %3
    `))).toBe(ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 76]
      %2 = mov64 %1
      %2 = add64 %2, 14
      %3 = load.u32 [%1 + 26]
      store.8 [%1 + 15], 0
      %4 = mov64 %1
      %4 = add64 %4, 34
      ret64 %3
    `));
  });
  it("forgets the fact when the base is redefined, or the offset leaves the 16-bit range", () => {
    const text = ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 76]
      %2 = mov64 %1
      %2 = add64 %2, 14
      %1 = load.u32 [%0 + 80]
      %3 = load.u32 [%2 + 12]
      %4 = mov64 %0
      %4 = add64 %4, 32760
      %5 = load.u32 [%4 + 8]
      ret64 %3
    `);
    expect(run(addrfold, text)).toBe(text);
  });
  it("folds after a join only what every predecessor agrees on", () => {
    expect(run(addrfold, ir(`
    func f(%0) entry b0
    b0:
      %2 = mov64 %0
      %2 = add64 %2, 8
      %3 = mov64 %0
      %3 = add64 %3, 16
      br eq64 %0, 0 ? b1 : b2
    b1:
      %3 = mov64 %0
      %3 = add64 %3, 24
      jmp b2
    b2:
      %4 = load.u32 [%2 + 0]
      %5 = load.u32 [%3 + 0]
      ret64 %5
    `))).toContain("%4 = load.u32 [%0 + 8]\n  %5 = load.u32 [%3 + 0]");
  });
  it("forgets a fact the back edge of a loop breaks", () => {
    const text = ir(`
    func f(%0) entry b0
    b0:
      %2 = mov64 %0
      %2 = add64 %2, 4
      jmp b1
    b1:
      %3 = load.u8 [%2 + 0]
      %2 = add64 %2, 1
      br ne32 %3, 0 ? b1 : b2
    b2:
      ret64 %3
    `);
    expect(run(addrfold, text)).toBe(text);
  });
});

describe("localprop: loads through the context", () => {
  const lp = async () => (await import("../../compiler/opt/localprop.js")).localprop;
  it("keeps ctx->data over stores to the stack and map values and over a map lookup", async () => {
    const out = run(await lp(), ir(`
    func f(%0) entry b0 slots [4@4]
    b0:
      %1 = load.u32 [%0 + 76]
      store.32 [slot0 + 0], 0
      %2 = map m
      %3 = &slot0 + 0
      %4 = call helper bpf_map_lookup_elem(%2, %3)
      store.64 [%4 + 0], 1
      %5 = load.u32 [%0 + 76]
      ret64 %5
    `));
    expect(out).toContain("%5 = mov64 %1");
  });
  it("reloads it after a helper that may change packet data, and after a store that may be to the context", async () => {
    const afterCall = run(await lp(), ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 76]
      %2 = call helper bpf_skb_pull_data(%0, 0)
      %5 = load.u32 [%0 + 76]
      ret64 %5
    `));
    expect(afterCall).toContain("%5 = load.u32 [%0 + 76]");
    const afterStore = run(await lp(), ir(`
    func f(%0) entry b0 slots [8@8]
    b0:
      %1 = load.u32 [%0 + 76]
      %2 = load.u64 [slot0 + 0]
      store.32 [%2 + 8], 1
      %5 = load.u32 [%0 + 76]
      ret64 %5
    `));
    expect(afterStore).toContain("%5 = load.u32 [%0 + 76]");
  });
  it("does not keep it over a call when r6–r9 are taken by what is live across", async () => {
    const out = run(await lp(), ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 76]
      %6 = load.u32 [%0 + 0]
      %7 = load.u32 [%0 + 4]
      %8 = load.u32 [%0 + 8]
      %2 = call helper bpf_ktime_get_ns()
      %5 = load.u32 [%0 + 76]
      %9 = add64 %6, %7
      %9 = add64 %9, %8
      %9 = add64 %9, %5
      ret64 %9
    `));
    expect(out).toContain("%5 = load.u32 [%0 + 76]");
  });
  it("carries a load into a join every path to which made it", async () => {
    const out = run(await lp(), ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 76]
      %2 = load.u8 [%1 + 0]
      br eq32 %2, 6 ? b1 : b2
    b1:
      jmp b3
    b2:
      br eq32 %2, 17 ? b3 : b4
    b3:
      %5 = load.u32 [%0 + 76]
      ret64 %5
    b4:
      ret64 0
    `));
    expect(out).toContain("%5 = mov64 %1");
  });
});

describe("localprop: packet data and helper memory are apart", () => {
  const lp = async () => (await import("../../compiler/opt/localprop.js")).localprop;
  it("keeps a packet load over stores to a ring-buffer record, the stack and a global", async () => {
    const out = run(await lp(), ir(`
    func f(%0) entry b0 slots [4@4]
    b0:
      %1 = load.u32 [%0 + 76]
      %3 = map events
      %4 = call helper bpf_ringbuf_reserve(%3, 32, 0)
      %2 = load.u8 [%1 + 23]
      store.8 [%4 + 20], %2
      %5 = load.u8 [%1 + 14]
      %6 = and32 %5, 15
      %7 = mov64 %4
      %7 = add64 %7, %6
      store.16 [%7 + 16], 0
      store.32 [slot0 + 0], 0
      %8 = global g
      store.32 [%8 + 0], 1
      %9 = load.u8 [%1 + 23]
      ret64 %9
    `));
    expect(out).toContain("%9 = mov64 %2");
  });
  it("keeps a record's load over stores to the packet", async () => {
    const out = run(await lp(), ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 76]
      %3 = map m
      %4 = call helper bpf_map_lookup_elem(%3, 0)
      %2 = load.u64 [%4 + 8]
      store.8 [%1 + 20], 1
      %9 = load.u64 [%4 + 8]
      ret64 %9
    `));
    expect(out).toContain("%9 = mov64 %2");
  });
  it("reloads after a store through an unknown pointer, through the packet, or through a helper's scalar plus ctx->data", async () => {
    const reloads = async (between: string) => run(await lp(), ir(`
    func f(%0) entry b0 slots [8@8]
    b0:
      %1 = load.u32 [%0 + 76]
      %3 = call helper bpf_get_prandom_u32()
      %4 = load.u64 [slot0 + 0]
      %2 = load.u8 [%1 + 23]
      ${between}
      %9 = load.u8 [%1 + 23]
      ret64 %9
    `));
    expect(await reloads("store.8 [slot0 + 0], 1")).toContain("%9 = mov64 %2");
    expect(await reloads("store.8 [%4 + 23], 1")).toContain("%9 = load.u8 [%1 + 23]");
    expect(await reloads("store.8 [%1 + 23], 1")).toContain("%9 = load.u8 [%1 + 23]");
    // scalar + pointer: the sum is the packet's, not the helper's
    expect(await reloads("%5 = mov64 %3\n%5 = add64 %5, %1\nstore.8 [%5 + 0], 1")).toContain("%9 = load.u8 [%1 + 23]");
    // a 32-bit load from what may be the context may be a packet pointer
    expect(await reloads("%6 = load.u32 [%0 + 76]\n%5 = mov64 %3\n%5 = add64 %5, %6\nstore.8 [%5 + 0], 1")).toContain("%9 = load.u8 [%1 + 23]");
  });
});

describe("localprop: a constant set again", () => {
  it("drops setting a register to the constant it holds on every path here, unless a call came between", async () => {
    const { localprop } = await import("../../compiler/opt/localprop.js");
    expect(run(localprop, ir(`
    func f(%0) entry b0
    b0:
      %1 = mov32 1
      br eq64 %0, 0 ? b1 : b2
    b1:
      %1 = mov32 1
      %2 = call helper bpf_ktime_get_ns()
      %1 = mov64 1
      %1 = mov32 2
      ret32 %1
    b2:
      ret32 %1
    `))).toBe(ir(`
    func f(%0) entry b0
    b0:
      %1 = mov32 1
      br eq64 %0, 0 ? b1 : b2
    b1:
      %2 = call helper bpf_ktime_get_ns()
      %1 = mov64 1
      %1 = mov32 2
      ret32 2
    b2:
      ret32 1
    `));
  });
});

describe("localprop: a load of what was just stored", () => {
  it("reads the stored register when it holds all the loaded bits, and not after an aliasing store", async () => {
    const { localprop } = await import("../../compiler/opt/localprop.js");
    const out = run(localprop, ir(`
    func f(%0, %1) entry b0
    b0:
      %2 = load.u32 [%0 + 0]
      %3 = mul32 %2, 3
      store.32 [%0 + 0], %3
      %4 = load.u32 [%0 + 0]
      %5 = load.u64 [%0 + 8]
      store.32 [%0 + 16], %5
      %6 = load.u32 [%0 + 16]
      store.64 [%0 + 24], %5
      store.8 [%1 + 0], 0
      %7 = load.u64 [%0 + 24]
      store.64 [%0 + 32], %5
      %8 = load.s32 [%0 + 32]
      %9 = add64 %4, %6
      %9 = add64 %9, %7
      %9 = add64 %9, %8
      ret64 %9
    `));
    expect(out).toContain("%4 = mov64 %3");
    expect(out).toContain("%6 = load.u32 [%0 + 16]"); // %5 may have upper bits
    expect(out).toContain("%7 = load.u64 [%0 + 24]"); // %1 may point there
    expect(out).toContain("%8 = load.s32 [%0 + 32]");
  });
});

describe("sinkargs", () => {
  it("makes a call's map and stack-address arguments just before it, in their order", async () => {
    const { sinkargs } = await import("../../compiler/opt/sinkargs.js");
    expect(run(sinkargs, ir(`
    func f(%0) entry b0 slots [2@2]
    b0:
      %1 = map m
      %2 = load.u16 [%0 + 2]
      store.16 [slot0 + 0], %2
      %3 = &slot0 + 0
      %4 = call helper bpf_map_lookup_elem(%1, %3)
      ret64 %4
    `))).toBe(ir(`
    func f(%0) entry b0 slots [2@2]
    b0:
      %2 = load.u16 [%0 + 2]
      store.16 [slot0 + 0], %2
      %1 = map m
      %3 = &slot0 + 0
      %4 = call helper bpf_map_lookup_elem(%1, %3)
      ret64 %4
    `));
  });
  it("leaves a value with another use where it is", async () => {
    const { sinkargs } = await import("../../compiler/opt/sinkargs.js");
    const text = ir(`
    func f(%0) entry b0
    b0:
      %1 = map m
      %2 = load.u16 [%0 + 2]
      %4 = call helper bpf_map_lookup_elem(%1, %0)
      %5 = call helper bpf_map_lookup_elem(%1, %0)
      ret64 %4
    `);
    expect(run(sinkargs, text)).toBe(text);
  });
});

describe("thread: jump threading along known values", () => {
  // A loop over i < 64 && state < 3, whose body sets state (b5: to 4, b6: keeps it at 2).
  const loop = (body: string) => ir(`
    func f(%0) entry b0
    b0:
      %1 = mov32 0
      %2 = mov32 0
      jmp b2
    b1:
      %1 = add32 %1, 1
      br lt32 %1, 64 ? b2 : b4
    b2:
      br lt32 %2, 3 ? b3 : b4
    b3:
      br eq32 %2, 2 ? b6 : b7
    b4:
      ret32 %2
    b5:
      %2 = mov32 4
      jmp b1
    b6:
${body}
    b7:
      %2 = mov32 2
      jmp b1
    `);
  it("skips the latch and the loop test for a body that sets the state to leave", async () => {
    const { thread } = await import("../../compiler/opt/thread.js");
    const fn = parseFunction(loop(`      br eq32 %0, 13 ? b5 : b7`));
    thread(fn);
    // b5 no longer goes round the latch: both of the latch's ways lead to b4 with state 4.
    expect(printFunction(fn)).toContain(ir(`
    b5:
      %2 = mov32 4
      %1 = add32 %1, 1
      jmp b4
    `));
  });
  it("copies the latch's test into a body that keeps the state, past the state test", async () => {
    const { thread } = await import("../../compiler/opt/thread.js");
    const fn = parseFunction(loop(`      %3 = add32 %0, 1
      jmp b1`));
    thread(fn);
    // In b6 the state is 2 (b3's test): the latch's i < 64 goes straight back to b6,
    // past both tests of the state.
    expect(printFunction(fn)).toContain(ir(`
    b6:
      %3 = add32 %0, 1
      %1 = add32 %1, 1
      br lt32 %1, 64 ? b6 : b4
    `));
  });
  it("leaves a path whose copy would be large", async () => {
    const { thread } = await import("../../compiler/opt/thread.js");
    const text = ir(`
    func f(%0) entry b0
    b0:
      %1 = mov32 4
      jmp b1
    b1:
      %2 = add32 %0, 1
      %3 = add32 %0, 2
      %4 = add32 %0, 3
      br eq32 %1, 4 ? b2 : b3
    b2:
      %5 = add32 %2, %3
      %5 = add32 %5, %4
      ret32 %5
    b3:
      ret32 0
    `);
    const fn = parseFunction(text);
    thread(fn);
    expect(printFunction(fn)).toBe(text);
  });
});

describe("unlink: copies the verifier should not link", () => {
  // lo = min(lo, v) over a loop, then v tested against a limit; `%5` is lo.
  const minLoop = (use: string) => ir(`
    func f(%0) entry b0
    b0:
      %5 = mov32 -1
      %1 = mov32 0
      jmp b1
    b1:
      %2 = load.u32 [%0 + 0]
      br lt32 %2, %5 ? b2 : b3
    b2:
      %5 = mov32 %2
      jmp b3
    b3:
      br gt32 %2, 1000 ? b4 : b4
    b4:
      %1 = add32 %1, 1
      br lt32 %1, 64 ? b1 : b5
    b5:
${use}
    `);
  it("makes `lo = v` an operation when v is tested afterwards and lo is only a value", async () => {
    const { unlink } = await import("../../compiler/opt/unlink.js");
    const fn = parseFunction(minLoop(`      store.32 [%0 + 8], %5
      ret32 0`));
    unlink(fn);
    expect(printFunction(fn)).toContain(ir(`
    b2:
      %5 = or32 %2, 0
    `));
  });
  it("keeps the copy when lo ends up in an address, where the verifier needs its bounds", async () => {
    const { unlink } = await import("../../compiler/opt/unlink.js");
    const text = minLoop(`      %6 = add64 %0, %5
      %7 = load.u8 [%6 + 0]
      ret32 %7`);
    const fn = parseFunction(text);
    unlink(fn);
    expect(printFunction(fn)).toBe(text);
  });
});

describe("licm: loads of globals a loop never writes", () => {
  const loop = (extra: string) => ir(`
    func f(%0) entry b0
    b0:
      %1 = mov32 0
      br eq64 %0, 0 ? b2 : b1
    b1:
      %2 = global g
      %3 = load.u16 [%2 + 4]
      %1 = add32 %1, %3
${extra}
      br lt32 %1, 100 ? b1 : b2
    b2:
      ret32 %1
    `);
  it("reads the global once, in a new block before the loop", async () => {
    const { licm } = await import("../../compiler/opt/licm.js");
    const fn = parseFunction(loop(""));
    licm(fn);
    expect(printFunction(fn)).toBe(ir(`
    func f(%0) entry b0
    b0:
      %1 = mov32 0
      br eq64 %0, 0 ? b2 : b3
    b1:
      %2 = global g
      %3 = mov64 %5
      %1 = add32 %1, %3
      br lt32 %1, 100 ? b1 : b2
    b2:
      ret32 %1
    b3:
      %4 = global g
      %5 = load.u16 [%4 + 4]
      jmp b1
    `));
  });
  it("leaves a global the loop stores to, and any loop with a call", async () => {
    const { licm } = await import("../../compiler/opt/licm.js");
    for (const extra of ["      store.16 [%2 + 4], %1", "      %4 = call helper bpf_ktime_get_ns()"]) {
      const text = loop(extra);
      const fn = parseFunction(text);
      licm(fn);
      expect(printFunction(fn)).toBe(text);
    }
  });
});

describe("addrfold: copies read from their source", () => {
  it("reads a temporary copy's source while neither has changed, leaving the copy dead", () => {
    const fn = parseFunction(ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 0]
      %2 = mov64 %1
      %3 = mov64 %0
      %3 = add64 %3, %2
      br lt32 %2, 9 ? b1 : b2
    b1:
      ret64 %3
    b2:
      %1 = mov64 7
      ret64 %2
    `));
    addrfold(fn);
    const out = printFunction(fn);
    expect(out).toContain("%3 = add64 %3, %1\n  br lt32 %1, 9 ? b1 : b2");
    expect(out).toContain("%1 = mov64 7\n  ret64 %2"); // %1 changed: the copy is still read
  });
  it("leaves a variable's copy alone (both would stay live)", () => {
    const text = ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 0]
      %2 = mov64 %1
      %2 = add64 %2, %1
      ret64 %2
    `);
    const fn = parseFunction(text);
    addrfold(fn);
    expect(printFunction(fn)).toBe(text);
  });
});

describe("localprop: a global read back after it was stored", () => {
  it("reads the stored register when a load would give exactly it, and loads again otherwise", async () => {
    const { localprop } = await import("../../compiler/opt/localprop.js");
    const fn = parseFunction(ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u64 [%0 + 0]
      %2 = global acc
      store.64 [%2 + 0], %1
      %3 = global acc
      %4 = load.u64 [%3 + 0]
      store.32 [%3 + 8], %1
      %5 = load.u32 [%2 + 8]
      %6 = add64 %4, %5
      ret64 %6
    `));
    localprop(fn);
    const out = printFunction(fn);
    expect(out).toContain("%4 = mov64 %1"); // all 64 bits stored, all read back
    expect(out).toContain("%5 = load.u32 [%2 + 8]"); // a 32-bit store of a 64-bit value: the load truncates
  });
});

describe("deadstore: by byte, with slots passed to helpers", () => {
  it("drops a zeroing store whose bytes are all written again before a helper reads the slot", async () => {
    const { deadstore } = await import("../../compiler/opt/deadstore.js");
    const fn = parseFunction(ir(`
    func f(%0) entry b0 slots [16@8]
    b0:
      store.64 [slot0 + 0], 0
      store.64 [slot0 + 8], 0
      store.32 [slot0 + 0], %0
      store.32 [slot0 + 4], 7
      store.16 [slot0 + 8], 1
      %1 = map m
      %2 = &slot0 + 0
      %3 = call helper bpf_map_lookup_elem(%1, %2)
      store.64 [slot0 + 0], 9
      ret64 %3
    `));
    deadstore(fn);
    expect(printFunction(fn)).toBe(ir(`
    func f(%0) entry b0 slots [16@8]
    b0:
      store.64 [slot0 + 8], 0
      store.32 [slot0 + 0], %0
      store.32 [slot0 + 4], 7
      store.16 [slot0 + 8], 1
      %1 = map m
      %2 = &slot0 + 0
      %3 = call helper bpf_map_lookup_elem(%1, %2)
      ret64 %3
    `));
  });
  it("leaves a slot whose address a dynptr keeps", async () => {
    const { deadstore } = await import("../../compiler/opt/deadstore.js");
    const text = ir(`
    func f(%0) entry b0 slots [16@8, 16@8]
    b0:
      %1 = &slot0 + 0
      %2 = &slot1 + 0
      %3 = call helper bpf_dynptr_from_mem(%1, 16, 0, %2)
      store.64 [slot0 + 0], 5
      %4 = call helper bpf_dynptr_read(%0, 8, %2, 0, 0)
      ret64 %4
    `);
    const fn = parseFunction(text);
    deadstore(fn);
    expect(printFunction(fn)).toBe(text);
  });
});

describe("sextelim: sign extensions of values known non-negative", () => {
  it("turns (s32) of a masked, scaled and offset value into a copy", async () => {
    const { sextelim } = await import("../../compiler/opt/sextelim.js");
    // 14 + (x & 15) * 4 lies in [14, 74]: its sign extension is itself
    expect(run(sextelim, ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u8 [%0 + 14]
      %2 = and32 %1, 15
      %3 = mul32 %2, 4
      %4 = mov32 14
      %4 = add32 %4, %3
      %5 = sext64 %4 from 32
      %6 = lsh32 %2, 2
      %7 = sext64 %6 from 32
      ret64 %7
    `))).toBe(ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u8 [%0 + 14]
      %2 = and32 %1, 15
      %3 = mul32 %2, 4
      %4 = mov32 14
      %4 = add32 %4, %3
      %5 = mov64 %4
      %6 = lsh32 %2, 2
      %7 = mov64 %6
      ret64 %7
    `));
  });
  it("uses the range along the edge, and narrower widths", async () => {
    const { sextelim } = await import("../../compiler/opt/sextelim.js");
    expect(run(sextelim, ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u8 [%0 + 0]
      br lt32 %1, 128 ? b1 : b2
    b1:
      %2 = sext32 %1 from 8
      ret32 %2
    b2:
      %3 = sext32 %1 from 8
      ret32 %3
    `))).toBe(ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u8 [%0 + 0]
      br lt32 %1, 128 ? b1 : b2
    b1:
      %2 = mov32 %1
      ret32 %2
    b2:
      %3 = sext32 %1 from 8
      ret32 %3
    `));
  });
  it("keeps extensions of values that may be negative or may wrap", async () => {
    const { sextelim } = await import("../../compiler/opt/sextelim.js");
    const text = ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u32 [%0 + 0]
      %2 = sext64 %1 from 32
      %3 = load.u16 [%0 + 4]
      %4 = mul32 %3, 65536
      %5 = sext64 %4 from 32
      %6 = lsh32 %3, 17
      %7 = sext64 %6 from 32
      %8 = sub32 %3, %1
      %9 = sext64 %8 from 32
      %10 = load.u64 [%0 + 8]
      %11 = and64 %10, 4294967295
      %12 = sext64 %11 from 32
      %13 = sext64 %0 from 32
      ret64 %2
    `);
    expect(run(sextelim, text)).toBe(text);
  });
});

describe("addsplit: a 32-bit sum that cannot wrap added to a pointer in two steps", () => {
  it("adds the variable part, then the constant (which addrfold folds into offsets)", async () => {
    const { addsplit } = await import("../../compiler/opt/addsplit.js");
    expect(run(addsplit, ir(`
    func f(%0, %1) entry b0
    b0:
      %2 = load.u8 [%0 + 14]
      %3 = and32 %2, 15
      %4 = mul32 %3, 4
      %5 = mov32 14
      %5 = add32 %5, %4
      %6 = mov64 %5
      %7 = mov64 %0
      %7 = add64 %7, %6
      %8 = add32 %3, -1
      %9 = add64 %1, %8
      ret64 %7
    `))).toBe(ir(`
    func f(%0, %1) entry b0
    b0:
      %2 = load.u8 [%0 + 14]
      %3 = and32 %2, 15
      %4 = mul32 %3, 4
      %5 = mov32 14
      %5 = add32 %5, %4
      %6 = mov64 %5
      %7 = mov64 %0
      %10 = add64 %7, %4
      %7 = mov64 %10
      %7 = add64 %7, 14
      %8 = add32 %3, -1
      %9 = add64 %1, %8
      ret64 %7
    `));
  });
  it("adds a pointer's constant after its variable part", async () => {
    const { addsplit } = await import("../../compiler/opt/addsplit.js");
    expect(run(addsplit, ir(`
    func f(%0, %1) entry b0
    b0:
      %2 = lsh64 %1, 3
      %3 = mov64 %0
      %3 = add64 %3, 40
      %4 = mov64 %3
      %4 = add64 %4, %2
      %5 = load.u64 [%4 + 0]
      %6 = add64 %0, 8
      %7 = add64 %6, %2
      %8 = load.u64 [%6 + 0]
      %9 = mov64 %0
      %9 = add64 %9, 16
      %0 = mov64 %1
      %10 = add64 %9, %2
      ret64 %5
    `))).toBe(ir(`
    func f(%0, %1) entry b0
    b0:
      %2 = lsh64 %1, 3
      %3 = mov64 %0
      %3 = add64 %3, 40
      %4 = mov64 %3
      %11 = add64 %0, %2
      %4 = mov64 %11
      %4 = add64 %4, 40
      %5 = load.u64 [%4 + 0]
      %6 = add64 %0, 8
      %7 = add64 %6, %2
      %8 = load.u64 [%6 + 0]
      %9 = mov64 %0
      %9 = add64 %9, 16
      %0 = mov64 %1
      %10 = add64 %9, %2
      ret64 %5
    `));
  });
  it("leaves sums that may wrap, that are read again, or whose operand changed", async () => {
    const { addsplit } = await import("../../compiler/opt/addsplit.js");
    const text = ir(`
    func f(%0, %1) entry b0
    b0:
      %2 = load.u32 [%0 + 0]
      %3 = add32 %2, 14
      %4 = add64 %1, %3
      %5 = load.u8 [%0 + 4]
      %6 = add32 %5, 14
      %7 = add64 %1, %6
      %8 = add64 %1, %6
      %9 = add32 %5, 2
      %5 = load.u8 [%0 + 5]
      %10 = add64 %1, %9
      %11 = add32 %5, 2
      br eq64 %0, 0 ? b1 : b2
    b1:
      %12 = add64 %1, %11
      ret64 %12
    b2:
      ret64 %11
    `);
    expect(run(addsplit, text)).toBe(text);
  });
});

describe("narrowstore: masks a narrow store does itself", () => {
  it("stores the unmasked register when the mask keeps every byte the store writes", async () => {
    const { narrowstore } = await import("../../compiler/opt/narrowstore.js");
    expect(run(narrowstore, ir(`
    func f(%0) entry b0 slots [8@8]
    b0:
      %1 = load.u64 [%0 + 0]
      %2 = and32 %1, 65535
      store.16 [slot0 + 0], %2
      %3 = zext %1 from 8
      store.8 [slot0 + 2], %3
      %4 = mov32 %1
      store.32 [slot0 + 4], %4
      ret32 0
    `))).toBe(ir(`
    func f(%0) entry b0 slots [8@8]
    b0:
      %1 = load.u64 [%0 + 0]
      %2 = and32 %1, 65535
      store.16 [slot0 + 0], %1
      %3 = zext %1 from 8
      store.8 [slot0 + 2], %1
      %4 = mov32 %1
      store.32 [slot0 + 4], %1
      ret32 0
    `));
  });
  it("keeps masks that clear stored bits, are read again, or whose source changed", async () => {
    const { narrowstore } = await import("../../compiler/opt/narrowstore.js");
    const text = ir(`
    func f(%0) entry b0 slots [8@8]
    b0:
      %1 = load.u64 [%0 + 0]
      %2 = and32 %1, 255
      store.16 [slot0 + 0], %2
      %3 = and32 %1, 65535
      store.16 [slot0 + 2], %3
      %5 = add32 %3, 1
      %4 = and32 %1, 65535
      %1 = load.u64 [%0 + 8]
      store.16 [slot0 + 4], %4
      %6 = mov32 %1
      store.64 [slot0 + 0], %6
      ret32 %5
    `);
    expect(run(narrowstore, text)).toBe(text);
  });
});

describe("tailmerge: blocks that do the same thing", () => {
  const tm = async () => (await import("../../compiler/opt/tailmerge.js")).tailmerge;
  it("sends the predecessors of a block equal to an earlier one (up to its temporaries) to the earlier", async () => {
    expect(run(await tm(), ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u8 [%0 + 0]
      br eq32 %1, 6 ? b1 : b2
    b1:
      %2 = load.u64 [%0 + 8]
      %3 = add64 %2, 1
      store.64 [%0 + 8], %3
      %9 = mov32 0
      jmp b4
    b2:
      br eq32 %1, 17 ? b3 : b4
    b3:
      %5 = load.u64 [%0 + 8]
      %6 = add64 %5, 1
      store.64 [%0 + 8], %6
      %9 = mov32 0
      jmp b4
    b4:
      ret32 %9
    `))).toContain("br eq32 %1, 17 ? b1 : b4");
  });
  it("keeps blocks that read other registers, set a live register otherwise, or run in a loop", async () => {
    const text = ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u8 [%0 + 0]
      %9 = mov32 0
      br eq32 %1, 6 ? b1 : b2
    b1:
      %2 = load.u64 [%0 + 8]
      store.64 [%0 + 8], %2
      jmp b5
    b2:
      br eq32 %1, 17 ? b3 : b4
    b3:
      %5 = load.u64 [%0 + 16]
      store.64 [%0 + 8], %5
      jmp b5
    b4:
      %9 = load.u64 [%0 + 8]
      store.64 [%0 + 8], %9
      jmp b5
    b5:
      br lt32 %9, 10 ? b6 : b8
    b6:
      %9 = add32 %9, 1
      br eq32 %9, 3 ? b7 : b9
    b7:
      %9 = add32 %9, 1
      jmp b5
    b8:
      ret32 %9
    b9:
      %9 = add32 %9, 1
      jmp b5
    `);
    expect(run(await tm(), text)).toBe(text);
  });
});

describe("storemerge: adjacent constant stores", () => {
  const sm = async () => (await import("../../compiler/opt/storemerge.js")).storemerge;
  it("stores two halves as one aligned store, on the stack and into a ring-buffer record", async () => {
    expect(run(await sm(), ir(`
    func f(%0) entry b0 slots [8@8]
    b0:
      store.8 [slot0 + 0], 1
      store.8 [slot0 + 1], 2
      store.8 [slot0 + 3], 4
      store.8 [slot0 + 2], 3
      store.32 [slot0 + 4], 0
      %1 = map rb
      %2 = call helper bpf_ringbuf_reserve(%1, 32, 0)
      store.16 [%2 + 16], 0
      %3 = mov64 1
      store.16 [%2 + 18], 0
      ret64 %3
    `))).toBe(ir(`
    func f(%0) entry b0 slots [8@8]
    b0:
      store.64 [slot0 + 0], 67305985
      %1 = map rb
      %2 = call helper bpf_ringbuf_reserve(%1, 32, 0)
      store.32 [%2 + 16], 0
      %3 = mov64 1
      ret64 %3
    `));
  });
  it("keeps stores that would be misaligned, are through unknown pointers, have memory or a new base between, or do not encode", async () => {
    const text = ir(`
    func f(%0) entry b0 slots [8@8, 4@2]
    b0:
      store.16 [slot0 + 2], 0
      store.16 [slot0 + 4], 0
      store.16 [slot1 + 0], 0
      store.16 [slot1 + 2], 0
      store.16 [%0 + 0], 0
      store.16 [%0 + 2], 0
      %1 = map rb
      %2 = call helper bpf_ringbuf_reserve(%1, 32, 0)
      store.16 [%2 + 16], 0
      %3 = load.u8 [%0 + 0]
      store.16 [%2 + 18], 0
      store.16 [%2 + 20], 0
      %2 = add64 %2, 2
      store.16 [%2 + 22], 0
      store.32 [slot0 + 0], 0
      store.32 [slot0 + 4], -2147483648
      ret64 %3
    `);
    expect(run(await sm(), text)).toBe(text);
  });
});

describe("slotshare: a slot holding what another already holds", () => {
  const ss = async () => (await import("../../compiler/opt/slotshare.js")).slotshare;
  it("passes the first key's slot to the update and drops the second store", async () => {
    expect(run(await ss(), ir(`
    func f(%0) entry b0 slots [4@4, 4@4, 8@8]
    b0:
      %1 = load.u32 [%0 + 0]
      store.32 [slot0 + 0], %1
      %2 = map m
      %3 = &slot0 + 0
      %4 = call helper bpf_map_lookup_elem(%2, %3)
      br eq64 %4, 0 ? b1 : b2
    b1:
      store.32 [slot1 + 0], %1
      store.64 [slot2 + 0], 1
      %5 = &slot1 + 0
      %6 = &slot2 + 0
      %7 = call helper bpf_map_update_elem(%2, %5, %6, 1)
      ret32 0
    b2:
      ret32 1
    `))).toBe(ir(`
    func f(%0) entry b0 slots [4@4, 4@4, 8@8]
    b0:
      %1 = load.u32 [%0 + 0]
      store.32 [slot0 + 0], %1
      %2 = map m
      %3 = &slot0 + 0
      %4 = call helper bpf_map_lookup_elem(%2, %3)
      br eq64 %4, 0 ? b1 : b2
    b1:
      store.64 [slot2 + 0], 1
      %5 = &slot0 + 0
      %6 = &slot2 + 0
      %7 = call helper bpf_map_update_elem(%2, %5, %6, 1)
      ret32 0
    b2:
      ret32 1
    `));
  });
  it("keeps slots a helper may write, other values, values set twice, and stores not on every path", async () => {
    const text = ir(`
    func f(%0) entry b0 slots [4@4, 4@4, 4@4, 4@4, 4@4, 4@4]
    b0:
      %1 = load.u32 [%0 + 0]
      %9 = load.u32 [%0 + 4]
      store.32 [slot0 + 0], %1
      %2 = map m
      %3 = &slot0 + 0
      %4 = call helper bpf_map_pop_elem(%2, %3)
      store.32 [slot1 + 0], %1
      %5 = &slot1 + 0
      %6 = call helper bpf_map_lookup_elem(%2, %5)
      store.32 [slot2 + 0], %9
      %7 = &slot2 + 0
      %8 = call helper bpf_map_lookup_elem(%2, %7)
      %9 = add32 %9, 1
      store.32 [slot3 + 0], %9
      %10 = &slot3 + 0
      %11 = call helper bpf_map_lookup_elem(%2, %10)
      br eq64 %11, 0 ? b1 : b2
    b1:
      store.32 [slot4 + 0], 7
      %12 = &slot4 + 0
      %13 = call helper bpf_map_lookup_elem(%2, %12)
      jmp b2
    b2:
      store.32 [slot5 + 0], 7
      %14 = &slot5 + 0
      %15 = call helper bpf_map_lookup_elem(%2, %14)
      ret32 0
    `);
    expect(run(await ss(), text)).toBe(text);
  });
});

describe("coalesce: a value loaded only to be copied", () => {
  it("loads into the copy's register", async () => {
    const { coalesce } = await import("../../compiler/opt/coalesce.js");
    expect(run(coalesce, ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u8 [%0 + 23]
      %2 = load.u16 [%0 + 16]
      %3 = mov32 %1
      %4 = mov32 %2
      ret64 %3
    `))).toBe(ir(`
    func f(%0) entry b0
    b0:
      %3 = load.u8 [%0 + 23]
      %4 = load.u16 [%0 + 16]
      ret64 %3
    `));
  });
  it("keeps copies of values read again, of registers used between, and 32-bit copies of 8-byte loads", async () => {
    const { coalesce } = await import("../../compiler/opt/coalesce.js");
    const text = ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u8 [%0 + 0]
      %2 = mov32 %1
      %3 = add32 %1, 1
      %4 = load.u8 [%0 + 1]
      %5 = add32 %3, 1
      %3 = mov32 %4
      %6 = load.u64 [%0 + 8]
      %7 = mov32 %6
      %8 = add64 %2, %3
      %8 = add64 %8, %7
      %8 = add64 %8, %5
      ret64 %8
    `);
    expect(run(coalesce, text)).toBe(text);
  });
});
