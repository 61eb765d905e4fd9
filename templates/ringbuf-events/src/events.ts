// Sends an event to user space each time a process calls exec().
import { license, program, RingBuf, bpf_get_current_pid_tgid, bpf_get_smp_processor_id, bpf_ktime_get_ns, u32, type u64 } from "tsbpf";

license("GPL");

/** One record in the ring buffer (user space decodes the same layout). */
interface Event {
  pid: u32;
  cpu: u32;
  time_ns: u64;
}

export const events = new RingBuf({ maxEntries: 256 * 1024 });

/** Events lost because the ring buffer was full. */
export let dropped: u64 = 0;

export const on_exec = program("raw_tp/sched_process_exec", (ctx) => {
  const e = events.reserve<Event>();
  if (e === null) {
    dropped += 1;
    return 0;
  }
  e.pid = u32(bpf_get_current_pid_tgid() >> 32);
  e.cpu = bpf_get_smp_processor_id();
  e.time_ns = bpf_ktime_get_ns();
  events.submit(e);
  return 0;
});
