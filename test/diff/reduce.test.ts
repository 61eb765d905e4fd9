// The reducer on its own, with a synthetic judge instead of the kernel: a
// "failure" is any program whose TypeScript contains a `%`. A generated
// program with one must shrink to a few lines that still contain it, and
// every candidate the reducer tries must pass the undefined-behaviour checker.

import { describe, expect, it } from "vitest";
import { checkProgram, printTs, type Program } from "./ast.js";
import { generate } from "./gen.js";
import { reduce } from "./reduce.js";
import type { Outcome } from "./run.js";

const judge = (p: Program): Outcome => {
  const bad = /[^%]% /.test(printTs(p));
  return { kind: bad ? "mismatch" : "match", detail: "", signature: bad ? "mismatch: %" : "match", ms: 0 };
};

const lines = (p: Program) => printTs(p).trim().split("\n").length;

describe("fuzzer: the reducer", () => {
  it("shrinks a failing program to a minimal one with the same signature", async () => {
    let seed = 1;
    while (judge(generate(seed).program).kind !== "mismatch") seed++;
    const original = generate(seed).program;
    let tried = 0;
    const r = await reduce(original, judge(original), async (p) => {
      tried++;
      checkProgram(p); // throws on a candidate the checker refuses: it must never be run
      return judge(p);
    });
    expect(r.outcome.signature).toBe("mismatch: %");
    expect(judge(r.program).kind).toBe("mismatch");
    expect(r.tests).toBe(tried);
    expect(lines(r.program)).toBeLessThan(lines(original) / 2);
    // what is left: the program frame and the one statement with the `%`
    expect(r.program.main.length).toBeLessThanOrEqual(2);
    expect(r.program.helpers.length).toBeLessThanOrEqual(1);
  });

  it("returns the program unchanged when nothing smaller keeps the signature", async () => {
    const p = generate(7).program;
    const r = await reduce(p, { kind: "mismatch", detail: "", signature: "never", ms: 0 }, async () => judge(p));
    expect(printTs(r.program)).toBe(printTs(p));
  });
});
