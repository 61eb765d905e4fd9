/**
 * `tsbpf/loader`: load BPF objects from Node and drive them — what generated
 * skeletons (`tsbpf build --skeleton`) are built on. Uses the system libbpf
 * (`libbpf.so.1`) through koffi; loading programs needs root or CAP_BPF.
 */
export {
  BpfObject, BpfProgram, BpfMap, BpfLink, LoadError, BPF_PROG_TYPE, BPF_MAP_TYPE, BPF_ATTACH_TYPE, SECTIONS_UNKNOWN_TO_OLD_LIBBPF,
  bpfAvailable, defaultPacket, possibleCpus,
  type OpenOptions, type TestRunOptions, type TestRunResult, type ProgramInfo,
} from "./object.js";
export { LibbpfError, errnoString } from "./libbpf.js";
export { TypedMap, PerCpuMap, ValueStore, RingBufReader, globalsView } from "./typed.js";
export * as codec from "./codec.js";
export type { Codec, Fields } from "./codec.js";

/** Polls `pred` every `intervalMs` until it holds (true) or `ms` pass (false): for work that runs after a program returns. */
export async function waitFor(pred: () => boolean, ms = 2000, intervalMs = 10): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (pred()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
