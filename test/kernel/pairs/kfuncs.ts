import { license, tc, kfunc, type u32, type i64 } from "tsbpf";

license("GPL");

const bpf_rcu_read_lock = kfunc<() => void>("bpf_rcu_read_lock");
const bpf_rcu_read_unlock = kfunc<() => void>("bpf_rcu_read_unlock");
const bpf_preempt_disable = kfunc<() => void>("bpf_preempt_disable", { weak: true });
const bpf_preempt_enable = kfunc<() => void>("bpf_preempt_enable", { weak: true });

export let inside: u32 = 0;

export const prog = tc((ctx): i64 => {
  bpf_rcu_read_lock();
  inside += 1;
  bpf_rcu_read_unlock();
  bpf_preempt_disable();
  inside += 2;
  bpf_preempt_enable();
  return 0;
});
