/**
 * A V8 code cache for the TypeScript compiler's JavaScript (12 MB that V8
 * would otherwise parse and compile on every cold `tsbpf build`). Node 22 has
 * `module.enableCompileCache()`; Node 20 does not, so large CommonJS files are
 * compiled here through `vm.Script` with the bytes V8 produced last time, and
 * at exit — after the build ran, so the functions it used are compiled too —
 * fresh bytes are written where the cache was missing or rejected.
 *
 * The cache lives in the user's own cache directory (`$XDG_CACHE_HOME/tsbpf`
 * or `~/.cache/tsbpf`, mode 0700: code caches are trusted input) and is keyed
 * by file, size, mtime and Node version; V8 itself rejects bytes that do not
 * match. `TSBPF_CODE_CACHE=0` turns it off. Any failure falls back to a plain
 * `require`: the cache can make a build faster, never different.
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

function cacheDir(): string | undefined {
  if (process.env.TSBPF_CODE_CACHE === "0") return undefined;
  try {
    const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
    const dir = path.join(base, "tsbpf", `v8-${process.version}-${process.arch}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  } catch {
    return undefined;
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
  const dir = cacheDir();
  if (!dir) return req(id) as T;
  const proto = (Module as unknown as { prototype: { _compile: CompileFn } }).prototype;
  const original = proto._compile;
  const extensions = (Module as unknown as { _extensions: Record<string, LoadFn> })._extensions;
  const load = extensions[".js"]!;
  extensions[".js"] = function (this: unknown, module: Module, filename: string) {
    const text = largeSource(filename);
    if (text === undefined) return load.call(this, module, filename);
    proto._compile.call(module, text, filename);
  };
  const pending: [vm.Script, string][] = [];
  proto._compile = function (this: Module, content: string, filename: string) {
    if (content.length < MIN_SIZE) return original.call(this, content, filename);
    let script: vm.Script;
    let file: string;
    try {
      const st = fs.statSync(filename);
      const key = createHash("sha256").update(`${filename}\0${st.size}\0${st.mtimeMs}`).digest("hex").slice(0, 40);
      file = path.join(dir, key);
      let cachedData: Buffer | undefined;
      try { cachedData = fs.readFileSync(file); } catch { /* not cached yet */ }
      script = new vm.Script(Module.wrap(content), { filename, cachedData });
      if (!cachedData || script.cachedDataRejected) pending.push([script, file]);
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
        for (const [script, file] of pending) {
          try {
            const tmp = `${file}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
            fs.renameSync(tmp, file);
          } catch { /* a cache we cannot write is only a slower next build */ }
        }
      });
    }
  }
}
