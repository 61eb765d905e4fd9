// Differential fuzzing, tsbpf vs clang, judged by the kernel: seeded random
// programs (test/diff/gen.ts) compiled by both, test-run, and compared (return
// value and every global). Deterministic: the same seeds on every run.
//
//   npx vitest run test/diff/fuzz.test.ts                       300 programs from seed 1
//   npm run fuzz                                                 2000 programs
//   TSBPF_FUZZ_COUNT=20000 TSBPF_FUZZ_SEED=100000 npm run fuzz   a long campaign elsewhere in seed space
//   TSBPF_FUZZ_SEED=1234 TSBPF_FUZZ_COUNT=1 npx vitest run test/diff/fuzz.test.ts   one seed
//   TSBPF_FUZZ_FEATURES=+bareBigint                              switch construct families on/off (see FEATURES in gen.ts)
//
// Failures are reduced to minimal reproducers (TSBPF_FUZZ_REDUCE, default 5
// distinct signatures), printed, and written under TSBPF_FUZZ_OUT.

import { expect, it } from "vitest";
import { describeKernel } from "../kernel/helpers.js";
import { formatReport, fuzz, optionsFromEnv } from "./fuzz.js";

const opts = optionsFromEnv();

describeKernel("differential fuzzing: tsbpf vs clang", () => {
  it(`${opts.count} random programs from seed ${opts.seed} behave as clang's build`, async () => {
    const verbose = !!process.env.TSBPF_FUZZ_VERBOSE;
    const report = await fuzz({ ...opts, verbose, log: verbose || opts.count > 300 ? (m) => console.log(m) : undefined });
    const text = formatReport(report);
    console.log(text);
    if (report.failures.length) expect.fail(`${report.failures.length} of ${opts.count} programs differ\n${text}`);
  }, 600_000 + opts.count * 2_000);
});
