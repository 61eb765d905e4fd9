/** Temporary projects for tests: a directory with the given files. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export function tmpProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-test-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export const REPO = path.resolve(import.meta.dirname, "../..");
export const SEED = path.join(REPO, "examples/wq/wq.ts");
