// A small state machine: a TCP-like connection driven by pseudo-random events
// (an LCG seeded from .rodata), with a switch on the state and fall-through.
import { license, syscall, zeroed, u8, type u32, type i64, type FixedArray } from "tsbpf";

license("GPL");

// states: 0 CLOSED, 1 SYN_SENT, 2 ESTABLISHED, 3 FIN_WAIT, 4 TIME_WAIT
// events: 0 open, 1 syn_ack, 2 data, 3 close, 4 fin_ack, 5 timeout, 6 reset, 7 noise
export const SEED: u32 = 0x2545f491;

export let state: u8 = 0;
export let transitions: u32 = 0;
export let invalid: u32 = 0;
export let bytes: u32 = 0;
export let resets: u32 = 0;
export let visits: u32 = 0;

interface History {
  states: FixedArray<u8, 8>;
}

export const run = syscall((ctx): i64 => {
  const hist = zeroed<History>();
  let x: u32 = SEED;
  let s: u8 = state;
  for (let i: u32 = 0; i < 48; i++) {
    x = x * 1103515245 + 12345;
    const ev: u32 = (x >> 16) & 7;
    let next: u8 = s;
    if (ev === 6) {
      resets++;
      next = 0;
    } else {
      switch (s) {
        case 0:
          if (ev === 0) next = 1;
          break;
        case 1:
          if (ev === 1) next = 2;
          else if (ev === 5) next = 0;
          break;
        case 2:
          if (ev === 2) {
            bytes += (x >> 8) & 0xff;
            break;
          }
          if (ev !== 3) break;
        // fall through: close from ESTABLISHED goes straight to FIN_WAIT
        case 3:
          next = u8(ev === 4 ? 4 : 3);
          break;
        case 4:
          if (ev === 5) next = 0;
          break;
        default:
          invalid++;
      }
    }
    if (next !== s) {
      transitions++;
      hist.states[transitions & 7] = next;
    } else if (ev === 7) {
      invalid++;
    }
    s = next;
  }
  state = s;
  let v: u32 = 0;
  for (let k: u32 = 0; k < 8; k++) {
    v = v * 5 + hist.states[k];
  }
  visits = v;
  return transitions;
});
