/**
 * How bin/tsbpf starts the command line: from dist/tsbpf.cjs, the modules of
 * dist/cli/main.js as one CommonJS file (scripts/bundle-cli.mjs), compiled
 * through the V8 code cache, when dist/ still holds exactly the modules it was
 * made from; otherwise from the ES modules themselves. Both run the same code:
 * the bundle only loads faster (Node 20 has no code cache for ES modules).
 * `TSBPF_BUNDLE=0` always uses the ES modules.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { requireWithCodeCache } from "../compiler/frontend/code-cache.js";

type Run = (argv: string[]) => Promise<number>;

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

interface Manifest {
  files: string[];
  /** [size, mtimeMs] of each file when the bundle was made. */
  stamps?: [number, number][];
  digest: string;
}

/** True when every file still has the size and modification time it had when the bundle was made. */
function unchanged(dist: string, m: Manifest): boolean {
  if (m.stamps?.length !== m.files.length) return false;
  return m.files.every((f, i) => {
    const st = fs.statSync(path.join(dist, f), { throwIfNoEntry: false });
    return st !== undefined && st.size === m.stamps![i]![0] && st.mtimeMs === m.stamps![i]![1];
  });
}

/**
 * dist/tsbpf.cjs when the files now in `dist` are those it was made from: the
 * same sizes and times (the common case, a few stat calls), else the same text
 * (a copied package: its digest).
 */
export function freshBundle(dist = DIST): string | undefined {
  if (process.env.TSBPF_BUNDLE === "0") return undefined;
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dist, "tsbpf.cjs.json"), "utf8")) as Manifest;
    if (unchanged(dist, manifest)) return path.join(dist, "tsbpf.cjs");
    const h = createHash("sha256");
    for (const f of manifest.files) h.update(`${f}\0${fs.readFileSync(path.join(dist, f), "utf8")}\0`);
    return h.digest("hex") === manifest.digest ? path.join(dist, "tsbpf.cjs") : undefined;
  } catch {
    return undefined;
  }
}

/** The command line's `run`, and which way it was loaded. */
export async function loadCli(dist = DIST): Promise<{ run: Run; via: "bundle" | "modules" }> {
  const bundle = freshBundle(dist);
  if (bundle) {
    try {
      const { run } = requireWithCodeCache<{ run: Run }>(createRequire(import.meta.url), bundle);
      if (typeof run === "function") return { run, via: "bundle" };
    } catch {
      // A bundle that does not load is only a slower start.
    }
  }
  return { run: (await import("./main.js")).run, via: "modules" };
}
