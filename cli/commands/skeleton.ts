/**
 * `tsbpf skeleton <object>`: the typed user-space module for any BPF object
 * with BTF (clang's too); `tsbpf build --skeleton` does the same for the
 * objects it builds.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { generateSkeleton, skeletonPath } from "../../compiler/tools/skeleton.js";
import { shown, writeAtomic } from "../output.js";

export interface SkeletonCliOptions {
  output?: string;
  loaderImport?: string;
  verbose?: boolean;
}

export function skeletonCommand(object: string, opts: SkeletonCliOptions): number {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(object);
  } catch (err) {
    process.stderr.write(`tsbpf skeleton: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? `${object}: no such file` : (err as Error).message}\n`);
    return 1;
  }
  const out = opts.output ?? skeletonPath(object);
  const rel = path.relative(path.dirname(path.resolve(out)), path.resolve(object)).split(path.sep).join("/");
  let text: string;
  try {
    text = generateSkeleton(bytes, object, { loaderImport: opts.loaderImport, objectPath: rel.startsWith(".") ? rel : `./${rel}` });
  } catch (err) {
    process.stderr.write(`tsbpf skeleton: ${(err as Error).message}\n`);
    return 1;
  }
  if (out === "-") process.stdout.write(text);
  else {
    writeAtomic(out, text);
    if (opts.verbose) process.stderr.write(`${shown(object)} → ${shown(out)}\n`);
  }
  return 0;
}

export function register(program: Command, setExitCode: (code: number) => void): void {
  program
    .command("skeleton")
    .description("write a typed TypeScript module (programs, maps, globals) for a BPF object")
    .argument("<object>", "an ELF object with BTF")
    .option("-o, --output <file>", "where to write it ('-': standard output; default <name>.skel.ts next to the object)")
    .option("--loader-import <specifier>", "module the skeleton imports the loader from", "tsbpf/loader")
    .option("--verbose", "say what was written")
    .action((object: string, opts: SkeletonCliOptions) => {
      setExitCode(skeletonCommand(object, opts));
    });
}
