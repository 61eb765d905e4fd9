/**
 * Calls to the `tsbpf` builtins: conversions, zeroed<T>(), map helpers and the
 * work-queue kfuncs, in both their free-function (C) and method forms — the
 * method forms are sugar that lowers through the same functions.
 */
import { Node, type CallExpression, type Expression } from "ts-morph";
import { Codes } from "../diagnostics.js";
import { imm, reg, type Operand, type CallTarget } from "../ir/ir.js";
import { INTS, OPAQUE, U32, U64, I64, typeToString, type IntName, type MapType, type Type } from "../types/model.js";
import type { FunctionLowerer } from "./function.js";
import { HELPERS, KFUNCS } from "./kernel.js";
import type { Val } from "./values.js";

type Lowerer = FunctionLowerer;

export function lowerBuiltinCall(fl: Lowerer, name: string, e: CallExpression): Val {
  const args = e.getArguments() as Expression[];
  if (name in INTS) {
    if (args.length !== 1) fl.fail(Codes.BadArgument, `${name}() takes one argument.`, e);
    return fl.convert(fl.rvalue(args[0]!), INTS[name as IntName], args[0]!, true);
  }
  switch (name) {
    case "zeroed": {
      const ta = e.getTypeArguments()[0];
      if (!ta) return fl.fail(Codes.BadArgument, "zeroed<T>() needs its type argument.", e);
      const t = fl.mod.types.resolve(ta);
      if (t.kind !== "struct" && t.kind !== "array") return fl.fail(Codes.UnsupportedType, "zeroed<T>() makes structs and arrays.", ta);
      return fl.zeroed(t);
    }
    case "bpf_map_lookup_elem":
    case "bpf_map_update_elem":
    case "bpf_map_delete_elem": {
      const map = fl.rvalue(args[0]!);
      return mapHelper(fl, map, name, args.slice(1), e, args[0]!);
    }
    case "bpf_wq_init":
    case "bpf_wq_set_callback":
    case "bpf_wq_start":
      return wqKfunc(fl, fl.rvalue(args[0]!), name, args.slice(1), e, args[0]!);
  }
  return fl.fail(Codes.UnsupportedConstruct, `'${name}' cannot be called inside a BPF function.`, e);
}

export function lowerMethodCall(fl: Lowerer, recv: Val, method: string, e: CallExpression): Val {
  const args = e.getArguments() as Expression[];
  const recvNode = (e.getExpression() as import("ts-morph").PropertyAccessExpression).getExpression();
  if (recv.k === "map") {
    const helper = { lookup: "bpf_map_lookup_elem", update: "bpf_map_update_elem", delete: "bpf_map_delete_elem" }[method];
    if (helper) return mapHelper(fl, recv, helper, args, e, recvNode);
  }
  if (recv.k === "ref" && recv.t.kind === "struct" && recv.t.name === "bpf_wq") {
    const kfunc = { init: "bpf_wq_init", setCallback: "bpf_wq_set_callback", start: "bpf_wq_start" }[method];
    if (kfunc) return wqKfunc(fl, recv, kfunc, args, e, recvNode);
  }
  if (recv.k === "reg" && recv.t.kind === "opaque") {
    return fl.fail(Codes.UnsupportedConstruct, "This value is an untyped pointer: refer to the map by its module-level name.", recvNode);
  }
  return fl.fail(Codes.UnsupportedConstruct, `'${method}' is not a method tsbpf knows on ${describe(recv)}.`, e.getExpression());
}

function describe(v: Val): string {
  if (v.k === "ref" || v.k === "reg" || v.k === "map" || v.k === "imm") return typeToString(v.t);
  return v.k;
}

function arity(fl: Lowerer, args: Expression[], min: number, max: number, e: CallExpression, name: string): void {
  if (args.length < min || args.length > max) {
    fl.fail(Codes.BadArgument, `${name} takes ${min === max ? min : `${min} to ${max}`} arguments here.`, e);
  }
}

/** bpf_map_{lookup,update,delete}_elem: keys and values go by reference from fresh stack slots. */
function mapHelper(fl: Lowerer, map: Val, helper: string, args: Expression[], e: CallExpression, mapNode: Node): Val {
  if (map.k !== "map" || !map.t.key || !map.t.value) {
    return fl.fail(Codes.BadArgument, "The first argument must be a map declared at module level.", mapNode);
  }
  const mt = map.t as Required<MapType>;
  const key = args[0];
  if (!key) return fl.fail(Codes.BadArgument, `${helper} needs a key.`, e);
  const ops: Operand[] = [fl.operand(map, mapNode), reg(fl.spill(fl.rvalue(key), mt.key, key))];
  let ret: Type = I64;
  if (helper === "bpf_map_lookup_elem") {
    arity(fl, args, 1, 1, e, "lookup");
    ret = mt.value;
  } else if (helper === "bpf_map_update_elem") {
    arity(fl, args, 2, 3, e, "update");
    ops.push(reg(fl.spill(fl.rvalue(args[1]!), mt.value, args[1]!)));
    ops.push(args[2] ? fl.operand(fl.convert(fl.rvalue(args[2]), U64, args[2]), args[2]) : imm(0));
  } else arity(fl, args, 1, 1, e, "delete");
  fl.at(e);
  const dst = fl.b.vreg();
  fl.b.emit({ op: "call", target: { kind: "helper", id: HELPERS[helper as keyof typeof HELPERS], name: helper }, args: ops, dst });
  if (ret === I64) return { k: "reg", reg: dst, t: I64, owned: true };
  if (ret.kind === "struct" || ret.kind === "array") return { k: "ref", base: { kind: "reg", reg: dst }, off: 0, t: ret };
  return { k: "reg", reg: dst, t: { kind: "ptr", target: ret }, owned: true };
}

/** The work-queue kfuncs; bpf_wq_set_callback is the kernel's bpf_wq_set_callback_impl(wq, cb, flags, NULL). */
function wqKfunc(fl: Lowerer, wq: Val, name: string, args: Expression[], e: CallExpression, wqNode: Node): Val {
  if (wq.k !== "ref" || wq.t.kind !== "struct" || wq.t.name !== "bpf_wq") {
    return fl.fail(Codes.BadArgument, `${name} needs a BpfWq field of a map value.`, wqNode);
  }
  const ops: Operand[] = [fl.operand(wq, wqNode)];
  const flags = (a: Expression | undefined) => (a ? fl.operand(fl.convert(fl.rvalue(a), U32, a), a) : imm(0));
  let kfunc = name;
  if (name === "bpf_wq_init") {
    arity(fl, args, 1, 2, e, name);
    const map = fl.rvalue(args[0]!);
    if (map.k !== "map") fl.fail(Codes.BadArgument, "bpf_wq_init needs the map that holds the work-queue.", args[0]!);
    ops.push(fl.operand(map, args[0]!), flags(args[1]));
  } else if (name === "bpf_wq_set_callback") {
    arity(fl, args, 1, 2, e, name);
    const cb = fl.rvalue(args[0]!);
    if (cb.k !== "func") fl.fail(Codes.BadCallback, "The callback must be a module-level function.", args[0]!);
    ops.push(fl.operand(cb, args[0]!), flags(args[1]), imm(0));
    kfunc = "bpf_wq_set_callback_impl";
  } else {
    arity(fl, args, 0, 1, e, name);
    ops.push(flags(args[0]));
  }
  fl.mod.requireKfunc(kfunc, KFUNCS[kfunc]!);
  fl.at(e);
  const dst = fl.b.vreg();
  const target: CallTarget = { kind: "kfunc", name: kfunc };
  fl.b.emit({ op: "call", target, args: ops, dst });
  return { k: "reg", reg: dst, t: KFUNCS[kfunc]!.ret, owned: true };
}

export { OPAQUE };
