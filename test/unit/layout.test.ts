import { describe, expect, it } from "vitest";
import { parseFunction } from "../../compiler/ir/parse.js";
import { linearOrder } from "../../compiler/backend/regalloc.js";
import { selectFunction } from "../../compiler/backend/select.js";

const ir = (s: string) => s.replace(/^\n/, "").replace(/^ {4}/gm, "");

// `if (p == 6 || p == 17) { if (ok) {…} } submit(); return 0;` as lowering leaves it
const TWO_TESTS = ir(`
    func f(%0) entry b0
    b0:
      %1 = load.u8 [%0 + 0]
      br eq32 %1, 6 ? b1 : b3
    b1:
      %2 = load.u8 [%0 + 1]
      br gt32 %2, 9 ? b2 : b4
    b2:
      %3 = call helper bpf_ktime_get_ns()
      jmp b5
    b3:
      br eq32 %1, 17 ? b1 : b2
    b4:
      store.8 [%0 + 2], 1
      jmp b2
    b5:
      ret32 0
    `);

describe("linearOrder: block layout", () => {
  it("places a block after all its forward predecessors when a branch can wait for them", () => {
    // b1 is reached from b0 and b3: b3 first, so it falls into b1; b2 after b4, which falls into it
    expect(linearOrder(parseFunction(TWO_TESTS))).toEqual([0, 3, 1, 4, 2, 5]);
  });
  it("then needs no unconditional jumps", () => {
    const code = selectFunction(parseFunction(TWO_TESTS));
    expect(code.insns.filter((i) => i.code === 0x05).length).toBe(0); // BPF_JMP | BPF_JA
  });
  it("follows a loop's body before its exit", () => {
    const order = linearOrder(parseFunction(ir(`
    func f(%0) entry b0
    b0:
      %1 = mov32 0
      jmp b1
    b1:
      br lt32 %1, 10 ? b2 : b3
    b2:
      %1 = add32 %1, 1
      jmp b1
    b3:
      ret32 %1
    `)));
    expect(order).toEqual([0, 1, 2, 3]);
  });
});
