/**
 * Calls to any BPF helper of the kernel's UAPI, driven by the generated table
 * (compiler/kernel/helpers.generated.ts): each argument's role says how it is
 * passed — integers converted to the parameter's C type, maps as ld_imm64, memory
 * and kernel objects by address (integers the helper only reads are copied to a
 * fresh stack slot, like `&x` in C), string literals from .rodata, callbacks as
 * BPF_PSEUDO_FUNC loads.
 */
import { Node } from "../frontend/ts-morph.js";
import type { CallExpression, Expression } from "ts-morph";
import { Codes } from "../diagnostics.js";
import { imm, reg, type Operand } from "../ir/ir.js";
import type { CType, HelperInfo, HelperParam, HelperProto } from "../kernel/ctype.js";
import { HELPERS } from "../kernel/helpers.generated.js";
import { I64, INTS, OPAQUE, typeToString, type IntName, type Type } from "../types/model.js";
import type { FunctionLowerer } from "./function.js";
import type { Val } from "./values.js";

type Lowerer = FunctionLowerer;

export function isHelper(name: string): boolean {
  return Object.hasOwn(HELPERS, name);
}

/** The tsbpf type of a C integer type. */
function intType(c: CType): Type {
  if (c.kind !== "int") return I64;
  return INTS[`${c.signed ? "i" : "u"}${c.size * 8}` as IntName];
}

export function lowerHelperCall(fl: Lowerer, name: string, args: Expression[], e: CallExpression): Val {
  const info = (HELPERS as Record<string, HelperInfo>)[name]!;
  const protos: HelperProto[] = [info, ...(info.overloads ?? [])];
  const proto = protos.find((p) => p.params.length === args.length);
  if (!proto) {
    const counts = [...new Set(protos.map((p) => p.params.length))].join(" or ");
    return fl.fail(Codes.BadArgument, `${name} takes ${counts} arguments (${info.proto}).`, e);
  }
  const ops = proto.params.map((p, i) => argument(fl, p, args[i]!, name));
  fl.at(e);
  const dst = fl.b.vreg();
  fl.b.emit({ op: "call", target: { kind: "helper", id: info.id, name }, args: ops, dst });
  return result(fl, proto.ret, dst, e);
}

function argument(fl: Lowerer, p: HelperParam, a: Expression, helper: string): Operand {
  const bad = (what: string): never => fl.fail(Codes.BadArgument, `${helper}: '${p.name}' must be ${what}.`, a);
  switch (p.role) {
    case "scalar":
    case "size": {
      const v = fl.rvalue(a);
      const t = fl.typeOfVal(v);
      if (t.kind !== "int" && t.kind !== "bool") bad("an integer");
      return fl.operand(fl.convert(v, intType(p.type), a, true), a);
    }
    case "map": {
      const v = fl.rvalue(a);
      if (v.k !== "map") bad("a map declared at module level");
      return fl.operand(v, a);
    }
    case "string": {
      if (Node.isStringLiteral(a) || Node.isNoSubstitutionTemplateLiteral(a)) {
        const r = fl.b.vreg();
        fl.b.emit({ op: "ldglobal", dst: r, symbol: fl.mod.internString(a.getLiteralValue()) });
        return reg(r);
      }
      return pointer(fl, fl.rvalue(a), a, p, bad);
    }
    case "callback": {
      const v = fl.rvalue(a);
      if (v.k !== "func") return fl.fail(Codes.BadCallback, `${helper}: the callback must be a module-level function.`, a);
      return fl.operand(v, a);
    }
    case "address": {
      const v = fl.rvalue(a);
      const t = fl.typeOfVal(v);
      if (t.kind === "int") return fl.operand(fl.convert(v, INTS.u64, a, true), a);
      return pointer(fl, v, a, p, bad);
    }
    default:
      return pointer(fl, fl.rvalue(a), a, p, bad);
  }
}

/** A pointer argument: memory, a context, a kernel object, an integer out-parameter, or NULL. */
function pointer(fl: Lowerer, v: Val, a: Expression, p: HelperParam, bad: (what: string) => never): Operand {
  if (v.k === "null") return p.nullable || p.role === "callbackCtx" ? imm(0) : bad("a pointer, not null");
  if (v.k === "ref") return reg(fl.address(v));
  const t = fl.typeOfVal(v);
  if (v.k === "reg" && (t.kind === "ptr" || t.kind === "ctx" || t.kind === "opaque" || t.kind === "pkt")) return reg(v.reg);
  if ((t.kind === "int" || t.kind === "bool") && p.role === "mem" && p.readonly) {
    return reg(fl.spill(v, t, a)); // `&x` of a value the helper only reads
  }
  return bad(p.role === "mem" ? "a struct, FixedArray or Ptr (memory the program owns)" : `a pointer, not ${typeToString(t)}`);
}

function result(fl: Lowerer, ret: CType, dst: number, e: CallExpression): Val {
  if (ret.kind === "void") return { k: "void" };
  if (ret.kind === "int") return { k: "reg", reg: dst, t: intType(ret), owned: true };
  // A pointer: typed by the call's type argument (`bpf_ringbuf_reserve<Event>(…)`), else untyped.
  const ta = e.getTypeArguments()[0];
  if (ta) {
    const t = fl.mod.types.resolve(ta);
    if (t.kind === "kstruct") return { k: "ref", base: { kind: "reg", reg: dst }, off: 0, t, core: { root: t.btfId, access: [0] } };
    if (t.kind === "struct" || t.kind === "array") return { k: "ref", base: { kind: "reg", reg: dst }, off: 0, t };
    if (t.kind === "int" || t.kind === "bool") return { k: "reg", reg: dst, t: { kind: "ptr", target: t }, owned: true };
    // `<Ptr<u64>>`, as the helper documentation spells a pointer to an integer.
    if (t.kind === "ptr" && (t.target.kind === "int" || t.target.kind === "bool")) return { k: "reg", reg: dst, t, owned: true };
  }
  return { k: "reg", reg: dst, t: OPAQUE, owned: true };
}
