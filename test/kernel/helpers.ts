// Gate for tests that need the real kernel (and, optionally, clang).
//
// - available: the suite runs;
// - not available and CI is set (or TSBPF_REQUIRE_KERNEL=1): the suite fails
//   with the reason, so CI never silently skips kernel tests;
// - not available otherwise: the suite is skipped and the reason printed.

import { describe, it } from "vitest";
import { clangAvailable } from "./clang.js";
import { kernelAvailable } from "./libbpf.js";

export interface KernelSuiteOptions {
  /** The suite also needs clang (compileC). Default true. */
  clang?: boolean;
}

function truthyEnv(v: string | undefined): boolean {
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/** Kernel tests must run (not skip) here: CI, or TSBPF_REQUIRE_KERNEL. */
export function kernelTestsRequired(): boolean {
  return truthyEnv(process.env.CI) || truthyEnv(process.env.TSBPF_REQUIRE_KERNEL);
}

/** Why kernel tests cannot run here, or undefined when they can. */
export function kernelUnavailableReason(opts: KernelSuiteOptions = {}): string | undefined {
  const k = kernelAvailable();
  if (!k.ok) return k.why;
  if (opts.clang ?? true) {
    const c = clangAvailable();
    if (!c.ok) return c.why;
  }
  return undefined;
}

/** `describe` for suites that load programs into the kernel; see the file comment. */
export function describeKernel(name: string, fn: () => void, opts: KernelSuiteOptions = {}): void {
  const why = kernelUnavailableReason(opts);
  if (why === undefined) {
    describe(name, fn);
  } else if (kernelTestsRequired()) {
    describe(name, () => {
      it("requires a usable kernel (CI must not skip kernel tests)", () => {
        throw new Error(`kernel tests cannot run: ${why}`);
      });
    });
  } else {
    console.warn(`[tsbpf] skipping kernel suite "${name}": ${why}`);
    describe.skip(name, fn);
  }
}
