import {
  license, syscall, zeroed, bpf_get_current_comm, bpf_probe_read_kernel, bpf_get_current_task, bpf_strncmp,
  bpf_get_current_pid_tgid, type u8, type u32, type u64, type i64, type FixedArray,
} from "tsbpf";

license("GPL");

interface Comm { name: FixedArray<u8, 16> }

export let comm_ret: i64 = -1;
export let first: u32 = 0;
export let read_ret: i64 = -1;
export let copied: u64 = 0;
export let cmp: i64 = 99;
export let same_pid: u32 = 0;

export const prog = syscall((ctx): i64 => {
  const c = zeroed<Comm>();
  comm_ret = bpf_get_current_comm(c, 16);
  first = c.name[0];
  const src = zeroed<Comm>();
  src.name[0] = 7;
  src.name[7] = 9;
  const dst = zeroed<Comm>();
  read_ret = bpf_probe_read_kernel(dst, 8, src);
  copied = dst.name[0] + dst.name[7];
  cmp = bpf_strncmp(c, 16, "node");
  same_pid = bpf_get_current_task() !== 0 && (bpf_get_current_pid_tgid() >> 32) > 0 ? 1 : 0;
  return 0;
});
