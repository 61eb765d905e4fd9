import { describe, expect, it } from "vitest";
import { parseFunction } from "../../compiler/ir/parse.js";
import { printFunction } from "../../compiler/ir/print.js";
import { cfg } from "../../compiler/opt/cfg.js";
import { constprop } from "../../compiler/opt/constprop.js";
import { dce } from "../../compiler/opt/dce.js";
import { foldAlu, foldCmp } from "../../compiler/opt/fold.js";
import { sinkconst } from "../../compiler/opt/sinkconst.js";
import { speculate } from "../../compiler/opt/speculate.js";

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
