// One differential run: the same program as tsbpf TypeScript and as C, built
// by tsbpf (in process) and clang-19, loaded by libbpf, test-run in the kernel;
// the return values and every global are compared.

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { compile } from "../../compiler/index.js";
import { formatDiagnostic } from "../../compiler/diagnostics.js";
import { readElf } from "../../compiler/elf/reader.js";
import { BPF_CFLAGS, CLANG } from "../kernel/clang.js";
import { BpfObject } from "../kernel/libbpf.js";

export type OutcomeKind =
  | "match"
  | "mismatch"
  | "tsbpf-compile-error"
  | "tsbpf-verifier-reject"
  | "tsbpf-run-error"
  | "clang-error"
  | "clang-reject"
  /** clang's object hits the verifier's 1M-instruction complexity limit: a resource limit, not a difference; skipped */
  | "too-complex";

/** Kinds that mean the generator (or the corpus) is wrong, not tsbpf. */
export const GENERATOR_BUG_KINDS: OutcomeKind[] = ["clang-error", "clang-reject"];

export interface RunResult {
  /** retval of each program run, in order */
  retvals: number[];
  /** every global of .bss/.data, as the bytes of the object's value */
  globals: Map<string, Uint8Array>;
  /** instructions the verifier processed, per program */
  verified: number[];
  /** the packet each run left behind (data_out), for runs with packet data */
  packets: (Uint8Array | undefined)[];
}

/** One test run: a program and, for packet programs, the packet it gets (default: libbpf.ts's default packet). */
export interface Run {
  program: string;
  data?: Uint8Array;
}

export interface Outcome {
  kind: OutcomeKind;
  /** What happened, for people (diagnostics, verifier log tail, differing values). */
  detail: string;
  /** kind plus a normalised key of the failure: the reducer keeps it constant; failures are grouped by it. */
  signature: string;
  ts?: RunResult;
  clang?: RunResult;
  ms: number;
}

export interface PairOptions {
  /** Programs to test-run, in order (default ["prog"]). */
  programs?: string[];
  /** Test runs, in order, in place of `programs`: packet programs with their packets. */
  runs?: Run[];
  /** Directory for the sources and objects (default: a fresh temp dir). */
  dir?: string;
  /** Base name of the files (default "prog"). */
  name?: string;
  /** Decoding hints for display: global name → C-ish type ("i8" … "u64", "bool"). */
  types?: Record<string, string>;
}

let sharedDir: string | undefined;
function workDir(): string {
  sharedDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "tsbpf-diff-"));
  return sharedDir;
}

/** <asm/types.h> lives in the multiarch include dir, which clang -target bpf does not search. */
const MULTIARCH = (() => {
  const triple = ({ x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu", riscv64: "riscv64-linux-gnu", s390x: "s390x-linux-gnu", ppc64: "powerpc64le-linux-gnu" } as Record<string, string>)[process.arch];
  return triple && fs.existsSync(`/usr/include/${triple}`) ? [`-I/usr/include/${triple}`] : [];
})();

function runClang(src: string, out: string): Promise<{ ok: boolean; stderr: string; cmd: string }> {
  const args = [...BPF_CFLAGS, ...MULTIARCH, "-w", "-c", src, "-o", out];
  const cmd = `${CLANG} ${args.join(" ")}`;
  return new Promise((resolve) => {
    let stderr = "";
    let child;
    try {
      child = spawn(CLANG, args, { stdio: ["ignore", "ignore", "pipe"] });
    } catch (e) {
      resolve({ ok: false, stderr: String(e), cmd });
      return;
    }
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e) => resolve({ ok: false, stderr: stderr + String(e), cmd }));
    child.on("close", (code) => resolve({ ok: code === 0, stderr, cmd }));
  });
}

const norm = (s: string) => s.replace(/0x[0-9a-f]+/gi, "X").replace(/-?\d+/g, "N").replace(/'[^']*'/g, "'…'").trim();

/** The verifier's own lines from libbpf's log (the failing program's load log), last `n` lines. */
export function verifierTail(msg: string, n = 30): string {
  const lines = msg.split("\n");
  const begin = lines.findIndex((l) => l.includes("-- BEGIN PROG LOAD LOG --"));
  const end = lines.findIndex((l) => l.includes("-- END PROG LOAD LOG --"));
  const body = begin >= 0 ? lines.slice(begin + 1, end > begin ? end : undefined) : lines;
  const cleaned = body.map((l) => l.replace(/^libbpf\[\w+\]: /, ""));
  const tail = cleaned.slice(-n);
  return (begin >= 0 ? "" : "") + tail.join("\n");
}

/** The line that says why the verifier said no (the last one before "processed N insns"). */
function verifierReason(msg: string): string {
  const lines = verifierTail(msg, 400).split("\n").map((l) => l.trim()).filter(Boolean);
  const p = lines.findIndex((l) => /^processed \d+ insns/.test(l));
  const cand = p > 0 ? lines[p - 1]! : lines[lines.length - 1] ?? msg.split("\n")[0]!;
  return cand;
}

/** Globals in .bss/.data by name, with their bytes from the loaded object. */
function readGlobals(obj: BpfObject, objBytes: Uint8Array): Map<string, Uint8Array> {
  const elf = readElf(objBytes);
  const out = new Map<string, Uint8Array>();
  const maps = obj.mapNames();
  const cache = new Map<string, Uint8Array>();
  for (const s of elf.symbols) {
    if (s.type !== 1 /* STT_OBJECT */ || !s.name || (s.section !== ".bss" && s.section !== ".data")) continue;
    const sec = s.section;
    if (!cache.has(sec)) {
      if (!maps.some((m) => m.endsWith(sec))) continue;
      cache.set(sec, obj.global(sec));
    }
    const v = cache.get(sec)!;
    out.set(s.name, v.slice(s.value, s.value + s.size));
  }
  return out;
}

function loadAndRun(objPath: string, runs: Run[]): { ok: true; res: RunResult } | { ok: false; stage: "load" | "run"; error: string } {
  let obj: BpfObject;
  try {
    obj = BpfObject.open(objPath);
  } catch (e) {
    return { ok: false, stage: "load", error: (e as Error).message };
  }
  try {
    const retvals: number[] = [];
    const packets: (Uint8Array | undefined)[] = [];
    for (const r of runs) {
      try {
        const out = obj.testRun(r.program, r.data ? { data: r.data } : {});
        retvals.push(out.retval);
        packets.push(r.data ? out.dataOut : undefined);
      } catch (e) {
        return { ok: false, stage: "run", error: (e as Error).message };
      }
    }
    const programs = [...new Set(runs.map((r) => r.program))];
    const verified = programs.map((p) => obj.progInfo(p).verifiedInsns);
    return { ok: true, res: { retvals, globals: readGlobals(obj, fs.readFileSync(objPath)), verified, packets } };
  } finally {
    obj.close();
  }
}

export function decode(bytes: Uint8Array, type?: string): string {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  const bits = bytes.length * 8;
  if (type && /^i\d+$/.test(type)) v = BigInt.asIntN(bits, v);
  return bits > 32 && !type ? `0x${v.toString(16)}` : v.toString();
}

const eqBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Compile, load and run both versions of one program. */
export async function runPair(tsSource: string, cSource: string, opts: PairOptions = {}): Promise<Outcome> {
  const t0 = performance.now();
  const dir = opts.dir ?? workDir();
  const name = opts.name ?? "prog";
  const runs = opts.runs ?? (opts.programs ?? ["prog"]).map((program) => ({ program }));
  const tsPath = path.join(dir, `${name}.ts`);
  const cPath = path.join(dir, `${name}.c`);
  const tsObj = path.join(dir, `${name}.ts.o`);
  const cObj = path.join(dir, `${name}.c.o`);
  fs.writeFileSync(tsPath, tsSource);
  fs.writeFileSync(cPath, cSource);
  fs.rmSync(tsObj, { force: true });
  fs.rmSync(cObj, { force: true });
  const done = (o: Omit<Outcome, "ms">): Outcome => ({ ...o, ms: performance.now() - t0 });

  // clang runs in a child process while tsbpf compiles here
  const clang = runClang(cPath, cObj);
  let tsError: string | undefined;
  let tsSig = "";
  try {
    const r = compile(tsPath);
    if (r.object && !r.diagnostics.some((d) => d.category === "error")) fs.writeFileSync(tsObj, r.object);
    else {
      const errs = r.diagnostics.filter((d) => d.category === "error");
      tsError = errs.map((d) => formatDiagnostic(d, { cwd: dir })).join("\n") || "no object and no diagnostics";
      tsSig = errs[0] ? `${errs[0].code} ${norm(errs[0].message).slice(0, 80)}` : "no object";
    }
  } catch (e) {
    tsError = `compile() threw: ${(e as Error).stack ?? e}`;
    tsSig = `threw ${norm((e as Error).message ?? String(e)).slice(0, 80)}`;
  }
  const c = await clang;
  if (!c.ok) {
    const first = /error: (.*)/.exec(c.stderr)?.[1] ?? c.stderr.split("\n")[0] ?? "";
    return done({ kind: "clang-error", detail: `$ ${c.cmd}\n${c.stderr}`, signature: `clang-error ${norm(first).slice(0, 80)}` });
  }
  const cr = loadAndRun(cObj, runs);
  if (!cr.ok) {
    if (cr.stage === "load" && /BPF program is too large/.test(cr.error)) {
      return done({ kind: "too-complex", detail: `clang's object exceeds the verifier's complexity limit:\n${verifierTail(cr.error, 3)}`, signature: "too-complex" });
    }
    return done({ kind: "clang-reject", detail: `clang's object: ${cr.stage} failed:\n${verifierTail(cr.error)}`, signature: `clang-reject ${cr.stage}` });
  }
  if (tsError !== undefined) return done({ kind: "tsbpf-compile-error", detail: tsError, signature: `tsbpf-compile-error ${tsSig}`, clang: cr.res });
  const tr = loadAndRun(tsObj, runs);
  if (!tr.ok) {
    if (tr.stage === "load") {
      return done({
        kind: "tsbpf-verifier-reject",
        detail: `tsbpf's object does not load (clang's does):\n${verifierTail(tr.error)}`,
        signature: `tsbpf-verifier-reject ${norm(verifierReason(tr.error)).slice(0, 80)}`,
        clang: cr.res,
      });
    }
    return done({ kind: "tsbpf-run-error", detail: `test run of tsbpf's object failed:\n${tr.error}`, signature: "tsbpf-run-error", clang: cr.res });
  }
  // compare
  const diffs: string[] = [];
  runs.forEach(({ program: p }, i) => {
    const a = tr.res.retvals[i], b = cr.res.retvals[i];
    if (a !== b) diffs.push(`return value of ${p} (run ${i}): tsbpf ${a} (0x${(a! >>> 0).toString(16)}), clang ${b} (0x${(b! >>> 0).toString(16)})`);
    const tp = tr.res.packets[i], cp = cr.res.packets[i];
    if ((tp || cp) && !(tp && cp && eqBytes(tp, cp))) {
      diffs.push(`packet after ${p} (run ${i}): tsbpf ${tp ? Buffer.from(tp).toString("hex") : "none"}, clang ${cp ? Buffer.from(cp).toString("hex") : "none"}`);
    }
  });
  for (const [g, cv] of cr.res.globals) {
    const tv = tr.res.globals.get(g);
    const ty = opts.types?.[g];
    if (!tv) diffs.push(`global ${g}: missing from tsbpf's .bss/.data (clang: ${decode(cv, ty)})`);
    else if (!eqBytes(tv, cv)) diffs.push(`global ${g}${ty ? ` (${ty})` : ""}: tsbpf ${decode(tv, ty)}, clang ${decode(cv, ty)}`);
  }
  if (diffs.length) return done({ kind: "mismatch", detail: diffs.join("\n"), signature: "mismatch", ts: tr.res, clang: cr.res });
  return done({ kind: "match", detail: "", signature: "match", ts: tr.res, clang: cr.res });
}
