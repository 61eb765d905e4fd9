/**
 * `tsbpf objdump <object|entry.ts>`: section headers, symbols and the
 * disassembly (llvm-objdump syntax) with relocations and the source lines of
 * `.BTF.ext` line_info — the output of
 * `llvm-objdump -h -t -d -r -S --no-show-raw-insn --mcpu=v4`, for any BPF object.
 */
import * as fs from "node:fs";
import type { Command } from "commander";
import { compile } from "../../compiler/index.js";
import { objdump } from "../../compiler/tools/objdump.js";
import { reporter } from "../output.js";
import { collect } from "./build.js";

export interface ObjdumpCliOptions {
  disassemble?: boolean;
  source?: boolean;
  lineNumbers?: boolean;
  section?: string[];
}

export function objdumpCommand(file: string, opts: ObjdumpCliOptions): number {
  let bytes: Uint8Array;
  if (/\.[cm]?ts$/.test(file)) {
    const r = compile(file);
    reporter({}).diagnostics(r.diagnostics);
    if (!r.object) return 1;
    bytes = r.object;
  } else {
    try {
      bytes = fs.readFileSync(file);
    } catch (err) {
      process.stderr.write(`tsbpf objdump: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? `${file}: no such file` : (err as Error).message}\n`);
      return 1;
    }
  }
  let text: string;
  try {
    text = objdump(bytes, {
      fileName: file,
      headers: !opts.disassemble,
      symbols: !opts.disassemble,
      source: opts.source !== false,
      lineNumbers: opts.lineNumbers === true,
      sections: opts.section?.flatMap((x) => x.split(",")),
    });
  } catch (err) {
    process.stderr.write(`tsbpf objdump: ${file}: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.once("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  process.stdout.write(text);
  return 0;
}

export function register(program: Command, setExitCode: (code: number) => void): void {
  program
    .command("objdump")
    .description("disassemble a BPF object (tsbpf's or clang's; or a .ts entry, compiled first) with its source lines")
    .argument("<file>", "an ELF object, or a TypeScript entry")
    .option("-d, --disassemble", "only the disassembly (no section headers or symbol table)")
    .option("--no-source", "without the source lines of line_info")
    .option("-l, --line-numbers", "print file:line above each source line")
    .option("-j, --section <name>", "only this section (repeatable)", collect)
    .action((file: string, opts: ObjdumpCliOptions) => {
      setExitCode(objdumpCommand(file, opts));
    });
}
