// The same 64-step computation (an LCG stream folded into a sum of squares) as a
// bpf_loop() callback and as an open-coded bounded for loop.
import { license, tc, bpf_loop, zeroed, TC_ACT_OK, type u32, type u64, type i64 } from "tsbpf";

license("GPL");

interface LoopCtx { seed: u32; sum: u64 }

export let loop_sum: u64 = 0;
export let for_sum: u64 = 0;

function step(i: u32, c: LoopCtx): i64 {
  c.seed = c.seed * 1103515245 + 12345;
  const v: u32 = (c.seed >> 16) ^ i;
  c.sum += v * v;
  return 0;
}

export const loop_cb = tc((ctx) => {
  const c = zeroed<LoopCtx>();
  c.seed = ctx.len;
  bpf_loop(64, step, c, 0);
  loop_sum = c.sum;
  return TC_ACT_OK;
});

export const loop_for = tc((ctx) => {
  let seed: u32 = ctx.len;
  let sum: u64 = 0;
  for (let i: u32 = 0; i < 64; i++) {
    seed = seed * 1103515245 + 12345;
    const v: u32 = (seed >> 16) ^ i;
    sum += v * v;
  }
  for_sum = sum;
  return TC_ACT_OK;
});
