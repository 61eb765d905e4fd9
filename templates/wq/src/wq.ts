// Work-queues: a program arms a `bpf_wq` stored in a map value, and the kernel
// runs the callback later, in process context (where it may sleep).
import { license, tc, syscall, ArrayMap, BpfWq, type AnyMap, type i32, type i64, type Ptr, type u32 } from "tsbpf";

license("GPL");

interface Job {
  work: BpfWq;
}

export const jobs = new ArrayMap<i32, Job>({ maxEntries: 2 });

/** Bit k is set once the work queued for key k has run. */
export let done: u32 = 0;

function onWork(map: AnyMap, key: Ptr<i32>, value: unknown): i32 {
  done |= 1 << key.value;
  return 0;
}

function queue(key: i32): i64 {
  const job = jobs.lookup(key);
  if (job === null) return -1; // TypeScript's narrowing is the verifier's null check
  if (job.work.init(jobs) !== 0) return -2;
  if (job.work.setCallback(onWork) !== 0) return -3;
  return job.work.start();
}

export const queue_from_tc = tc((ctx): i64 => queue(0));
export const queue_from_syscall = syscall((ctx): i64 => queue(1));
