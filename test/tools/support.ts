/** Helpers for the tools' tests: the CLI as a process, projects that resolve `tsbpf`. */
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO, tmpProject } from "../support/tmp.js";

export const BIN = path.join(REPO, "bin/tsbpf");

/** Runs `tsbpf args…` (from dist/, built by `npm test`) without a TTY and without colour settings. */
export function tsbpf(args: string[], cwd = REPO, env: Record<string, string | undefined> = {}): SpawnSyncReturns<string> {
  const e: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env: e as NodeJS.ProcessEnv, maxBuffer: 64 << 20 });
}

/** A child process's exit, output and all. */
export function run(cmd: string, args: string[], cwd: string, timeoutMs = 180_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A directory where `import "tsbpf/loader"` resolves to this checkout, as in a project that installed tsbpf. */
export function projectWithTsbpf(files: Record<string, string> = {}): string {
  const dir = tmpProject(files);
  fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  fs.symlinkSync(REPO, path.join(dir, "node_modules", "tsbpf"));
  return dir;
}
