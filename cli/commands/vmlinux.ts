/**
 * `tsbpf vmlinux [btf-file] [-o vmlinux.d.ts] [--types a,b] [--funcs f,g] [--kfuncs] [--tracepoints t]`:
 * BTF → TypeScript declarations, as `bpftool btf dump file … format c` makes vmlinux.h.
 * See compiler/vmlinux/README.md.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Command } from "commander";
import { parseBtf } from "../../compiler/btf/parse.js";
import {
  DEFAULT_BTF,
  VmlinuxNameError,
  btfDigest,
  generateVmlinux,
  readBtfFile,
  typecheckFiles,
  type VmlinuxOptions,
  type VmlinuxStats,
} from "../../compiler/vmlinux/index.js";

export interface VmlinuxCliOptions {
  output?: string;
  types?: string[];
  funcs?: string[];
  kfuncs?: boolean;
  tracepoints?: string[];
  stats?: boolean;
  check?: boolean;
}

/** Comma-separated lists; the option may also be repeated. */
function list(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(",").map((s) => s.trim()).filter(Boolean)];
}

function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/**
 * Runs the command; returns the exit code: 0, or 1 when the BTF cannot be
 * read or a requested name does not exist (message on stderr, nothing written).
 */
export function vmlinux(btfFile: string, opts: VmlinuxCliOptions): number {
  const t0 = performance.now();
  let text: string;
  let stats: VmlinuxStats;
  try {
    const bytes = readBtfFile(btfFile);
    const btf = parseBtf(bytes);
    const options: VmlinuxOptions = {
      types: opts.types,
      funcs: opts.funcs,
      kfuncs: opts.kfuncs,
      tracepoints: opts.tracepoints,
      digest: btfDigest(bytes),
    };
    ({ text, stats } = generateVmlinux(btf, options));
  } catch (err) {
    const msg = err instanceof VmlinuxNameError || err instanceof Error ? err.message : String(err);
    const code = (err as NodeJS.ErrnoException).code;
    // Kernel modules' BTF is split BTF: it names types of vmlinux it does not contain.
    const hint = /invalid name offset|invalid string offset/.test(msg)
      ? " (split BTF of a kernel module is not supported: give a self-contained BTF such as vmlinux)"
      : "";
    process.stderr.write(`tsbpf vmlinux: ${code === "ENOENT" ? `${btfFile}: no such file` : msg + hint}\n`);
    return 1;
  }
  if (opts.check) {
    // Checked before it is written: a file that does not type-check is never produced.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-vmlinux-"));
    const file = path.join(dir, "vmlinux.d.ts");
    try {
      fs.writeFileSync(file, text);
      const errors = typecheckFiles([file]);
      if (errors.length) {
        process.stderr.write(`tsbpf vmlinux: the declarations do not type-check (${errors.length} errors):\n${errors.slice(0, 20).join("\n")}\n`);
        return 1;
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  if (opts.output && opts.output !== "-") writeAtomic(opts.output, text);
  else {
    // `tsbpf vmlinux | head`: a reader that goes away is not an error (as SIGPIPE is for bpftool).
    process.stdout.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw err;
    });
    process.stdout.write(text);
  }
  if (opts.stats) {
    const ms = (performance.now() - t0).toFixed(0);
    process.stderr.write(
      `tsbpf vmlinux: ${stats.structs} interfaces, ${stats.opaque} opaque, ${stats.typedefs} typedefs, ` +
        `${stats.enums} enums (${stats.constants} constants), ${stats.tracepoints} tracepoints, ` +
        `${stats.funcs} functions; ${text.length} bytes in ${ms} ms\n`,
    );
  }
  return 0;
}

/**
 * Adds the `vmlinux` subcommand. `setExitCode` receives the command's exit
 * code (cli/main.ts: `(c) => { code = c; }`); by default it sets process.exitCode.
 */
export function register(program: Command, setExitCode: (code: number) => void = (c) => { process.exitCode = c; }): void {
  program
    .command("vmlinux")
    .description("turn kernel BTF into TypeScript declarations (the vmlinux.h of tsbpf)")
    .argument("[btf-file]", "raw BTF (/sys/kernel/btf/*) or an ELF object with a .BTF section", DEFAULT_BTF)
    .option("-o, --output <file>", "write the declarations here (default: standard output)")
    .option("--types <names>", "emit only these types and what they need (C names, comma-separated; pointers to other structs become opaque)", list)
    .option("--funcs <names>", "emit these kernel functions' prototypes as function types (kfuncs, fentry targets)", list)
    .option("--kfuncs", "emit every kfunc's prototype")
    .option("--tracepoints <names>", "emit these raw tracepoints' argument tuples (all of them when --types is absent)", list)
    .option("--check", "type-check the declarations against tsbpf's runtime types before writing them")
    .option("--stats", "print what was emitted and the time taken on standard error")
    .action((btfFile: string, opts: VmlinuxCliOptions) => {
      setExitCode(vmlinux(btfFile, opts));
    });
}
