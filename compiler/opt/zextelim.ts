/**
 * Zero-extensions that extend nothing. BPF's 32-bit ALU and narrow loads
 * already clear a register's upper half, so `zext %x from 32` of a value every
 * definition of which is such an instruction is a plain copy (which copy
 * propagation and the register allocator then remove), as LLVM drops a `zext`
 * of a value whose upper bits are known zero.
 */
import { upperHalfClear, type Insn, type IrFunction } from "../ir/ir.js";

export function zextelim(fn: IrFunction): IrFunction {
  const clear = upperHalfClear(fn);
  for (const b of fn.blocks) {
    b.insns = b.insns.map((i): Insn =>
      i.op === "zext" && i.from === 32 && clear.has(i.src) ? { op: "mov", dst: i.dst, src: { kind: "reg", reg: i.src }, w: 64, loc: i.loc } : i);
  }
  return fn;
}
