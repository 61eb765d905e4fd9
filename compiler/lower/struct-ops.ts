/**
 * `structOps("tcp_congestion_ops", { ssthresh, cong_avoid, undo_cwnd, name: "my_ca" })`:
 * a STRUCT_OPS map, as libbpf reads `SEC(".struct_ops") struct tcp_congestion_ops
 * my_ca = { .ssthresh = (void *)ssthresh, …, .name = "my_ca" }`. Each function
 * member becomes a `struct_ops/<function>` program (its arguments read from the
 * context array, libbpf's BPF_PROG convention) whose address fills the member;
 * a string fills a char array; any other member takes a compile-time integer.
 * The kernel's BTF gives the struct's layout and checks every member.
 */
import { CompileError, Codes, diag } from "../diagnostics.js";
import { BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_FUNC_PROTO, BTF_KIND_INT, BTF_KIND_ENUM, BTF_KIND_PTR, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_VOLATILE } from "../btf/kinds.js";
import type { BtfType } from "../btf/types.js";
import type { StructOpsDef } from "../ir/module.js";
import { Node } from "../frontend/ts-morph.js";
import type { CallExpression, Expression, FunctionDeclaration, VariableDeclaration } from "ts-morph";
import type { KernelBtf } from "./kernel-btf.js";
import { spanOf } from "./span.js";
import { resolveAlias } from "./types.js";

export interface StructOpsProgram {
  /** The function, lowered as a program named after it, in section `struct_ops/<name>`. */
  decl: FunctionDeclaration;
  name: string;
  /** `tcp_congestion_ops.ssthresh`: libbpf lets one program serve one member of one struct type. */
  slot: string;
  /** Where it is named, for diagnostics. */
  at: Node;
}

const fail = (message: string, node: Node): never => {
  throw new CompileError(diag(Codes.BadProgram, message, spanOf(node)));
};

function skipModifiers(types: readonly BtfType[], id: number): number {
  for (let n = 0; n < 100; n++) {
    const t = types[id];
    if (!t || !(t.kind === BTF_KIND_TYPEDEF || t.kind === BTF_KIND_CONST || t.kind === BTF_KIND_VOLATILE)) return id;
    id = t.type;
  }
  return id;
}

export function declareStructOps(
  kernel: KernelBtf, d: VariableDeclaration, call: CallExpression, constant: (e: Expression) => bigint,
): { def: StructOpsDef; programs: StructOpsProgram[] } {
  const [typeArg, membersArg, extra] = call.getArguments();
  if (!typeArg || !Node.isStringLiteral(typeArg) || !membersArg || !Node.isObjectLiteralExpression(membersArg) || extra) {
    fail('structOps() takes the kernel struct\'s name and its members: structOps("tcp_congestion_ops", { ssthresh, …, name: "my_ca" }).', call);
  }
  const typeName = (typeArg as import("ts-morph").StringLiteral).getLiteralValue();
  const typeId = kernel.lookup(`struct ${typeName}`);
  const types = kernel.types;
  const st = typeId === undefined ? undefined : types[typeId];
  if (typeId === undefined || !st || st.kind !== BTF_KIND_STRUCT) return fail(`The kernel has no struct ${typeName}.`, typeArg);
  const parent = d.getVariableStatement();
  if (!parent || parent.getDeclarationKind() !== "const") fail("A struct_ops map must be declared with const.", d);

  const def: StructOpsDef = { name: d.getName(), typeId, typeName, size: st.size, members: [] };
  const programs: StructOpsProgram[] = [];
  for (const p of (membersArg as import("ts-morph").ObjectLiteralExpression).getProperties()) {
    let name: string;
    let value: Expression;
    if (Node.isShorthandPropertyAssignment(p)) { name = p.getName(); value = p.getNameNode(); }
    else if (Node.isPropertyAssignment(p)) { name = p.getName(); value = p.getInitializerOrThrow(); }
    else return fail("struct_ops members are `name: value` pairs (or a function's name alone).", p);
    const index = st.members.findIndex((m) => m.name === name);
    if (index < 0) return fail(`struct ${typeName} has no member '${name}'.`, p);
    const m = st.members[index]!;
    if (m.bitfieldSize) fail(`'${name}' is a bitfield: struct_ops bitfields cannot be set.`, p);
    const offset = m.bitOffset / 8;
    const mt = types[skipModifiers(types, m.type)]!;
    if (mt.kind === BTF_KIND_PTR && types[skipModifiers(types, mt.type)]?.kind === BTF_KIND_FUNC_PROTO) {
      const sym = Node.isIdentifier(value) ? resolveAlias(value.getSymbol()) : undefined;
      const decl = sym?.getDeclarations().find((x): x is FunctionDeclaration => Node.isFunctionDeclaration(x));
      if (!decl || !decl.getName()) return fail(`'${name}' is a function pointer: give a module-level function.`, value);
      const proto = types[skipModifiers(types, mt.type)] as Extract<BtfType, { kind: typeof BTF_KIND_FUNC_PROTO }>;
      if (decl.getParameters().length !== proto.params.length) {
        fail(`${typeName}.${name} takes ${proto.params.length} argument${proto.params.length === 1 ? "" : "s"}; '${decl.getName()}' declares ${decl.getParameters().length}.`, value);
      }
      const returnsVoid = proto.ret === 0;
      const ret = decl.getReturnTypeNode()?.getText();
      if (returnsVoid !== (ret === "void")) {
        fail(`${typeName}.${name} ${returnsVoid ? "returns nothing: declare '" + decl.getName() + "' with `: void`" : "returns a value: declare the function's integer return type"}.`, value);
      }
      programs.push({ decl, name: decl.getName()!, slot: `${typeName}.${name}`, at: value });
      def.members.push({ index, offset, program: decl.getName()! });
      continue;
    }
    if (mt.kind === BTF_KIND_ARRAY && types[skipModifiers(types, mt.type)]?.kind === BTF_KIND_INT && (types[skipModifiers(types, mt.type)] as { size: number }).size === 1) {
      if (!Node.isStringLiteral(value)) return fail(`'${name}' is a char array: give a string literal.`, value);
      const bytes = new TextEncoder().encode(value.getLiteralValue());
      if (bytes.length >= mt.nelems) fail(`'${name}' holds at most ${mt.nelems - 1} bytes.`, value);
      const out = new Uint8Array(mt.nelems);
      out.set(bytes);
      def.members.push({ index, offset, bytes: out });
      continue;
    }
    if (mt.kind === BTF_KIND_INT || mt.kind === BTF_KIND_ENUM) {
      const size = mt.size;
      const v = BigInt.asUintN(size * 8, constant(value));
      const out = new Uint8Array(size);
      for (let k = 0; k < size; k++) out[k] = Number((v >> BigInt(8 * k)) & 0xffn);
      def.members.push({ index, offset, bytes: out });
      continue;
    }
    fail(`'${name}' cannot be set from TypeScript (only function pointers, char arrays and integers).`, p);
  }
  if (!programs.length) fail("A struct_ops map needs at least one function member.", membersArg as Node);
  return { def, programs };
}
