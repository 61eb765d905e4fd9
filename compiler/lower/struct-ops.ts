/**
 * struct_ops maps: `export const NAME = structOps<TcpCongestionOps>({ init, ssthresh, …, name: "x" })`
 * is libbpf's `SEC(".struct_ops") struct tcp_congestion_ops NAME = { .init = (void *)init, … }`.
 * The kernel's BTF gives the struct's layout. Each function member becomes a
 * `struct_ops/<function>` program that takes the member's arguments from the u64
 * context array (BPF_PROG); a char-array member takes a string literal; other
 * scalar members take constants. libbpf matches members to the kernel's by name.
 */
import { Node } from "../frontend/ts-morph.js";
import type { CallExpression, FunctionDeclaration, VariableDeclaration } from "ts-morph";
import { BTF_KIND_ARRAY, BTF_KIND_FUNC_PROTO, BTF_KIND_PTR, BTF_KIND_STRUCT } from "../btf/kinds.js";
import type { BtfStruct, BtfType } from "../btf/types.js";
import { Codes, CompileError, diag } from "../diagnostics.js";
import type { ProgramDef, StructOpsDef } from "../ir/module.js";
import { OPAQUE, VOID, sizeOf, typeToString, type Type } from "../types/model.js";
import { resolveType } from "../vmlinux/index.js";
import { FunctionLowerer } from "./function.js";
import type { KernelBtf } from "./kernel-btf.js";
import type { ModuleContext } from "./module.js";
import { wrap } from "./literals.js";
import { spanOf } from "./span.js";
import { resolveAlias } from "./types.js";

function fail(code: string, message: string, node: Node): never {
  throw new CompileError(diag(code, message, spanOf(node)));
}

export interface LoweredStructOps { def: StructOpsDef; programs: ProgramDef[] }

/** Lowers one `structOps<T>({…})` declaration; `lowered` holds the programs of functions already used. */
export function lowerStructOps(mod: ModuleContext, d: VariableDeclaration, call: CallExpression, lowered: Map<FunctionDeclaration, ProgramDef>): LoweredStructOps {
  const targ = call.getTypeArguments()[0];
  const init = call.getArguments()[0];
  if (!targ || !init || !Node.isObjectLiteralExpression(init) || call.getArguments().length !== 1) {
    return fail(Codes.BadProgram, "Declare a struct_ops map as structOps<KernelStruct>({ member: value, … }).", call);
  }
  const st = mod.types.resolve(targ);
  if (st.kind !== "kstruct") return fail(Codes.BadProgram, "structOps<T> takes a kernel struct from `tsbpf vmlinux` (such as TcpCongestionOps).", targ);
  const kernel = mod.kernel();
  const kt = kernel.types[st.btfId] as BtfType;
  if (kt.kind !== BTF_KIND_STRUCT) return fail(Codes.BadProgram, `struct_ops needs a struct; ${st.name} is a union.`, targ);
  const struct = kt as BtfStruct;
  const data = new Uint8Array(struct.size);
  const funcs: StructOpsDef["funcs"] = [];
  const programs: ProgramDef[] = [];
  const members: { fn: FunctionDeclaration; member: string; proto: BtfType & { kind: typeof BTF_KIND_FUNC_PROTO } }[] = [];
  let named = false;
  for (const p of init.getProperties()) {
    if (!Node.isPropertyAssignment(p) && !Node.isShorthandPropertyAssignment(p)) {
      fail(Codes.BadProgram, "struct_ops members are `member: value` pairs.", p);
    }
    const name = p.getName();
    const value = Node.isPropertyAssignment(p) ? p.getInitializerOrThrow() : p.getNameNode();
    const member = struct.members.find((m) => m.name === name);
    if (!member) fail(Codes.UnknownName, `struct ${st.name} has no member '${name}' in this kernel's BTF.`, p.getNameNode());
    if (member!.bitfieldSize) fail(Codes.BadProgram, `'${name}' is a bitfield: libbpf cannot set it.`, p.getNameNode());
    const offset = member!.bitOffset / 8;
    const mt = kernel.types[resolveType(kernel.types, member!.type)]!;
    const pointee = mt.kind === BTF_KIND_PTR ? kernel.types[resolveType(kernel.types, mt.type)] : undefined;
    if (pointee?.kind === BTF_KIND_FUNC_PROTO) {
      const fn = functionOf(Node.isShorthandPropertyAssignment(p) ? p.getValueSymbol() : value.getSymbol());
      if (!fn) fail(Codes.BadProgram, `'${name}' is a function member: give it a module-level function.`, value);
      if (mod.isSubprogram(fn!)) fail(Codes.BadProgram, `'${fn!.getName()}' is called by another function: a struct_ops program cannot also be called.`, value);
      mod.structOpsFunctions.add(fn!);
      members.push({ fn: fn!, member: name, proto: pointee });
      funcs.push({ offset, program: fn!.getName()! });
      continue;
    }
    if (mt.kind === BTF_KIND_ARRAY) {
      const elem = kernel.types[resolveType(kernel.types, mt.type)]!;
      if (!Node.isStringLiteral(value) && !Node.isNoSubstitutionTemplateLiteral(value) || elem.kind === BTF_KIND_ARRAY || sizeOf(kernel.type(mt.type)) !== 1) {
        fail(Codes.BadProgram, `'${name}' is an array: only char arrays can be set, from a string literal.`, value);
      }
      const bytes = new TextEncoder().encode(value.getLiteralValue());
      if (bytes.length >= mt.nelems) fail(Codes.BadProgram, `'${name}' holds at most ${mt.nelems - 1} bytes and a NUL.`, value);
      data.set(bytes, offset);
      named ||= name === "name";
      continue;
    }
    const t = kernel.type(member!.type);
    if (t.kind !== "int" && t.kind !== "bool") {
      fail(Codes.BadProgram, `'${name}' (${typeToString(t)}) is the kernel's to fill in: only functions, char arrays and integers can be set.`, p.getNameNode());
    }
    const v = wrap(mod.constant(value), t);
    for (let i = 0; i < sizeOf(t); i++) data[offset + i] = Number((BigInt.asUintN(64, v) >> BigInt(8 * i)) & 0xffn);
  }
  if (!named && struct.members.some((m) => m.name === "name")) {
    fail(Codes.BadProgram, `struct ${st.name} needs a name: add name: "…" (the kernel registers it by name).`, init);
  }
  // Programs in source order, as clang places the sections.
  members.sort((a, b) => a.fn.getStart() - b.fn.getStart());
  for (const m of members) {
    if (lowered.has(m.fn)) continue;
    const prog = lowerMember(mod, m.fn, m.member, st.name, m.proto, kernel);
    lowered.set(m.fn, prog);
    programs.push(prog);
  }
  funcs.sort((a, b) => a.offset - b.offset);
  return { def: { name: d.getName(), kernelTypes: kernel.types, typeId: st.btfId, data, funcs }, programs };
}

/** The module-level function a member value's symbol names. */
function functionOf(sym: import("ts-morph").Symbol | undefined): FunctionDeclaration | undefined {
  const decl = resolveAlias(sym)?.getDeclarations()[0];
  return decl && Node.isFunctionDeclaration(decl) && decl.getName() && Node.isSourceFile(decl.getParent()) ? decl : undefined;
}

/**
 * A function member as a program: its parameters are checked against the kernel's
 * prototype (a kernel struct parameter may be a struct that begins with the
 * kernel's, as C code casts `struct sock *` to `struct tcp_sock *`).
 */
function lowerMember(mod: ModuleContext, fn: FunctionDeclaration, member: string, structName: string,
  proto: BtfType & { kind: typeof BTF_KIND_FUNC_PROTO }, kernel: KernelBtf): ProgramDef {
  const name = fn.getName()!;
  const where = `'${member}' of struct ${structName}`;
  const params = fn.getParameters();
  if (params.length > proto.params.length) {
    fail(Codes.BadProgram, `${where} takes ${proto.params.length} argument${proto.params.length === 1 ? "" : "s"}; '${name}' declares ${params.length}.`, params[proto.params.length]!);
  }
  const types = params.map((p, i) => {
    const t = mod.types.annotation(p);
    const k = kernel.type(proto.params[i]!.type);
    if (!compatible(t, k, kernel)) {
      fail(Codes.BadProgram, `Argument ${i + 1} of ${where} is ${kernelText(k)}; '${p.getName()}' is ${typeToString(t)}.`, p.getTypeNode() ?? p);
    }
    return t;
  });
  const retNode = fn.getReturnTypeNode();
  if (!retNode) fail(Codes.BadProgram, `'${name}' needs a return type annotation (${where} returns ${proto.ret === 0 ? "void" : kernelText(kernel.type(proto.ret))}).`, fn.getNameNode() ?? fn);
  const ret = mod.types.resolve(retNode!);
  const kret = proto.ret === 0 ? VOID : kernel.type(proto.ret);
  const retOk = kret.kind === "void" ? ret.kind === "void" : (ret.kind === "int" || ret.kind === "bool") && sizeOf(ret) === sizeOf(kret);
  if (!retOk) fail(Codes.BadProgram, `${where} returns ${kernelText(kret)}; '${name}' returns ${typeToString(ret)}.`, retNode!);
  const ir = new FunctionLowerer(mod, name, ret, fn).lowerTracingBody(fn, types);
  return { span: spanOf(fn.getNameNode() ?? fn), name, section: `struct_ops/${name}`, fn: ir, params: [{ name: "ctx", type: OPAQUE as Type }], ret };
}

/** A TypeScript parameter type against the kernel's (as `KernelBtf.type` sees it). */
function compatible(t: Type, k: Type, kernel: KernelBtf): boolean {
  if ((t.kind === "int" || t.kind === "bool") && (k.kind === "int" || k.kind === "bool")) return sizeOf(t) === sizeOf(k);
  if (t.kind === "kstruct") return k.kind === "ptr" && k.target.kind === "kstruct" && kernel.startsWith(t.btfId, k.target.btfId);
  if (t.kind === "ptr") return k.kind === "ptr" && k.target.kind !== "kstruct" && sizeOf(k.target) === sizeOf(t.target);
  if (t.kind === "opaque") return k.kind === "ptr" || k.kind === "opaque";
  return false;
}

function kernelText(k: Type): string {
  if (k.kind === "ptr" && k.target.kind === "kstruct") return `struct ${k.target.name} *`;
  if (k.kind === "opaque") return "a pointer";
  return typeToString(k);
}
