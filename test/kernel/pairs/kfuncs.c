#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern void bpf_preempt_disable(void) __ksym __weak;
extern void bpf_preempt_enable(void) __ksym __weak;
__u32 inside = 0;

SEC("tc") long prog(void *ctx) {
  bpf_rcu_read_lock();
  inside += 1;
  bpf_rcu_read_unlock();
  bpf_preempt_disable();
  inside += 2;
  bpf_preempt_enable();
  return 0;
}
