/**
 * The command line: one module per command under commands/, each exporting
 * `register(program, setExitCode)`. Exit codes: 0 success, 1 errors
 * (diagnostics printed, no output written), 2 usage errors.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { UsageError } from "./output.js";

type Register = (program: Command, setExitCode: (code: number) => void) => void;

/**
 * Each command's module, loaded only when needed: `tsbpf build` does not load
 * the loader (koffi), the vmlinux generator or the verifier tools.
 */
const COMMANDS: Record<string, () => Promise<{ register: Register }>> = {
  build: () => import("./commands/build.js"),
  check: () => import("./commands/check.js"),
  init: () => import("./commands/init.js"),
  objdump: () => import("./commands/objdump.js"),
  verify: () => import("./commands/verify.js"),
  skeleton: () => import("./commands/skeleton.js"),
  vmlinux: () => import("./commands/vmlinux.js"),
};

/** The named command alone; every command for help, a version or an unknown name. */
async function commandsFor(argv: string[]): Promise<Register[]> {
  const first = argv[0];
  const names = first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
  return (await Promise.all(names.map((n) => COMMANDS[n]!()))).map((m) => m.register);
}

export async function run(argv: string[]): Promise<number> {
  let code = 0;
  const commands = await commandsFor(argv);
  const program = new Command()
    .name("tsbpf")
    .description("Compile TypeScript to BPF ELF objects that libbpf loads like clang's.")
    .version(version(), "-V, --version")
    .exitOverride()
    .showHelpAfterError("(tsbpf --help lists the commands; tsbpf <command> --help their options)")
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  for (const register of commands) register(program, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      process.stderr.write(`tsbpf: ${err.message}\n`);
      return 2;
    }
    // A bug or an environment failure: say so in one line (the stack with TSBPF_DEBUG=1).
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`tsbpf: ${e.message}\n${process.env.TSBPF_DEBUG ? `${e.stack}\n` : ""}`);
    return 1;
  }
  return code;
}

function version(): string {
  try {
    // dist/cli/main.js → the package.json two levels up.
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string }).version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}
