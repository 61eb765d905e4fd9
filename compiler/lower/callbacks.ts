/**
 * Helpers that take a callback or a format string: bpf_loop, bpf_for_each_map_elem,
 * the bpf_timer helpers, and libbpf's bpf_printk macro. A callback must be a
 * module-level function; it becomes a subprogram in .text, passed by an ld_imm64
 * that libbpf turns into a BPF_PSEUDO_FUNC load.
 */
import { Node } from "../frontend/ts-morph.js";
import type { CallExpression, Expression } from "ts-morph";
import { Codes } from "../diagnostics.js";
import { imm, reg, type Operand, type VReg } from "../ir/ir.js";
import { I64, U32, U64, typeToString, type Type } from "../types/model.js";
import type { FunctionLowerer } from "./function.js";
import type { Val } from "./values.js";

type Lowerer = FunctionLowerer;

/** Helper ids (include/uapi/linux/bpf.h). */
const ID = {
  bpf_trace_printk: 6,
  bpf_for_each_map_elem: 164,
  bpf_timer_init: 169,
  bpf_timer_set_callback: 170,
  bpf_timer_start: 171,
  bpf_timer_cancel: 172,
  bpf_trace_vprintk: 177,
  bpf_loop: 181,
} as const;

/** Helpers without arguments: [id, return type]. */
export const SIMPLE_HELPERS: Record<string, [number, Type]> = {
  bpf_ktime_get_ns: [5, U64],
  bpf_get_prandom_u32: [7, U32],
  bpf_get_smp_processor_id: [8, U32],
  bpf_get_current_pid_tgid: [14, U64],
  bpf_get_current_uid_gid: [15, U64],
  bpf_get_numa_node_id: [42, I64],
  bpf_jiffies64: [118, U64],
  bpf_ktime_get_boot_ns: [125, U64],
  bpf_ktime_get_coarse_ns: [160, U64],
  bpf_ktime_get_tai_ns: [208, U64],
};

function call(fl: Lowerer, id: number, name: string, args: Operand[], e: CallExpression): VReg {
  fl.at(e);
  const dst = fl.b.vreg();
  fl.b.emit({ op: "call", target: { kind: "helper", id, name }, args, dst });
  return dst;
}

const result = (r: VReg, t: Type = I64): Val => ({ k: "reg", reg: r, t, owned: true });

function callback(fl: Lowerer, a: Expression): Operand {
  const cb = fl.rvalue(a);
  if (cb.k !== "func") return fl.fail(Codes.BadCallback, "The callback must be the name of a module-level function.", a);
  return fl.operand(cb, a);
}

/** A callback context: a struct or array on the stack (by reference), or null. */
function contextArg(fl: Lowerer, a: Expression | undefined): Operand {
  if (!a) return imm(0);
  const v = fl.rvalue(a);
  if (v.k === "null") return imm(0);
  if (v.k !== "ref") return fl.fail(Codes.BadArgument, "The callback context must be a struct (e.g. zeroed<T>()) or null.", a);
  return reg(fl.address(v));
}

const u64 = (fl: Lowerer, a: Expression | undefined): Operand => (a ? fl.operand(fl.convert(fl.rvalue(a), U64, a), a) : imm(0));

function count(fl: Lowerer, args: Expression[], min: number, max: number, e: CallExpression, name: string): void {
  if (args.length < min || args.length > max) fl.fail(Codes.BadArgument, `${name} takes ${min === max ? min : `${min} to ${max}`} arguments.`, e);
}

export function lowerCallbackHelper(fl: Lowerer, name: string, args: Expression[], e: CallExpression): Val | undefined {
  if (name in SIMPLE_HELPERS) {
    count(fl, args, 0, 0, e, name);
    const [id, t] = SIMPLE_HELPERS[name]!;
    return result(call(fl, id, name, [], e), t);
  }
  switch (name) {
    case "bpf_printk":
      return printk(fl, args, e);
    case "bpf_loop": {
      count(fl, args, 2, 4, e, name);
      const n = fl.operand(fl.convert(fl.rvalue(args[0]!), U32, args[0]!), args[0]!);
      return result(call(fl, ID.bpf_loop, name, [n, callback(fl, args[1]!), contextArg(fl, args[2]), u64(fl, args[3])], e));
    }
    case "bpf_for_each_map_elem": {
      count(fl, args, 2, 4, e, name);
      const map = fl.rvalue(args[0]!);
      if (map.k !== "map") return fl.fail(Codes.BadArgument, "The first argument must be a map declared at module level.", args[0]!);
      return result(call(fl, ID.bpf_for_each_map_elem, name, [fl.operand(map, args[0]!), callback(fl, args[1]!), contextArg(fl, args[2]), u64(fl, args[3])], e));
    }
    case "bpf_timer_init":
    case "bpf_timer_set_callback":
    case "bpf_timer_start":
    case "bpf_timer_cancel":
      return timer(fl, fl.rvalue(args[0]!), name, args.slice(1), e, args[0]!);
  }
  return undefined;
}

/** The bpf_timer helpers, in free-function and method (`timer.start(ns)`) forms. */
export function timer(fl: Lowerer, t: Val, name: string, args: Expression[], e: CallExpression, tNode: Node): Val {
  if (t.k !== "ref" || t.t.kind !== "struct" || t.t.name !== "bpf_timer") {
    return fl.fail(Codes.BadArgument, `${name} needs a BpfTimer field of a map value.`, tNode);
  }
  const self = reg(fl.address(t));
  switch (name) {
    case "bpf_timer_init": {
      count(fl, args, 1, 2, e, name);
      const map = fl.rvalue(args[0]!);
      if (map.k !== "map") return fl.fail(Codes.BadArgument, "bpf_timer_init needs the map that holds the timer.", args[0]!);
      return result(call(fl, ID.bpf_timer_init, name, [self, fl.operand(map, args[0]!), u64(fl, args[1])], e));
    }
    case "bpf_timer_set_callback":
      count(fl, args, 1, 1, e, name);
      return result(call(fl, ID.bpf_timer_set_callback, name, [self, callback(fl, args[0]!)], e));
    case "bpf_timer_start":
      count(fl, args, 1, 2, e, name);
      return result(call(fl, ID.bpf_timer_start, name, [self, u64(fl, args[0]), u64(fl, args[1])], e));
    default:
      count(fl, args, 0, 0, e, name);
      return result(call(fl, ID.bpf_timer_cancel, name, [self], e));
  }
}

/**
 * libbpf's bpf_printk: the format string goes to .rodata (the verifier wants a
 * constant, read-only string); up to three arguments use bpf_trace_printk, more use
 * bpf_trace_vprintk with the arguments in a u64 array on the stack.
 */
function printk(fl: Lowerer, args: Expression[], e: CallExpression): Val {
  const fmt = args[0];
  if (!fmt || !(Node.isStringLiteral(fmt) || Node.isNoSubstitutionTemplateLiteral(fmt))) {
    return fl.fail(Codes.BadArgument, "bpf_printk needs a string literal format.", fmt ?? e);
  }
  if (args.length > 13) fl.fail(Codes.BadArgument, "bpf_printk takes at most 12 arguments after the format.", e);
  const text = fmt.getLiteralValue();
  const size = new TextEncoder().encode(text).length + 1;
  const values = args.slice(1).map((a) => {
    const v = fl.rvalue(a);
    const t = fl.typeOfVal(v);
    if (t.kind !== "int" && t.kind !== "bool") return fl.fail(Codes.BadArgument, `bpf_printk prints integers, not ${typeToString(t)}.`, a);
    return fl.operand(fl.convert(v, t.kind === "int" && t.signed ? I64 : U64, a, true), a);
  });
  const fmtReg = fl.b.vreg();
  fl.b.emit({ op: "ldglobal", dst: fmtReg, symbol: fl.mod.internString(text) });
  if (values.length <= 3) return result(call(fl, ID.bpf_trace_printk, "bpf_trace_printk", [reg(fmtReg), imm(size), ...values], e));
  const slot = fl.b.slot(values.length * 8, 8);
  values.forEach((v, i) => fl.b.emit({ op: "store", base: { kind: "slot", slot }, off: i * 8, src: v, size: 8 }));
  const data = fl.b.vreg();
  fl.b.emit({ op: "slotaddr", dst: data, slot, off: 0 });
  return result(call(fl, ID.bpf_trace_vprintk, "bpf_trace_vprintk", [reg(fmtReg), imm(size), reg(data), imm(values.length * 8)], e));
}
