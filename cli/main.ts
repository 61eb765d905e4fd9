/**
 * The command line. Exit codes: 0 success, 1 compile errors (diagnostics printed,
 * no output written), 2 usage errors.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { compile } from "../compiler/index.js";
import { formatDiagnostic } from "../compiler/diagnostics.js";
import { register as registerVmlinux } from "./commands/vmlinux.js";

/** Writes next to the target, then renames: a failed build never leaves a partial file. */
function writeAtomic(file: string, bytes: Uint8Array): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

function outputFor(entry: string, opts: { output?: string; outDir?: string }): string {
  if (opts.output) return opts.output;
  const base = path.basename(entry).replace(/\.[cm]?ts$/, "") + ".bpf.o";
  return path.join(opts.outDir ?? path.dirname(entry), base);
}

function build(entries: string[], opts: { output?: string; outDir?: string }): number {
  if (opts.output && entries.length > 1) {
    process.stderr.write("tsbpf: -o names one output file; use --out-dir with several entries.\n");
    return 2;
  }
  const color = process.stderr.isTTY === true;
  let failed = false;
  for (const entry of entries) {
    const result = compile(entry);
    for (const d of result.diagnostics) process.stderr.write(formatDiagnostic(d, { color }) + "\n");
    if (!result.object) {
      failed = true;
      continue;
    }
    writeAtomic(outputFor(entry, opts), result.object);
  }
  if (failed) {
    process.stderr.write("No object was written for the entries with errors.\n");
  }
  return failed ? 1 : 0;
}

export async function run(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command()
    .name("tsbpf")
    .description("Compile TypeScript to BPF ELF objects that libbpf loads like clang's.")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program
    .command("build")
    .description("compile entry files to BPF objects")
    .argument("<entries...>", "TypeScript entry files")
    .option("-o, --output <file>", "output object (one entry)")
    .option("--out-dir <dir>", "directory for the objects (default: next to each entry)")
    .action((entries: string[], opts: { output?: string; outDir?: string }) => {
      code = build(entries, opts);
    });
  registerVmlinux(program, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  return code;
}
