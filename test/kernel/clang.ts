// clang as the differential-testing oracle: build a C BPF program the way the
// kernel selftests do (clang -g -O2 -mcpu=v4 -target bpf), cached by content
// hash, plus small helpers to read the resulting ELF with llvm-readelf.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";

/** The clang binary (TSBPF_CLANG overrides). */
export const CLANG = process.env.TSBPF_CLANG ?? "clang-19";
/** llvm-readelf (TSBPF_LLVM_READELF overrides). */
export const LLVM_READELF = process.env.TSBPF_LLVM_READELF ?? "llvm-readelf-19";

export const BPF_CFLAGS = ["-g", "-O2", "-mcpu=v4", "-target", "bpf"] as const;

export interface CompileOptions {
  /** Extra flags after the defaults (e.g. ["-DFOO=1"]). */
  cflags?: string[];
  /** Extra include directories. */
  includeDirs?: string[];
  /** Base name of the object (and of the source, for sources given as text); default from the path or "prog". */
  name?: string;
  /** Rebuild even when a cached object exists. */
  noCache?: boolean;
}

let clangVersion: string | undefined;

function run(cmd: string, args: string[], cwd?: string): { status: number | null; stdout: string; stderr: string; error?: Error } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error };
}

/** `clang --version` first line, or an Error's message when clang can't be run. */
export function clangAvailable(): { ok: true; version: string } | { ok: false; why: string } {
  if (clangVersion) return { ok: true, version: clangVersion };
  const r = run(CLANG, ["--version"]);
  if (r.error || r.status !== 0) return { ok: false, why: `${CLANG} --version failed: ${r.error?.message ?? r.stderr.trim()}` };
  clangVersion = r.stdout.split("\n")[0]!.trim();
  return { ok: true, version: clangVersion };
}

/** The multiarch include dir that <asm/types.h> lives in (clang -target bpf doesn't search it). */
function multiarchIncludes(): string[] {
  const triple = { x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu", riscv64: "riscv64-linux-gnu", s390x: "s390x-linux-gnu", ppc64: "powerpc64le-linux-gnu" }[process.arch as string];
  const dir = triple ? `/usr/include/${triple}` : undefined;
  return dir && existsSync(dir) ? [`-I${dir}`] : [];
}

function looksLikePath(src: string): boolean {
  return !src.includes("\n") && src.length < 4096 && existsSync(src);
}

/**
 * Compile a C BPF program (its text, or the path of a .c file) with
 * `clang -g -O2 -mcpu=v4 -target bpf -c` and return the object's path, under
 * `os.tmpdir()/tsbpf-clang/<hash>/`. The hash covers the source text, the
 * flags and clang's version (not the contents of included headers: pass
 * noCache after editing a header). Throws with clang's stderr on failure.
 */
export function compileC(src: string, opts: CompileOptions = {}): string {
  const avail = clangAvailable();
  if (!avail.ok) throw new Error(avail.why);
  const isPath = looksLikePath(src);
  const srcPath = isPath ? resolve(src) : undefined;
  const text = isPath ? readFileSync(srcPath!, "utf8") : src;
  const name = opts.name ?? (srcPath ? basename(srcPath).replace(/\.c$/, "") : "prog");
  const includes = [...(srcPath ? [`-I${dirname(srcPath)}`] : []), ...(opts.includeDirs ?? []).map((d) => `-I${resolve(d)}`), ...multiarchIncludes()];
  const flags = [...BPF_CFLAGS, ...includes, ...(opts.cflags ?? [])];

  const hash = createHash("sha256")
    .update(JSON.stringify({ v: 1, clang: avail.version, flags, name, srcPath: srcPath ?? null, text }))
    .digest("hex")
    .slice(0, 24);
  const dir = join(tmpdir(), "tsbpf-clang", hash);
  const out = join(dir, `${name}.bpf.o`);
  if (!opts.noCache && existsSync(out)) return out;

  mkdirSync(dir, { recursive: true });
  let input = srcPath;
  if (!input) {
    input = join(dir, `${name}.c`);
    writeFileSync(input, text);
  }
  // Build next to the final name and rename, so concurrent test workers never see a partial object.
  const tmpOut = join(dir, `.${name}.${process.pid}.${Date.now()}.o`);
  const args = [...flags, "-c", input, "-o", tmpOut];
  const r = run(CLANG, args);
  if (r.error || r.status !== 0) {
    rmSync(tmpOut, { force: true });
    throw new Error(`${CLANG} failed (${r.error ? r.error.message : `exit ${r.status}`}) compiling ${srcPath ?? `<source text: ${input}>`}\n$ ${CLANG} ${args.join(" ")}\n${r.stderr}`);
  }
  renameSync(tmpOut, out);
  return out;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** "Function", "Object", "Section", "File", "None", … */
  type: string;
  /** "Local", "Global", "Weak" */
  binding: string;
  /** Section name, or "Undefined" / "Absolute" */
  section: string;
}

export interface ElfSection {
  index: number;
  name: string;
  type: string;
  size: number;
  flags: string[];
}

function readelfJson(path: string, args: string[]): any {
  const r = run(LLVM_READELF, ["--elf-output-style=JSON", ...args, path]);
  if (r.error || r.status !== 0) throw new Error(`${LLVM_READELF} ${args.join(" ")} ${path} failed: ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout)[0];
}

/** The symbol table (llvm-readelf -s). */
export function elfSymbols(path: string): ElfSymbol[] {
  return (readelfJson(path, ["-s"]).Symbols as any[]).map(({ Symbol: s }) => ({
    name: s.Name.Name,
    value: s.Value,
    size: s.Size,
    type: s.Type.Name,
    binding: s.Binding.Name,
    section: s.Section.Name,
  }));
}

/** The section headers (llvm-readelf -S). */
export function elfSections(path: string): ElfSection[] {
  return (readelfJson(path, ["-S"]).Sections as any[]).map(({ Section: s }) => ({
    index: s.Index,
    name: s.Name.Name,
    type: s.Type.Name,
    size: s.Size,
    flags: (s.Flags.Flags as { Name: string }[]).map((f) => f.Name),
  }));
}

/** The symbol `name` defined in `section`; throws when absent. */
export function elfSymbol(path: string, name: string, section?: string): ElfSymbol {
  const s = elfSymbols(path).find((x) => x.name === name && (section === undefined || x.section === section));
  if (!s) throw new Error(`${path}: no symbol '${name}'${section ? ` in ${section}` : ""}`);
  return s;
}
