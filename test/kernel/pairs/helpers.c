#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";
struct comm { __u8 name[16]; };
long comm_ret = -1; __u32 first = 0; long read_ret = -1; __u64 copied = 0; long cmp = 99; __u32 same_pid = 0;

SEC("syscall") long prog(void *ctx) {
  struct comm c = {};
  comm_ret = bpf_get_current_comm(&c, 16);
  first = c.name[0];
  struct comm src = {};
  src.name[0] = 7;
  src.name[7] = 9;
  struct comm dst = {};
  read_ret = bpf_probe_read_kernel(&dst, 8, &src);
  copied = dst.name[0] + dst.name[7];
  cmp = bpf_strncmp((const char *)&c, 16, "node");
  same_pid = bpf_get_current_task() != 0 && (bpf_get_current_pid_tgid() >> 32) > 0 ? 1 : 0;
  return 0;
}
