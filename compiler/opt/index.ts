/** The optimiser: a pipeline of passes, each IrFunction → IrFunction. */
import type { IrFunction } from "../ir/ir.js";
import { cfg } from "./cfg.js";
import { constprop } from "./constprop.js";
import { dce } from "./dce.js";
import { localprop } from "./localprop.js";
import { sroa } from "./sroa.js";
import { sinkconst } from "./sinkconst.js";
import { speculate } from "./speculate.js";
import { stackprop } from "./stackprop.js";
import { rangefold } from "./rangefold.js";
import { deadstore } from "./deadstore.js";
import { sccp } from "./sccp.js";
import { bswapcmp } from "./bswapcmp.js";
import { thread } from "./thread.js";
import { mergeret } from "./mergeret.js";
import { zextelim } from "./zextelim.js";
import { identity } from "./identity.js";
import { minsplit } from "./minsplit.js";
import { unlink } from "./unlink.js";
import { licm } from "./licm.js";
import { addrfold } from "./addrfold.js";
import { sinkargs } from "./sinkargs.js";
import { sextelim } from "./sextelim.js";
import { addsplit } from "./addsplit.js";
import { narrowstore } from "./narrowstore.js";
import { tailmerge } from "./tailmerge.js";
import { storemerge } from "./storemerge.js";
import { slotshare } from "./slotshare.js";
import { coalesce } from "./coalesce.js";

export const PASSES: [string, (fn: IrFunction) => IrFunction][] = [
  ["cfg", cfg],
  ["sroa", sroa],
  ["stackprop", stackprop],
  ["licm", licm],
  ["zextelim", zextelim],
  ["identity", identity],
  ["constprop", constprop],
  ["rangefold", rangefold],
  ["sextelim", sextelim],
  ["sccp", sccp],
  ["localprop", localprop],
  ["cfg", cfg],
  ["constprop", constprop],
  ["dce", dce],
  ["minsplit", minsplit],
  ["rangefold", rangefold],
  ["deadstore", deadstore],
  ["dce", dce],
  ["sinkconst", sinkconst],
  ["bswapcmp", bswapcmp],
  ["thread", thread],
  ["cfg", cfg],
  ["zextelim", zextelim],
  ["identity", identity],
  ["constprop", constprop], // threading and dce leave copies with a single definition
  ["localprop", localprop],
  ["dce", dce],
  ["mergeret", mergeret],
  ["speculate", speculate],
  ["localprop", localprop], // speculation sets a return value on each path: a path may set it twice
  ["narrowstore", narrowstore],
  ["storemerge", storemerge],
  ["slotshare", slotshare],
  ["addsplit", addsplit],
  ["addrfold", addrfold],
  ["sinkargs", sinkargs],
  ["cfg", cfg],
  ["dce", dce],
  ["constprop", constprop], // dce removed the null arms' definitions: header pointers are single copies now
  ["dce", dce],
  ["coalesce", coalesce],
  ["tailmerge", tailmerge],
  ["cfg", cfg], // dce may have emptied blocks, leaving branches whose arms now agree
  ["unlink", unlink],
];

export function optimize(fn: IrFunction): IrFunction {
  return PASSES.reduce((f, [, pass]) => pass(f), fn);
}
