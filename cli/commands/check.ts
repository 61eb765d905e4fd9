/**
 * `tsbpf check [entries…]`: everything `build` checks — TypeScript's type
 * check, the subset's rules, lowering and code generation limits — without
 * writing anything. No entries: the `"tsbpf"` field of package.json.
 */
import type { Command } from "commander";
import { compile } from "../../compiler/index.js";
import { reporter, shown } from "../output.js";
import { planBuild } from "./build.js";

export interface CheckCliOptions {
  json?: boolean;
  verbose?: boolean;
}

export function check(entries: string[], opts: CheckCliOptions): number {
  const plan = planBuild(entries, {});
  const rep = reporter(opts);
  let failed = 0;
  for (const t of plan.targets) {
    const t0 = performance.now();
    const r = compile(t.entry, plan.compileOptions);
    rep.diagnostics(r.diagnostics);
    if (!r.object) failed++;
    else if (opts.verbose) rep.note(`${shown(t.entry)}: ok (${(performance.now() - t0).toFixed(0)} ms)`);
  }
  rep.flush();
  return failed ? 1 : 0;
}

export function register(program: Command, setExitCode: (code: number) => void): void {
  program
    .command("check")
    .description("type-check and apply the subset's rules without writing objects")
    .argument("[entries...]", "TypeScript entry files (default: the \"tsbpf\" field of package.json)")
    .option("--json", "diagnostics as one JSON array on stdout")
    .option("--verbose", "say which entries were checked")
    .action((entries: string[], opts: CheckCliOptions) => {
      setExitCode(check(entries, opts));
    });
}
