/**
 * JavaScript's runtime globals (`console`, `Math`, `JSON`, `eval`…) are absent
 * from tsbpf's lib, so TypeScript reports them as unknown names; this turns
 * those reports into TSBPF1121 with what to use instead in BPF.
 */
import { Codes, type Diagnostic } from "../diagnostics.js";

const HINTS: Record<string, string> = {
  console: "print with bpf_printk (read it in /sys/kernel/tracing/trace_pipe), or send events through a RingBuf",
  Math: "use integer arithmetic (`a < b ? a : b` for min)",
  JSON: "send structs to user space through a map or a RingBuf, and format them there",
  eval: "BPF code is fixed when it is loaded",
  Function: "BPF code is fixed when it is loaded",
  Date: "read time with bpf_ktime_get_ns()",
  performance: "read time with bpf_ktime_get_ns()",
  setTimeout: "use a BpfTimer (bpf_timer_*) or a work queue",
  setInterval: "use a BpfTimer (bpf_timer_*)",
  Promise: "a BPF program runs to completion; defer work with a BpfTimer or a work queue",
  Object: "structs are C structs: use zeroed<T>() and their fields",
  Array: "use FixedArray<T, N>",
  String: "there are no run-time strings",
  Number: "use the integer types i8 … u64 and their conversions u32(x)…",
  parseInt: "there are no run-time strings: parse bytes in a bounded loop",
  parseFloat: "BPF has no floating point",
  isNaN: "BPF has no floating point",
  BigInt: "use i64/u64 and 64-bit literals such as 5n",
  Symbol: "there are no JavaScript objects",
  Map: "use a HashMap declared at module level",
  Set: "use a HashMap declared at module level",
  WeakMap: "use a HashMap declared at module level",
  Error: "return an error code",
  RegExp: "compare bytes in a bounded loop",
  Uint8Array: "use FixedArray<u8, N>",
  DataView: "read packet bytes with ctx.header<T>(offset)",
  process: "a BPF program runs in the kernel: read the task with helpers such as bpf_get_current_pid_tgid()",
  require: "import from \"tsbpf\" or from declaration files",
  globalThis: "use module-level globals",
  window: "a BPF program runs in the kernel",
  fetch: "a BPF program runs in the kernel",
};

/** TS2304 "Cannot find name", TS2580/2581/2582/2583/2584/2585 "…change your target library?". */
const UNKNOWN_NAME = new Set([2304, 2580, 2581, 2582, 2583, 2584, 2585]);

export function jsGlobalDiagnostic(code: number, d: Diagnostic): Diagnostic {
  if (!UNKNOWN_NAME.has(code) || d.text === undefined || d.start === undefined) return d;
  const name = d.text.slice(d.start, d.start + (d.length ?? 0));
  const hint = Object.hasOwn(HINTS, name) ? HINTS[name] : undefined;
  if (hint === undefined) return d;
  return { ...d, code: Codes.JsGlobal, message: `'${name}' is a JavaScript global; a BPF program has no JavaScript runtime: ${hint}.` };
}
