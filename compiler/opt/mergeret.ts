/**
 * One exit per function, as clang lays it out: every `return` sets the return
 * value and jumps to a single `exit`. On its own this changes no instruction
 * count (`w0 = K; exit` becomes `w0 = K; goto exit`), but it makes each return
 * an arm of the form speculate.ts hoists — `if (err) return -1;` then costs
 * `w0 = -1; if err goto exit`, one instruction instead of three — and the
 * final return falls into the shared exit.
 */
import { reg, type Block, type IrFunction, type Terminator } from "../ir/ir.js";

export function mergeret(fn: IrFunction): IrFunction {
  const rets = fn.blocks.filter((b) => b.term.op === "ret");
  if (rets.length < 2) return fn;
  const first = rets[0]!.term as Extract<Terminator, { op: "ret" }>;
  const valued = first.value !== undefined;
  // a function returns one width, with or without a value; anything else is left alone
  if (rets.some((b) => b.term.op !== "ret" || b.term.w !== first.w || (b.term.value !== undefined) !== valued)) return fn;
  const rv = fn.vregCount++;
  const exit: Block = {
    id: fn.blocks.length,
    insns: [],
    term: { op: "ret", value: valued ? reg(rv) : undefined, w: first.w, loc: rets[rets.length - 1]!.term.loc },
  };
  fn.blocks.push(exit);
  for (const b of rets) {
    const t = b.term as Extract<Terminator, { op: "ret" }>;
    if (t.value) b.insns.push({ op: "mov", dst: rv, src: t.value, w: t.w, loc: t.loc });
    b.term = { op: "jmp", target: exit.id, loc: t.loc };
  }
  return fn;
}
