// Gates for tests that need the real kernel and/or clang.
//
// - available: the suite runs;
// - not available and CI is set (or TSBPF_REQUIRE_KERNEL=1): the suite fails
//   with the reason, so CI never silently skips kernel tests;
// - not available otherwise: the suite is skipped and the reason printed.

import { describe, it } from "vitest";
import { clangAvailable } from "./clang.js";
import { kernelAvailable } from "./libbpf.js";

export interface RequiredTools {
  /** bpf() usable and libbpf.so.1 loadable (kernelAvailable()). */
  kernel?: boolean;
  /** clang with the BPF target (compileC). */
  clang?: boolean;
}

function truthyEnv(v: string | undefined): boolean {
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/** Kernel/clang tests must run (not skip) here: CI, or TSBPF_REQUIRE_KERNEL. */
export function kernelTestsRequired(): boolean {
  return truthyEnv(process.env.CI) || truthyEnv(process.env.TSBPF_REQUIRE_KERNEL);
}

/** Why the tools cannot be used here, or undefined when they can. */
export function unavailableReason(tools: RequiredTools): string | undefined {
  if (tools.kernel) {
    const k = kernelAvailable();
    if (!k.ok) return k.why;
  }
  if (tools.clang) {
    const c = clangAvailable();
    if (!c.ok) return c.why;
  }
  return undefined;
}

/** `describe` that needs `tools`; see the file comment. */
export function describeWith(tools: RequiredTools, name: string, fn: () => void): void {
  const why = unavailableReason(tools);
  if (why === undefined) {
    describe(name, fn);
  } else if (kernelTestsRequired()) {
    describe(name, () => {
      it("requires its tools (CI must not skip kernel tests)", () => {
        throw new Error(`cannot run: ${why}`);
      });
    });
  } else {
    console.warn(`[tsbpf] skipping "${name}": ${why}`);
    describe.skip(name, fn);
  }
}

/** `describe` for suites that load programs into the kernel (and, by default, build C with clang). */
export function describeKernel(name: string, fn: () => void, opts: { clang?: boolean } = {}): void {
  describeWith({ kernel: true, clang: opts.clang ?? true }, name, fn);
}
