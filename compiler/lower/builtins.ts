/**
 * Calls to the `tsbpf` builtins: conversions, zeroed<T>(), map helpers and the
 * work-queue kfuncs, in both their free-function (C) and method forms — the
 * method forms are sugar that lowers through the same functions.
 */
import { Node } from "../frontend/ts-morph.js";
import type { CallExpression, Expression } from "ts-morph";
import { Codes } from "../diagnostics.js";
import { imm, reg, type Operand, type CallTarget, type VReg } from "../ir/ir.js";
import { INTS, OPAQUE, U16, U32, U64, I64, alignOf, sizeOf, typeToString, type IntName, type MapType, type Type } from "../types/model.js";
import { CONTEXTS, hasPacket } from "./contexts.js";
import { lowerCallbackHelper, timer } from "./callbacks.js";
import { isHelper, lowerHelperCall } from "./helpers.js";
import { isLocalStorage } from "./types.js";
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
  if (name in BYTE_ORDER) {
    if (args.length !== 1) fl.fail(Codes.BadArgument, `${name}() takes one argument.`, e);
    const bits = BYTE_ORDER[name]!;
    const t = bits === 16 ? U16 : bits === 32 ? U32 : U64;
    const v = fl.convert(fl.rvalue(args[0]!), t, args[0]!, true);
    if (v.k === "imm") return { k: "imm", value: swapBytes(v.value, bits), t };
    const dst = fl.b.vreg();
    fl.b.emit({ op: "bswap", dst, src: fl.inReg(v, args[0]!), bits });
    return { k: "reg", reg: dst, t, owned: true };
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
  const special = lowerCallbackHelper(fl, name, args, e);
  if (special) return special;
  if (isHelper(name)) return lowerHelperCall(fl, name, args, e);
  return fl.fail(Codes.InvalidOperation, `'${name}' cannot be called inside a BPF function.`, e);
}

export function lowerMethodCall(fl: Lowerer, recv: Val, method: string, e: CallExpression): Val {
  const args = e.getArguments() as Expression[];
  const recvNode = (e.getExpression() as import("ts-morph").PropertyAccessExpression).getExpression();
  // A module-level map, or an inner map a map of maps' lookup returned (a register).
  if (recv.k === "map" || (recv.k === "reg" && recv.t.kind === "map")) {
    const mt = recv.t as MapType;
    const kind = mt.mapKind;
    const special = kind && MAP_METHODS[kind]?.[method];
    if (special) return special(fl, recv as MapVal, args, e);
    const keyed = mt.key !== undefined && !isLocalStorage(kind);
    const helper = keyed ? { lookup: "bpf_map_lookup_elem", update: "bpf_map_update_elem", delete: "bpf_map_delete_elem" }[method] : undefined;
    if (helper) return mapHelper(fl, recv, helper, args, e, recvNode);
  }
  if (recv.k === "ref" && recv.t.kind === "struct" && recv.t.name === "bpf_wq") {
    const kfunc = { init: "bpf_wq_init", setCallback: "bpf_wq_set_callback", start: "bpf_wq_start" }[method];
    if (kfunc) return wqKfunc(fl, recv, kfunc, args, e, recvNode);
  }
  if (recv.k === "ref" && recv.t.kind === "struct" && recv.t.name === "bpf_timer") {
    const helper = { init: "bpf_timer_init", setCallback: "bpf_timer_set_callback", start: "bpf_timer_start", cancel: "bpf_timer_cancel" }[method];
    if (helper) return timer(fl, recv, helper, args, e, recvNode);
  }
  if (recv.k === "reg" && recv.t.kind === "ctx" && method === "header" && hasPacket(recv.t.name)) {
    return packetHeader(fl, recv as Val & { k: "reg" }, args, e);
  }
  if (recv.k === "reg" && recv.t.kind === "opaque") {
    return fl.fail(Codes.InvalidOperation, "This value is an untyped pointer: refer to the map by its module-level name.", recvNode);
  }
  return fl.fail(Codes.UnknownName, `'${method}' is not a method tsbpf knows on ${describe(recv)}.`, e.getExpression());
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
  if ((map.k !== "map" && !(map.k === "reg" && map.t.kind === "map")) || !(map.t as MapType).key || !(map.t as MapType).value) {
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
  // A map of maps' value is the inner map itself (or NULL): the verifier's CONST_PTR_TO_MAP after the null check.
  if (ret.kind === "map") return { k: "reg", reg: dst, t: ret, owned: true };
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

/** Byte-order conversions (bpf_endian.h): on the little-endian machines BPF runs on, a byte swap. */
const BYTE_ORDER: Record<string, 16 | 32 | 64> = {
  bpf_ntohs: 16, bpf_htons: 16, bpf_ntohl: 32, bpf_htonl: 32, bpf_be64_to_cpu: 64, bpf_cpu_to_be64: 64,
};

function swapBytes(v: bigint, bits: 16 | 32 | 64): bigint {
  let out = 0n;
  for (let i = 0; i < bits / 8; i++) out = (out << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/**
 * `ctx.header<T>(offset)`: a view of the packet bytes at `offset` as `T`, or null
 * when the packet is too short — the bounds check the verifier requires, written
 * so that TypeScript's null narrowing is that check.
 */
function packetHeader(fl: Lowerer, ctx: Val & { k: "reg" }, args: Expression[], e: CallExpression): Val {
  const ta = e.getTypeArguments()[0];
  if (!ta) return fl.fail(Codes.BadArgument, "header<T>(offset) needs the header's type.", e);
  const t = fl.mod.types.resolve(ta);
  if (t.kind !== "struct" && t.kind !== "array" && t.kind !== "int") {
    return fl.fail(Codes.UnsupportedType, "header<T>() views packet bytes as a struct, an array or an integer.", ta);
  }
  arity(fl, args, 1, 1, e, "header");
  const layout = CONTEXTS[(ctx.t as { name: string }).name]!;
  const field = (n: string) => layout.fields.find((f) => f.name === n)!;
  const base = { kind: "reg" as const, reg: ctx.reg };
  const data = fl.b.vreg(), end = fl.b.vreg();
  fl.at(e);
  fl.b.emit({ op: "load", dst: data, base, off: field("data").offset, size: sizeOf(field("data").type) as 4, signed: false });
  fl.b.emit({ op: "load", dst: end, base, off: field("data_end").offset, size: sizeOf(field("data_end").type) as 4, signed: false });
  const off = fl.convert(fl.rvalue(args[0]!), U64, args[0]!, true);
  const p = fl.b.vreg(), q = fl.b.vreg(), r = fl.b.vreg();
  fl.b.emit({ op: "mov", dst: p, src: reg(data), w: 64 });
  if (!(off.k === "imm" && off.value === 0n)) fl.b.emit({ op: "alu", alu: "add", dst: p, a: p, b: fl.operand(off, args[0]!), w: 64 });
  fl.b.emit({ op: "mov", dst: q, src: reg(p), w: 64 });
  fl.b.emit({ op: "alu", alu: "add", dst: q, a: q, b: imm(sizeOf(t)), w: 64 });
  const ok = fl.b.newBlock(), nul = fl.b.newBlock(), join = fl.b.newBlock();
  fl.b.terminate({ op: "br", cmp: "gt", a: q, b: reg(end), w: 64, then: nul.id, else: ok.id });
  fl.b.setBlock(ok);
  fl.b.emit({ op: "mov", dst: r, src: reg(p), w: 64, nonnull: true });
  fl.b.jump(join);
  fl.b.setBlock(nul);
  fl.b.emit({ op: "mov", dst: r, src: imm(0), w: 64 });
  fl.b.jump(join);
  fl.b.setBlock(join);
  if (t.kind === "int") return { k: "reg", reg: r, t: { kind: "ptr", target: t }, owned: true };
  return { k: "ref", base: { kind: "reg", reg: r }, off: 0, t };
}

type MapVal = Val & { k: "map" | "reg"; t: MapType };
type MapMethod = (fl: Lowerer, map: MapVal, args: Expression[], e: CallExpression) => Val;

/** Emits a helper call; returns its i64 result. */
function helperCall(fl: Lowerer, id: number, name: string, args: Operand[], e: CallExpression): VReg {
  fl.at(e);
  const dst = fl.b.vreg();
  fl.b.emit({ op: "call", target: { kind: "helper", id, name }, args, dst });
  return dst;
}

const i64 = (r: VReg): Val => ({ k: "reg", reg: r, t: I64, owned: true });

/** A value's address and size, for helpers that take `void *data, u64 size`. */
function dataArg(fl: Lowerer, a: Expression, t?: Type): { ptr: VReg; size: number } {
  const v = fl.rvalue(a);
  const vt = t ?? fl.typeOfVal(v);
  if (v.k === "ref") return { ptr: fl.address(v), size: sizeOf(v.t) };
  if (vt.kind === "int" || vt.kind === "bool") return { ptr: fl.spill(v, vt, a), size: sizeOf(vt) };
  return fl.fail(Codes.BadArgument, "This argument must be a struct, an array or an integer.", a);
}

const flagsArg = (fl: Lowerer, a: Expression | undefined, dflt = 0n): Operand =>
  a ? fl.operand(fl.convert(fl.rvalue(a), U64, a), a) : imm(dflt);

/** A helper's result that is a pointer or NULL, as a nullable reference of type `t`. */
function nullable(r: VReg, t: Type): Val {
  if (t.kind === "struct" || t.kind === "array") return { k: "ref", base: { kind: "reg", reg: r }, off: 0, t };
  return { k: "reg", reg: r, t: { kind: "ptr", target: t }, owned: true };
}

/** pop()/peek() on a queue or stack: the value lands in a fresh stack slot; null when the map is empty. */
function popInto(fl: Lowerer, map: MapVal, id: number, name: string, e: CallExpression): Val {
  const t = map.t.value!;
  const slot = fl.b.slot(sizeOf(t), Math.max(alignOf(t), 8));
  const addr = fl.b.vreg();
  fl.b.emit({ op: "slotaddr", dst: addr, slot, off: 0 });
  const ret = helperCall(fl, id, name, [fl.operand(map, e), reg(addr)], e);
  const r = fl.b.vreg();
  const ok = fl.b.newBlock(), nul = fl.b.newBlock(), join = fl.b.newBlock();
  fl.b.terminate({ op: "br", cmp: "eq", a: ret, b: imm(0), w: 64, then: ok.id, else: nul.id });
  fl.b.setBlock(ok);
  fl.b.emit({ op: "slotaddr", dst: r, slot, off: 0 });
  fl.b.jump(join);
  fl.b.setBlock(nul);
  fl.b.emit({ op: "mov", dst: r, src: imm(0), w: 64 });
  fl.b.jump(join);
  fl.b.setBlock(join);
  return nullable(r, t);
}

const push: MapMethod = (fl, map, args, e) => {
  arity(fl, args, 1, 2, e, "push");
  const v = fl.spill(fl.rvalue(args[0]!), map.t.value!, args[0]!);
  return i64(helperCall(fl, 87, "bpf_map_push_elem", [fl.operand(map, e), reg(v), flagsArg(fl, args[1])], e));
};

/**
 * Local storage: `get(owner, flags?)` is `bpf_<kind>_storage_get(&map, owner, NULL, flags)`, the
 * owner's value or null; `delete(owner)` is `bpf_<kind>_storage_delete(&map, owner)`.
 */
function localStorage(get: [number, string], del: [number, string]): Record<string, MapMethod> {
  return {
    get: (fl, map, args, e) => {
      arity(fl, args, 1, 2, e, "get");
      const owner = fl.operand(fl.rvalue(args[0]!), args[0]!);
      const r = helperCall(fl, get[0], get[1], [fl.operand(map, e), owner, imm(0), flagsArg(fl, args[1])], e);
      return nullable(r, map.t.value!);
    },
    delete: (fl, map, args, e) => {
      arity(fl, args, 1, 1, e, "delete");
      const owner = fl.operand(fl.rvalue(args[0]!), args[0]!);
      return i64(helperCall(fl, del[0], del[1], [fl.operand(map, e), owner], e));
    },
  };
}

/** Methods of the maps that are not plain key → value stores (helper ids from include/uapi/linux/bpf.h). */
const MAP_METHODS: Partial<Record<string, Record<string, MapMethod>>> = {
  sk_storage: localStorage([107, "bpf_sk_storage_get"], [108, "bpf_sk_storage_delete"]),
  inode_storage: localStorage([145, "bpf_inode_storage_get"], [146, "bpf_inode_storage_delete"]),
  task_storage: localStorage([156, "bpf_task_storage_get"], [157, "bpf_task_storage_delete"]),
  cgrp_storage: localStorage([210, "bpf_cgrp_storage_get"], [211, "bpf_cgrp_storage_delete"]),
  queue: { push, pop: (fl, m, a, e) => (arity(fl, a, 0, 0, e, "pop"), popInto(fl, m, 88, "bpf_map_pop_elem", e)), peek: (fl, m, a, e) => (arity(fl, a, 0, 0, e, "peek"), popInto(fl, m, 89, "bpf_map_peek_elem", e)) },
  stack: { push, pop: (fl, m, a, e) => (arity(fl, a, 0, 0, e, "pop"), popInto(fl, m, 88, "bpf_map_pop_elem", e)), peek: (fl, m, a, e) => (arity(fl, a, 0, 0, e, "peek"), popInto(fl, m, 89, "bpf_map_peek_elem", e)) },
  bloom_filter: {
    push,
    /** 0 when the value may be in the set, -ENOENT when it certainly is not. */
    peek: (fl, map, args, e) => {
      arity(fl, args, 1, 1, e, "peek");
      const v = fl.spill(fl.rvalue(args[0]!), map.t.value!, args[0]!);
      return i64(helperCall(fl, 89, "bpf_map_peek_elem", [fl.operand(map, e), reg(v)], e));
    },
  },
  ringbuf: {
    reserve: (fl, map, args, e) => {
      arity(fl, args, 0, 0, e, "reserve");
      const ta = e.getTypeArguments()[0];
      if (!ta) return fl.fail(Codes.BadArgument, "reserve<T>() needs the record's type.", e);
      const t = fl.mod.types.resolve(ta);
      const r = helperCall(fl, 131, "bpf_ringbuf_reserve", [fl.operand(map, e), imm(sizeOf(t)), imm(0)], e);
      return nullable(r, t);
    },
    submit: (fl, _map, args, e) => {
      arity(fl, args, 1, 2, e, "submit");
      const p = fl.operand(fl.rvalue(args[0]!), args[0]!);
      return i64(helperCall(fl, 132, "bpf_ringbuf_submit", [p, flagsArg(fl, args[1])], e));
    },
    discard: (fl, _map, args, e) => {
      arity(fl, args, 1, 2, e, "discard");
      const p = fl.operand(fl.rvalue(args[0]!), args[0]!);
      return i64(helperCall(fl, 133, "bpf_ringbuf_discard", [p, flagsArg(fl, args[1])], e));
    },
    output: (fl, map, args, e) => {
      arity(fl, args, 1, 2, e, "output");
      const d = dataArg(fl, args[0]!);
      return i64(helperCall(fl, 130, "bpf_ringbuf_output", [fl.operand(map, e), reg(d.ptr), imm(d.size), flagsArg(fl, args[1])], e));
    },
  },
  perf_event_array: {
    /** bpf_perf_event_output(ctx, &map, flags, &data, sizeof(data)); flags default BPF_F_CURRENT_CPU. */
    output: (fl, map, args, e) => {
      arity(fl, args, 2, 3, e, "output");
      const ctx = fl.operand(fl.rvalue(args[0]!), args[0]!);
      const d = dataArg(fl, args[1]!);
      return i64(helperCall(fl, 25, "bpf_perf_event_output", [ctx, fl.operand(map, e), flagsArg(fl, args[2], 0xffffffffn), reg(d.ptr), imm(d.size)], e));
    },
  },
  prog_array: {
    /** bpf_tail_call(ctx, &map, index): does not return when it succeeds. */
    tailCall: (fl, map, args, e) => {
      arity(fl, args, 2, 2, e, "tailCall");
      const ctx = fl.operand(fl.rvalue(args[0]!), args[0]!);
      const idx = fl.operand(fl.convert(fl.rvalue(args[1]!), U32, args[1]!), args[1]!);
      return i64(helperCall(fl, 12, "bpf_tail_call", [ctx, fl.operand(map, e), idx], e));
    },
  },
};
