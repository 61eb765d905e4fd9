/**
 * TypeScript type annotations → tsbpf types. The integer types are aliases of
 * `number` for tsc, so they are recovered from the annotation's own name, resolved
 * through imports to the runtime-types declaration.
 */
import { Node, SyntaxKind } from "../frontend/ts-morph.js";
import type { Symbol as TsSymbol, TypeNode } from "ts-morph";
import { Codes, CompileError, diag } from "../diagnostics.js";
import { isRuntimeFile } from "../frontend/project.js";
import {
  BOOL, I32, INTS, KERNEL_STRUCTS, NULL, OPAQUE, VOID, layoutStruct,
  type IntName, type KStructType, type MapKind, type MapType, type StructType, type Type,
} from "../types/model.js";
import { spanOf } from "./span.js";
import type { KernelBtf } from "./kernel-btf.js";
import { defineFlavour, flavourBrand } from "./flavour.js";

/** Follows an import alias to the symbol it names. */
export function resolveAlias(sym: TsSymbol | undefined): TsSymbol | undefined {
  if (!sym) return undefined;
  const aliased = sym.getAliasedSymbol();
  return aliased ?? sym;
}

/** The builtin name a node refers to, when it refers to a declaration of the tsbpf runtime types. */
export function builtinName(node: Node): string | undefined {
  const sym = resolveAlias(node.getSymbol());
  const decl = sym?.getDeclarations()[0];
  if (!decl || !isRuntimeFile(decl.getSourceFile().getFilePath())) return undefined;
  return sym!.getName();
}

export const MAP_CLASSES: Record<string, MapKind> = {
  ArrayMap: "array",
  HashMap: "hash",
  LruHashMap: "lru_hash",
  PerCpuArrayMap: "percpu_array",
  PerCpuHashMap: "percpu_hash",
  LruPerCpuHashMap: "lru_percpu_hash",
  LpmTrieMap: "lpm_trie",
  RingBuf: "ringbuf",
  PerfEventArray: "perf_event_array",
  ProgArray: "prog_array",
  QueueMap: "queue",
  StackMap: "stack",
  BloomFilterMap: "bloom_filter",
  ArrayOfMaps: "array_of_maps",
  HashOfMaps: "hash_of_maps",
  SkStorage: "sk_storage",
  InodeStorage: "inode_storage",
  TaskStorage: "task_storage",
  CgrpStorage: "cgrp_storage",
};

/** Local storage maps: keyed by a kernel object (`int` key in BTF), values created on demand. */
export const isLocalStorage = (kind: MapKind | undefined): boolean =>
  kind === "sk_storage" || kind === "inode_storage" || kind === "task_storage" || kind === "cgrp_storage";

/** How many type arguments `new Kind<…>` takes: keyed maps <K, V>, value-only maps <V>, the rest none. */
export function mapTypeArity(kind: MapKind): 0 | 1 | 2 {
  if (kind === "ringbuf" || kind === "perf_event_array" || kind === "prog_array") return 0;
  if (kind === "queue" || kind === "stack" || kind === "bloom_filter" || isLocalStorage(kind)) return 1;
  return 2;
}

const CTX_CLASSES = new Set(["SkBuff", "XdpMd", "BpfSockAddr", "BpfNfCtx", "SkMsgMd", "SyscallCtx", "TracingCtx"]);

export class TypeResolver {
  private structs = new Map<Node, StructType>();
  private flavours = new Map<Node, KStructType>();
  private resolving = new Set<Node>();

  /** `kernel` gives the kernel's BTF, loaded when a kernel type is first met. */
  constructor(private readonly kernel: () => KernelBtf) {}

  resolve(node: TypeNode): Type {
    if (Node.isParenthesizedTypeNode(node)) return this.resolve(node.getTypeNode());
    switch (node.getKind()) {
      case SyntaxKind.BooleanKeyword: return BOOL;
      case SyntaxKind.UnknownKeyword: return OPAQUE;
      case SyntaxKind.VoidKeyword: return VOID;
      case SyntaxKind.NumberKeyword:
        throw new CompileError(diag(Codes.NumberType,
          "'number' has no C width: use one of i8, i16, i32, i64, u8, u16, u32, u64 from \"tsbpf\".", spanOf(node)));
      case SyntaxKind.BigIntKeyword:
        throw new CompileError(diag(Codes.NumberType,
          "'bigint' has no C width: use i64 or u64 from \"tsbpf\" (write 64-bit literals as 5n).", spanOf(node)));
      case SyntaxKind.AnyKeyword:
        throw new CompileError(diag(Codes.AnyType, "'any' is not allowed in tsbpf programs: every value needs a C type (an integer type, a struct, Ptr<T>, or 'unknown' for an opaque pointer).", spanOf(node)));
      case SyntaxKind.StringKeyword:
        throw new CompileError(diag(Codes.RuntimeString, "There are no run-time strings in BPF: keep text in a FixedArray<u8, N>, and pass literal strings straight to helpers such as bpf_printk.", spanOf(node)));
      case SyntaxKind.UndefinedKeyword:
        throw new CompileError(diag(Codes.Undefined, "'undefined' does not exist in BPF: use 'T | null' for pointers that may be absent, or 0.", spanOf(node)));
    }
    if (Node.isArrayTypeNode(node) || Node.isTupleTypeNode(node)) {
      throw new CompileError(diag(Codes.JsArray, "JavaScript arrays do not exist in BPF: use FixedArray<T, N> from \"tsbpf\".", spanOf(node)));
    }
    if (Node.isLiteralTypeNode(node) && node.getLiteral().getKind() === SyntaxKind.NullKeyword) return NULL;
    if (Node.isUnionTypeNode(node)) return this.resolveUnion(node);
    if (Node.isFunctionTypeNode(node)) {
      return {
        kind: "func",
        params: node.getParameters().map((p) => this.annotation(p)),
        ret: this.resolve(node.getReturnTypeNodeOrThrow()),
      };
    }
    if (Node.isTypeReference(node)) return this.resolveReference(node);
    if (Node.isTypeQuery(node)) return this.resolveMapQuery(node);
    throw new CompileError(diag(Codes.UnsupportedType, `This type is not supported by tsbpf: '${node.getText()}'.`, spanOf(node)));
  }

  /** A parameter's or variable's declared type; missing annotations are an error. */
  annotation(decl: Node & { getTypeNode(): TypeNode | undefined }): Type {
    const t = decl.getTypeNode();
    if (!t) throw new CompileError(diag(Codes.UnsupportedType, "A type annotation is needed here.", spanOf(decl)));
    return this.resolve(t);
  }

  private resolveUnion(node: TypeNode & Node): Type {
    const members = (node as import("ts-morph").UnionTypeNode).getTypeNodes()
      .map((t) => this.resolve(t)).filter((t) => t.kind !== "null");
    if (members.length === 1) return members[0]!;
    if (members.every((m) => m.kind === "map")) {
      // A parameter that accepts several maps: specialised per call site; key/value from the first.
      const first = members[0] as MapType;
      return { kind: "map", key: first.key, value: first.value };
    }
    throw new CompileError(diag(Codes.UnionType,
      "Unions are supported only as 'T | null' and as unions of maps: pick one C type (convert with u32(x)…), or use a struct with a tag field.", spanOf(node)));
  }

  /** `typeof inner`: the type of a module-level map (an inner-map prototype of a map of maps). */
  private resolveMapQuery(node: import("ts-morph").TypeQueryNode): Type {
    const decl = resolveAlias(node.getExprName().getSymbol())?.getDeclarations()[0];
    const init = decl && Node.isVariableDeclaration(decl) ? decl.getInitializer() : undefined;
    const cls = init && Node.isNewExpression(init) ? builtinName(init.getExpression()) : undefined;
    const kind = cls ? MAP_CLASSES[cls] : undefined;
    if (!kind || !init || !Node.isNewExpression(init)) {
      throw new CompileError(diag(Codes.UnsupportedType, "'typeof' names a map declared at module level here.", spanOf(node)));
    }
    return this.mapType(kind, init.getTypeArguments(), node);
  }

  private mapType(kind: MapKind, args: TypeNode[], node: Node): MapType {
    const arity = mapTypeArity(kind);
    if (args.length !== arity) throw new CompileError(diag(Codes.UnsupportedType, `This map type takes ${arity} type arguments.`, spanOf(node)));
    const key = arity === 2 ? this.resolve(args[0]!) : isLocalStorage(kind) ? I32 : undefined;
    const value = arity === 2 ? this.resolve(args[1]!) : arity === 1 ? this.resolve(args[0]!) : undefined;
    if ((kind === "array_of_maps" || kind === "hash_of_maps") && value?.kind !== "map") {
      throw new CompileError(diag(Codes.UnsupportedType, "A map of maps holds maps: its value type is 'typeof inner' for a module-level map.", spanOf(args[1] ?? node)));
    }
    return { kind: "map", mapKind: kind, key, value };
  }

  private resolveReference(node: import("ts-morph").TypeReferenceNode): Type {
    const nameNode = node.getTypeName();
    const args = node.getTypeArguments();
    const builtin = builtinName(nameNode);
    if (builtin !== undefined) {
      if (builtin in INTS) return INTS[builtin as IntName];
      if (builtin === "bool") return BOOL;
      if (builtin === "Ptr") return { kind: "ptr", target: this.resolve(args[0]!) };
      if (builtin === "FixedArray") {
        const n = args[1];
        const len = n && Node.isLiteralTypeNode(n) ? Number(n.getLiteral().getText()) : NaN;
        if (!Number.isInteger(len) || len <= 0) {
          throw new CompileError(diag(Codes.UnsupportedType, "FixedArray needs a positive integer literal length.", spanOf(n ?? node)));
        }
        return { kind: "array", elem: this.resolve(args[0]!), length: len };
      }
      if (builtin in KERNEL_STRUCTS) return KERNEL_STRUCTS[builtin]!;
      if (builtin in MAP_CLASSES) return this.mapType(MAP_CLASSES[builtin]!, args, node);
      if (builtin === "AnyMap") return { kind: "map" };
      if (builtin === "WqCallback") {
        return { kind: "func", params: [{ kind: "map" }, { kind: "ptr", target: this.resolve(args[0]!) }, this.resolve(args[1]!)], ret: I32 };
      }
      if (CTX_CLASSES.has(builtin)) return { kind: "ctx", name: builtin };
      throw new CompileError(diag(Codes.UnsupportedType, `'${builtin}' cannot be used as a type here.`, spanOf(node)));
    }
    const sym = resolveAlias(nameNode.getSymbol());
    const decl = sym?.getDeclarations()[0];
    if (decl && Node.isInterfaceDeclaration(decl)) {
      const brand = kernelBrand(decl);
      if (brand !== undefined) {
        const k = this.kernel();
        const id = k.lookup(brand);
        if (id === undefined && flavourBrand(brand)) return this.flavour(decl, brand);
        if (id === undefined) {
          throw new CompileError(diag(Codes.UnsupportedType, `${brand} is not in this kernel's BTF.`, spanOf(node)));
        }
        const t = k.type(id);
        return t.kind === "ptr" ? t.target : t;
      }
    }
    if (decl && (Node.isInterfaceDeclaration(decl) || Node.isClassDeclaration(decl))) return this.struct(decl);
    if (decl && Node.isTypeAliasDeclaration(decl)) return this.resolve(decl.getTypeNodeOrThrow());
    throw new CompileError(diag(Codes.UnsupportedType, `This type is not supported by tsbpf: '${node.getText()}'.`, spanOf(node)));
  }

  /** A `___flavour` kernel struct the program declares (see flavour.ts). */
  private flavour(decl: import("ts-morph").InterfaceDeclaration, brand: string): KStructType {
    const cached = this.flavours.get(decl);
    if (cached) return cached;
    const props = decl.getProperties().filter((p) => p.getSymbol()?.getName() !== "@btf");
    const { type, define } = defineFlavour(this.kernel(), brand, props.map((p) => ({ name: p.getName(), type: () => this.annotation(p) })));
    this.flavours.set(decl, type);
    const bad = define();
    if (bad !== undefined) {
      const p = props.find((x) => x.getName() === bad)!;
      throw new CompileError(diag(Codes.UnsupportedType,
        `A field of ${brand} must be an integer, bool, a @btf struct (a pointer to it), Ptr<integer> or a FixedArray of integers.`, spanOf(p)));
    }
    return type;
  }

  /** An interface or field-only class as a C struct (cached: one StructType per declaration). */
  struct(decl: import("ts-morph").InterfaceDeclaration | import("ts-morph").ClassDeclaration): StructType {
    const cached = this.structs.get(decl);
    if (cached) return cached;
    if (this.resolving.has(decl)) {
      throw new CompileError(diag(Codes.UnsupportedType, "A struct cannot contain itself.", spanOf(decl)));
    }
    if (decl.getTypeParameters().length) {
      throw new CompileError(diag(Codes.UnsupportedType, "Generic structs are not supported.", spanOf(decl)));
    }
    this.resolving.add(decl);
    try {
      return this.layout(decl);
    } finally {
      this.resolving.delete(decl);
    }
  }

  private layout(decl: import("ts-morph").InterfaceDeclaration | import("ts-morph").ClassDeclaration): StructType {
    const members: { name: string; type: Type }[] = [];
    if (Node.isInterfaceDeclaration(decl)) {
      if (decl.getExtends().length) {
        throw new CompileError(diag(Codes.UnsupportedType, "Struct interfaces cannot extend others: list the fields.", spanOf(decl)));
      }
      for (const m of decl.getMembers()) {
        if (!Node.isPropertySignature(m)) classMember(m, "A struct interface may only declare fields.");
        members.push({ name: m.getName(), type: this.fieldType(m) });
      }
    } else {
      const ext = decl.getExtends();
      if (ext) {
        throw new CompileError(diag(Codes.ClassMember, "Classes cannot extend others (a class is a C struct): list the fields, or nest the base struct as a field.", spanOf(ext)));
      }
      for (const m of decl.getMembers()) {
        if (!Node.isPropertyDeclaration(m) || m.isStatic()) {
          classMember(m, "Classes with methods are not supported: a class is a C struct and may only declare fields; write module-level functions that take the struct.");
        }
        members.push({ name: m.getName(), type: this.fieldType(m) });
      }
    }
    const s = layoutStruct(decl.getName() ?? "anon", members);
    this.structs.set(decl, s);
    return s;
  }

  private fieldType(m: Node & { getTypeNode(): TypeNode | undefined }): Type {
    const t = this.annotation(m);
    if (t.kind === "map" || t.kind === "func" || t.kind === "ctx" || t.kind === "void" || t.kind === "null") {
      throw new CompileError(diag(Codes.UnsupportedType, "This type cannot be a struct field.", spanOf(m)));
    }
    return t;
  }
}

/** The `"@btf": "struct task_struct"` brand of a declaration `tsbpf vmlinux` generated. */
export function kernelBrand(decl: import("ts-morph").InterfaceDeclaration): string | undefined {
  for (const p of decl.getProperties()) {
    if (p.getSymbol()?.getName() !== "@btf") continue;
    const tn = p.getTypeNode();
    if (tn && Node.isLiteralTypeNode(tn) && Node.isStringLiteral(tn.getLiteral())) {
      return (tn.getLiteral() as import("ts-morph").StringLiteral).getLiteralValue();
    }
  }
  return undefined;
}

export { VOID, NULL };

/** A struct member that is not a field: accessors and methods have their own codes. */
function classMember(m: Node, otherwise: string): never {
  if (Node.isGetAccessorDeclaration(m) || Node.isSetAccessorDeclaration(m)) {
    throw new CompileError(diag(Codes.Accessor, "Getters and setters are not supported: a struct has only fields; write a module-level function that takes the struct.", spanOf(m)));
  }
  if (Node.isPropertyDeclaration(m) || Node.isClassStaticBlockDeclaration(m)) {
    throw new CompileError(diag(Codes.ClassMember, "Static members are JavaScript values: declare a module-level global instead.", spanOf(m)));
  }
  if (Node.isMethodDeclaration(m) || Node.isMethodSignature(m) || Node.isConstructorDeclaration(m)) {
    throw new CompileError(diag(Codes.ClassMember, otherwise.startsWith("Classes") ? otherwise :
      "A struct interface may only declare fields: write module-level functions that take the struct.", spanOf(m)));
  }
  throw new CompileError(diag(Codes.UnsupportedType, otherwise, spanOf(m)));
}
