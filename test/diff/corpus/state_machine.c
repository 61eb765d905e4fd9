// A small state machine: a TCP-like connection driven by pseudo-random events
// (an LCG seeded from .rodata), with a switch on the state and fall-through.
#include <linux/types.h>
#define SEC(name) __attribute__((section(name), used))

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 SEED = 0x2545f491;

__u8 state = 0;
__u32 transitions = 0;
__u32 invalid = 0;
__u32 bytes = 0;
__u32 resets = 0;
__u32 visits = 0;

struct History {
  __u8 states[8];
};

SEC("syscall") long run(void *ctx) {
  struct History hist = {};
  __u32 x = SEED;
  __u8 s = state;
  for (__u32 i = 0; i < 48; i++) {
    x = x * 1103515245 + 12345;
    const __u32 ev = (x >> 16) & 7;
    __u8 next = s;
    if (ev == 6) {
      resets++;
      next = 0;
    } else {
      switch (s) {
        case 0:
          if (ev == 0) next = 1;
          break;
        case 1:
          if (ev == 1) next = 2;
          else if (ev == 5) next = 0;
          break;
        case 2:
          if (ev == 2) {
            bytes += (x >> 8) & 0xff;
            break;
          }
          if (ev != 3) break;
        /* fall through: close from ESTABLISHED goes straight to FIN_WAIT */
        case 3:
          next = (__u8)(ev == 4 ? 4 : 3);
          break;
        case 4:
          if (ev == 5) next = 0;
          break;
        default:
          invalid++;
      }
    }
    if (next != s) {
      transitions++;
      __u32 idx = transitions & 7;
      /* barrier_var(): else clang turns fp + idx into fp | idx, which the verifier refuses */
      asm volatile("" : "+r"(idx));
      hist.states[idx] = next;
    } else if (ev == 7) {
      invalid++;
    }
    s = next;
  }
  state = s;
  __u32 v = 0;
  for (__u32 k = 0; k < 8; k++) {
    v = v * 5 + hist.states[k];
  }
  visits = v;
  return transitions;
}
