/**
 * The `"tsbpf"` field of package.json: what `tsbpf build` and `tsbpf check`
 * compile when given no entries (the npm build step). Accepted forms:
 *
 *   "tsbpf": "src/prog.ts"
 *   "tsbpf": ["src/a.ts", "src/b.ts"]
 *   "tsbpf": { "entries": ["src/prog.ts"], "outDir": "dist", "skeleton": true, "emit": ["asm"] }
 *
 * Paths are relative to the package.json's directory. Without `outDir`, each
 * object is written next to its entry.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "./output.js";

export interface ProjectConfig {
  /** The package.json the configuration came from. */
  packageJson: string;
  /** Absolute entry paths. */
  entries: string[];
  /** Absolute output directory, when given. */
  outDir?: string;
  skeleton: boolean;
  emitAsm: boolean;
}

/** The nearest package.json at or above `dir`, or undefined. */
export function findPackageJson(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; ) {
    const p = path.join(d, "package.json");
    if (fs.existsSync(p)) return p;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

const EXAMPLE = `"tsbpf": { "entries": ["src/prog.ts"], "outDir": "dist" }`;

/** Reads the configuration of the nearest package.json; UsageError when there is none or it is malformed. */
export function readProjectConfig(cwd: string = process.cwd()): ProjectConfig {
  const pj = findPackageJson(cwd);
  if (!pj) throw new UsageError(`no entries given and no package.json found from ${cwd}: name the entry files, or add ${EXAMPLE} to package.json`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(pj, "utf8"));
  } catch (err) {
    throw new UsageError(`${pj}: ${(err as Error).message}`);
  }
  const field = (json as Record<string, unknown>)?.tsbpf;
  if (field === undefined) throw new UsageError(`no entries given and ${pj} has no "tsbpf" field: name the entry files, or add ${EXAMPLE}`);
  const dir = path.dirname(pj);
  const bad = (why: string) => new UsageError(`${pj}: "tsbpf" ${why}; expected a path, an array of paths, or ${EXAMPLE.slice(9)}`);
  const paths = (v: unknown, what: string): string[] => {
    const list = typeof v === "string" ? [v] : v;
    if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === "string" && x !== "")) throw bad(`${what} must be a non-empty path or array of paths`);
    return list.map((p) => path.resolve(dir, p));
  };
  if (typeof field === "string" || Array.isArray(field)) {
    return { packageJson: pj, entries: paths(field, "entries"), skeleton: false, emitAsm: false };
  }
  if (typeof field !== "object" || field === null) throw bad("is neither a path, an array nor an object");
  const f = field as Record<string, unknown>;
  const known = new Set(["entries", "outDir", "skeleton", "emit"]);
  const unknown = Object.keys(f).filter((k) => !known.has(k));
  if (unknown.length) throw bad(`has unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")}`);
  if (f.outDir !== undefined && (typeof f.outDir !== "string" || f.outDir === "")) throw bad("outDir must be a path");
  if (f.skeleton !== undefined && typeof f.skeleton !== "boolean") throw bad("skeleton must be true or false");
  const emit = f.emit === undefined ? [] : typeof f.emit === "string" ? [f.emit] : f.emit;
  if (!Array.isArray(emit) || !emit.every((e) => e === "asm")) throw bad(`emit must be "asm" or ["asm"]`);
  return {
    packageJson: pj,
    entries: paths(f.entries, "entries"),
    outDir: f.outDir !== undefined ? path.resolve(dir, f.outDir as string) : undefined,
    skeleton: f.skeleton === true,
    emitAsm: emit.includes("asm"),
  };
}
