/**
 * A V8 code cache for the TypeScript compiler's JavaScript (12 MB that V8
 * would otherwise parse and compile on every cold `tsbpf build`). Node 22 has
 * `module.enableCompileCache()`; Node 20 does not, so large CommonJS files are
 * compiled here through `vm.Script` with the bytes V8 produced last time, and
 * at exit — after the build ran, so the functions it used are compiled too —
 * fresh bytes are written where the cache was missing or rejected.
 *
 * The cache lives in the user's own cache directory (`$XDG_CACHE_HOME/tsbpf`
 * or `~/.cache/tsbpf`, mode 0700: code caches are trusted input). It holds one
 * entry per file path, Node version and set of Node flags (V8 rejects bytes
 * made under other flags), stamped with the file's size and mtime: a changed
 * file (every `npm run build` rewrites dist/tsbpf.cjs) replaces its entry
 * instead of adding one, and entries not rewritten for 30 days (a deleted
 * checkout's) are removed whenever an entry is written. V8 itself rejects bytes
 * that do not match. `TSBPF_CODE_CACHE=0` turns it off. Any failure falls back
 * to a plain `require`: the cache can make a build faster, never different.
 */
import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import Module, { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";

/** Files smaller than this compile faster than their cache loads. */
const MIN_SIZE = 512 * 1024;

/** Entries not rewritten for this long are removed (see prune). */
const MAX_AGE_MS = 30 * 24 * 3600 * 1000;
/** An entry's name: this prefix, then a digest of the path and Node's flags. */
const ENTRY_PREFIX = "cc2-";
/** An entry's first bytes: the magic, then the file's size and mtimeMs (float64 little-endian); V8's bytes follow. */
const MAGIC = Buffer.from("tsbpfcc2");
const HEADER_SIZE = MAGIC.length + 16;

function cacheRoot(): string | undefined {
  if (process.env.TSBPF_CODE_CACHE === "0") return undefined;
  try {
    return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "tsbpf");
  } catch {
    return undefined;
  }
}

function cacheDir(root: string): string | undefined {
  try {
    const dir = path.join(root, `v8-${process.version}-${process.arch}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  } catch {
    return undefined;
  }
}

/** The entry of `filename` under this process's Node flags. */
function entryName(filename: string): string {
  const flags = `${process.execArgv.join("\0")}\0${process.env.NODE_OPTIONS ?? ""}`;
  return ENTRY_PREFIX + createHash("sha256").update(`${filename}\0${flags}`).digest("hex").slice(0, 40);
}

function header(st: fs.Stats): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(h);
  h.writeDoubleLE(st.size, MAGIC.length);
  h.writeDoubleLE(st.mtimeMs, MAGIC.length + 8);
  return h;
}

/** V8's bytes in `entry` when it was made from the file as `st` describes it. */
function readEntry(entry: string, st: fs.Stats): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(entry);
  } catch {
    return undefined; // not cached yet
  }
  return bytes.length > HEADER_SIZE && bytes.subarray(0, HEADER_SIZE).equals(header(st)) ? bytes.subarray(HEADER_SIZE) : undefined;
}

/**
 * Removes what no build will read again: entries not rewritten for MAX_AGE_MS
 * (their file is gone or no longer used), files not named like an entry
 * (earlier layouts), and directories of other Node versions left empty.
 */
export function prune(root: string, now = Date.now()): void {
  let versions: string[];
  try {
    versions = fs.readdirSync(root);
  } catch {
    return;
  }
  for (const v of versions) {
    const dir = path.join(root, v);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    let kept = 0;
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        const age = now - fs.statSync(file).mtimeMs;
        // A recent .tmp is another build's write in progress.
        if (name.endsWith(".tmp") ? age < 60_000 : name.startsWith(ENTRY_PREFIX) && age < MAX_AGE_MS) kept++;
        else fs.rmSync(file, { force: true });
      } catch { /* removed meanwhile */ }
    }
    if (!kept) fs.rmSync(dir, { recursive: true, force: true });
  }
}

type CompileFn = (this: Module, content: string, filename: string) => unknown;
type LoadFn = (module: Module, filename: string) => void;

/** The `"type"` of the package.json nearest to `file`. */
function packageType(file: string): unknown {
  for (let dir = path.dirname(file); ; ) {
    try {
      return (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { type?: unknown }).type;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") return undefined;
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * A large CommonJS file's text, read as Node reads it, only faster: all-ASCII
 * bytes (typescript.js is 9 MB of them) decode as Latin-1 to the same string in
 * half the time of Node's UTF-8 read. Undefined for anything Node's own loader
 * should handle (small files, ES modules, a byte-order mark).
 */
export function largeSource(filename: string): string | undefined {
  if (!filename.endsWith(".js") && !filename.endsWith(".cjs")) return undefined;
  try {
    if (fs.statSync(filename).size < MIN_SIZE) return undefined;
    if (filename.endsWith(".js") && packageType(filename) === "module") return undefined;
    const bytes = fs.readFileSync(filename);
    if (isAscii(bytes)) return bytes.toString("latin1");
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return undefined;
    return bytes.toString("utf8");
  } catch {
    return undefined;
  }
}

/** `req(id)`, with large CommonJS files compiled through the code cache. */
export function requireWithCodeCache<T>(req: NodeJS.Require, id: string): T {
  const root = cacheRoot();
  const dir = root && cacheDir(root);
  if (!root || !dir) return req(id) as T;
  const proto = (Module as unknown as { prototype: { _compile: CompileFn } }).prototype;
  const original = proto._compile;
  const extensions = (Module as unknown as { _extensions: Record<string, LoadFn> })._extensions;
  const load = extensions[".js"]!;
  extensions[".js"] = function (this: unknown, module: Module, filename: string) {
    const text = largeSource(filename);
    if (text === undefined) return load.call(this, module, filename);
    proto._compile.call(module, text, filename);
  };
  const pending: [vm.Script, string, Buffer][] = [];
  proto._compile = function (this: Module, content: string, filename: string) {
    if (content.length < MIN_SIZE) return original.call(this, content, filename);
    let script: vm.Script;
    try {
      const st = fs.statSync(filename);
      const entry = path.join(dir, entryName(filename));
      const cachedData = readEntry(entry, st);
      script = new vm.Script(Module.wrap(content), { filename, cachedData });
      if (!cachedData || script.cachedDataRejected) pending.push([script, entry, header(st)]);
    } catch {
      return original.call(this, content, filename);
    }
    const fn = script.runInThisContext() as (...args: unknown[]) => unknown;
    const require = createRequire(filename);
    return fn.call(this.exports, this.exports, require, this, filename, path.dirname(filename));
  };
  try {
    return req(id) as T;
  } finally {
    proto._compile = original;
    extensions[".js"] = load;
    if (pending.length) {
      process.once("exit", () => {
        for (const [script, entry, head] of pending) {
          try {
            const tmp = `${entry}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, Buffer.concat([head, script.createCachedData()]), { mode: 0o600 });
            fs.renameSync(tmp, entry);
          } catch { /* a cache we cannot write is only a slower next build */ }
        }
        prune(root);
      });
    }
  }
}
