/**
 * Zero-extensions that extend nothing. BPF's 32-bit ALU and narrow loads
 * already clear a register's upper half, so `zext %x from 32` of a value every
 * definition of which is such an instruction is a plain copy (which copy
 * propagation and the register allocator then remove), as LLVM drops a `zext`
 * of a value whose upper bits are known zero.
 */
import { clearsUpperHalf, type Insn, type IrFunction, type VReg } from "../ir/ir.js";
import { defUse } from "./util.js";

export function zextelim(fn: IrFunction): IrFunction {
  const { defs } = defUse(fn);
  const clean = (v: VReg) => { const ds = defs.get(v); return !!ds && ds.length > 0 && ds.every(clearsUpperHalf); };
  for (const b of fn.blocks) {
    b.insns = b.insns.map((i): Insn =>
      i.op === "zext" && i.from === 32 && clean(i.src) ? { op: "mov", dst: i.dst, src: { kind: "reg", reg: i.src }, w: 64, loc: i.loc } : i);
  }
  return fn;
}
