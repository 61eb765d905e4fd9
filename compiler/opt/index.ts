/** The optimiser: a pipeline of passes, each IrFunction → IrFunction. */
import type { IrFunction } from "../ir/ir.js";

const PASSES: ((fn: IrFunction) => IrFunction)[] = [];

export function optimize(fn: IrFunction): IrFunction {
  return PASSES.reduce((f, pass) => pass(f), fn);
}
