/**
 * AST → IR for one BPF function (a program, a subprogram or a callback), with
 * functions that take maps or callbacks inlined at their call sites: the verifier
 * needs a constant map pointer and a constant callback, as clang's inlining gives.
 */
import { Node, SyntaxKind } from "../frontend/ts-morph.js";
import type { ArrowFunction, Expression, FunctionDeclaration, SourceFile, Statement } from "ts-morph";
import { Codes, CompileError, diag } from "../diagnostics.js";
import { FunctionBuilder } from "../ir/builder.js";
import { imm, reg, type AluOp, type Base, type Block, type CmpOp, type IrFunction, type Operand, type Size, type VReg } from "../ir/ir.js";
import {
  BOOL, I32, I64, OPAQUE, U32, U64, isScalar, promote, regWidth, sizeOf, alignOf, typeToString, usualArithmetic,
  type BoolType, type FuncType, type IntType, type StructType, type Type,
} from "../types/model.js";
import type { Binding, Bitfield, CorePath, LVal, Val } from "./values.js";
import { BPF_CORE_FIELD_BYTE_OFFSET } from "../btf/kinds.js";
import { spanOf, locOf } from "./span.js";
import { builtinName, resolveAlias } from "./types.js";
import type { ModuleContext } from "./module.js";
import { lowerBuiltinCall, lowerMethodCall } from "./builtins.js";
import { parseIntegerLiteral, wrap } from "./literals.js";
import { CONTEXTS } from "./contexts.js";
import { rejectOptionalChain, unsupportedExpression, unsupportedOperator } from "./unsupported.js";
import { unsupportedModuleStatement } from "./subset.js";

interface Loop { brk: Block; cont: Block }

/** A field access relocated as clang relocates one of a preserve_access_index struct. */
const coreAccess = (p: CorePath) => ({ root: p.root, access: p.access, kind: BPF_CORE_FIELD_BYTE_OFFSET });
interface Inline { decl: FunctionDeclaration; ret: Type; exit: Block; result?: VReg }

export class FunctionLowerer {
  readonly b: FunctionBuilder;
  private scopes: Map<Node, Binding>[] = [new Map()];
  private loops: Loop[] = [];
  private inlines: Inline[] = [];

  constructor(readonly mod: ModuleContext, name: string, private readonly retType: Type, at: Node) {
    this.b = new FunctionBuilder(name, locOf(at, mod.relFile));
  }

  // ---------------------------------------------------------------- entry points

  /** Lowers a program's or subprogram's body; its parameters arrive in r1…r5. */
  lowerBody(fn: ArrowFunction | FunctionDeclaration, paramTypes: Type[]): IrFunction {
    const params = fn.getParameters();
    if (params.length > 5) {
      throw new CompileError(diag(Codes.TooManyArguments, "A BPF function takes at most five arguments.", spanOf(params[5]!)));
    }
    params.forEach((p, i) => {
      const r = this.b.vreg();
      this.b.fn.params.push(r);
      const t = paramTypes[i]!;
      // A struct parameter arrives as a pointer (callback contexts, map values): bind it as a reference.
      if (t.kind === "struct" || t.kind === "array") this.bind(p, { k: "val", val: { k: "ref", base: { kind: "reg", reg: r }, off: 0, t } });
      else this.bind(p, { k: "var", reg: r, t });
    });
    const body = fn.getBody();
    if (!body) throw new CompileError(diag(Codes.UnsupportedSyntax, "A function needs a body: declarations without one belong in .d.ts files (kfuncs use kfunc<…>(\"name\")).", spanOf(fn)));
    if (Node.isBlock(body)) {
      this.statements(body.getStatements());
      if (!this.b.terminated) {
        if (this.retType.kind !== "void") {
          this.at(body.getLastToken());
          this.b.terminate({ op: "ret", value: imm(0), w: regWidth(this.retType) });
        } else this.b.terminate({ op: "ret", w: 64 });
      }
    } else {
      this.at(body);
      const v = this.convert(this.expr(body as Expression), this.retType, body);
      this.returnValue(v, body);
    }
    return this.b.finish();
  }

  /**
   * A tracing program with typed arguments (libbpf's BPF_PROG): the context is an
   * array of u64, argument i at offset 8·i; kernel structs arrive as pointers.
   */
  lowerTracingBody(fn: ArrowFunction | FunctionDeclaration, types: Type[]): IrFunction {
    const ctx = this.b.vreg();
    this.b.fn.params.push(ctx);
    this.at(fn);
    fn.getParameters().forEach((p, i) => {
      const t = types[i]!;
      const raw = this.b.vreg();
      this.b.emit({ op: "load", dst: raw, base: { kind: "reg", reg: ctx }, off: 8 * i, size: 8, signed: false });
      if (t.kind === "kstruct") return this.bind(p, { k: "val", val: { k: "ref", base: { kind: "reg", reg: raw }, off: 0, t, core: { root: t.btfId, access: [0] } } });
      if (t.kind === "int" || t.kind === "bool") {
        return this.bind(p, { k: "val", val: this.convert({ k: "reg", reg: raw, t: U64, owned: true }, t, p, true) });
      }
      if (t.kind === "ptr" || t.kind === "opaque") return this.bind(p, { k: "val", val: { k: "reg", reg: raw, t, owned: true } });
      this.fail(Codes.UnsupportedType, `A tracing argument of type ${typeToString(t)} is not supported.`, p);
    });
    const body = fn.getBody()!;
    if (Node.isBlock(body)) {
      this.statements(body.getStatements());
      if (!this.b.terminated) this.b.terminate({ op: "ret", value: imm(0), w: regWidth(this.retType) });
    } else {
      this.at(body);
      this.returnValue(this.convert(this.expr(body as Expression), this.retType, body), body);
    }
    return this.b.finish();
  }

  // ---------------------------------------------------------------- helpers

  fail(code: string, message: string, node: Node): never {
    throw new CompileError(diag(code, message, spanOf(node)));
  }

  /** Stamps the source location of `node` on the instructions that follow. */
  at(node: Node): void {
    this.b.loc = locOf(node, this.mod.relFile);
  }

  private bind(decl: Node, binding: Binding): void {
    this.scopes[this.scopes.length - 1]!.set(decl, binding);
  }

  private lookupBinding(decl: Node): Binding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const b = this.scopes[i]!.get(decl);
      if (b) return b;
    }
    return undefined;
  }

  private withScope<T>(f: () => T): T {
    this.scopes.push(new Map());
    try {
      return f();
    } finally {
      this.scopes.pop();
    }
  }

  /** A value as an IR operand (scalars and pointers only). */
  operand(v: Val, node: Node): Operand {
    switch (v.k) {
      case "imm": return imm(v.value);
      case "reg": return reg(v.reg);
      case "null": return imm(0);
      case "ref": return reg(this.address(v));
      case "map": {
        const r = this.b.vreg();
        this.b.emit({ op: "ldmap", dst: r, symbol: v.symbol });
        return reg(r);
      }
      case "func": {
        const r = this.b.vreg();
        this.b.emit({ op: "ldfunc", dst: r, func: this.mod.requireSubprogram(v.decl) });
        return reg(r);
      }
      case "kfunc": return this.fail(Codes.InvalidOperation, "A kfunc can only be called.", node);
      case "void": return this.fail(Codes.InvalidOperation, "This expression has no value.", node);
    }
  }

  /**
   * `p as TaskStruct`: an untyped kernel pointer (a helper's `BtfStruct<"task_struct">`
   * result) read as the kernel struct `tsbpf vmlinux` declares; no other assertions.
   */
  private kernelAssertion(e: import("ts-morph").AsExpression): Val {
    const tn = e.getTypeNode();
    const t = tn && !Node.isTypeReference(tn) ? undefined : tn && this.mod.types.resolve(tn);
    if (t?.kind === "kstruct") {
      const v = this.rvalue(e.getExpression());
      if (v.k === "reg" && v.t.kind === "opaque") return { k: "ref", base: { kind: "reg", reg: v.reg }, off: 0, t };
      if (v.k === "ref" && v.t.kind === "kstruct" && v.t.name === t.name) return v;
    }
    return this.fail(Codes.TypeAssertion, "Type assertions do not convert values: use a conversion such as u32(x) (only an untyped kernel pointer can be given its kernel struct type with `as`).", e);
  }

  /** A value in a register (materialising immediates). */
  inReg(v: Val, node: Node): VReg {
    const o = this.operand(v, node);
    if (o.kind === "reg") return o.reg;
    const r = this.b.vreg();
    this.b.emit({ op: "mov", dst: r, src: o, w: v.k === "imm" ? regWidth(v.t) : 64 });
    return r;
  }

  /** The address of a memory reference, in a register. */
  address(v: { base: Base; off: number; core?: CorePath }): VReg {
    const r = this.b.vreg();
    if (v.base.kind === "slot") {
      this.b.emit({ op: "slotaddr", dst: r, slot: v.base.slot, off: v.off });
      return r;
    }
    // The address of a kernel struct's member: `r += off` relocated, as clang's `&task->comm`.
    const core = v.core && v.core.access.length > 1 ? coreAccess(v.core) : undefined;
    if (v.off === 0 && !core) return v.base.reg;
    this.b.emit({ op: "mov", dst: r, src: reg(v.base.reg), w: 64 });
    this.b.emit({ op: "alu", alu: "add", dst: r, a: r, b: imm(v.off), w: 64, ...(core ? { core } : {}) });
    return r;
  }

  typeOfVal(v: Val): Type {
    switch (v.k) {
      case "imm": case "reg": case "ref": case "map": case "func": case "kfunc": return v.t;
      case "null": return { kind: "null" };
      case "void": return { kind: "void" };
    }
  }

  /** A fresh stack slot holding `v` (keys and values passed to helpers by reference). */
  spill(v: Val, t: Type, node: Node): VReg {
    if (v.k === "ref") return this.address(v);
    const size = sizeOf(t);
    const slot = this.b.slot(size, alignOf(t));
    const src = this.operand(this.convert(v, t, node), node);
    this.b.emit({ op: "store", base: { kind: "slot", slot }, off: 0, src, size: size as Size });
    const r = this.b.vreg();
    this.b.emit({ op: "slotaddr", dst: r, slot, off: 0 });
    return r;
  }

  /** `zeroed<T>()`: a zeroed struct on the stack. */
  zeroed(t: StructType | import("../types/model.js").ArrayType): Val {
    const slot = this.zeroedSlot(sizeOf(t), alignOf(t));
    return { k: "ref", base: { kind: "slot", slot }, off: 0, t };
  }

  /**
   * A new stack slot, 8-aligned and zeroed in whole 8-byte words, its padding
   * included: the verifier tracks each word as one known-zero value, so a read
   * at a run-time index is still known to be 0. Narrower stores into a word
   * would turn the bytes they do not cover into unknown data.
   */
  private zeroedSlot(size: number, align: number): number {
    const slot = this.b.slot(size, Math.max(align, 8));
    for (let off = 0; off < size; off += 8) {
      this.b.emit({ op: "store", base: { kind: "slot", slot }, off, src: imm(0), size: 8 });
    }
    return slot;
  }

  // ---------------------------------------------------------------- conversions

  /**
   * C's conversion of `v` to `to`. Register invariant: values narrower than 64 bits
   * are meaningful in their low 32 bits (promoted); 64-bit values in all 64.
   */
  convert(v: Val, to: Type, node: Node, explicit = false): Val {
    const from = this.typeOfVal(v);
    if (to.kind === "void") return { k: "void" };
    if (to.kind === "bool") {
      if (v.k === "imm") return { k: "imm", value: v.value !== 0n ? 1n : 0n, t: BOOL };
      if (from.kind === "bool") return v;
      if (from.kind === "int") return this.materialiseCond((t, f) => this.branchOnValue(v, t, f, node));
    }
    if (to.kind === "int") {
      if (v.k === "imm") return { k: "imm", value: wrap(v.value, to), t: to };
      if (v.k === "reg" && (from.kind === "int" || from.kind === "bool")) {
        const fromBits = from.kind === "bool" ? 8 : from.bits;
        const fromSigned = from.kind === "int" && from.signed;
        if (!explicit && fromBits > to.bits) {
          this.fail(Codes.Narrowing,
            `Narrowing ${typeToString(from)} to ${to.name} needs an explicit conversion: ${to.name}(…).`, node);
        }
        const reg = this.extend(v.reg, fromBits, fromSigned, to);
        // a no-op conversion hands back the same register: it is only owned if the input was
        return { k: "reg", reg, t: to, owned: reg !== v.reg || v.owned };
      }
      if (explicit && v.k === "reg" && to.bits === 64) return { k: "reg", reg: v.reg, t: to, owned: false };
    }
    if (this.assignable(from, to)) {
      if (v.k === "reg" || v.k === "ref" || v.k === "null" || v.k === "map" || v.k === "func") return retype(v, to);
      return v;
    }
    return this.fail(Codes.UnsupportedType, `Cannot convert ${typeToString(from)} to ${typeToString(to)}.`, node);
  }

  private assignable(from: Type, to: Type): boolean {
    if (from.kind === "null") return to.kind !== "int" && to.kind !== "bool";
    if (to.kind === "opaque") return from.kind !== "int" && from.kind !== "bool";
    if (from.kind === "map" && to.kind === "map") return true;
    if (from.kind === "func" && to.kind === "func") return true;
    if (from.kind === "struct" && to.kind === "struct") return from === to;
    if (from.kind === "ptr" && to.kind === "ptr") return true;
    if (from.kind === "opaque" && (to.kind === "ptr" || to.kind === "struct" || to.kind === "ctx")) return true;
    return from.kind === to.kind && from.kind !== "int";
  }

  /** Re-represents an integer held in a register at type `to`. */
  private extend(r: VReg, fromBits: number, fromSigned: boolean, to: IntType): VReg {
    const dst = this.b.vreg();
    if (to.bits === 64) {
      if (fromBits === 64) return r;
      if (fromSigned) this.b.emit({ op: "sext", dst, src: r, from: 32, w: 64 });
      else this.b.emit({ op: "zext", dst, src: r, from: 32 });
      return dst;
    }
    if (to.bits === 32) return r; // the low 32 bits are the value
    // 8/16-bit targets: truncate, then re-promote within 32 bits.
    if (fromBits <= to.bits && fromSigned === to.signed) return r;
    if (to.signed) this.b.emit({ op: "sext", dst, src: r, from: to.bits as 8 | 16, w: 32 });
    else this.b.emit({ op: "alu", alu: "and", dst, a: r, b: imm(to.bits === 8 ? 0xff : 0xffff), w: 32 });
    return dst;
  }

  // ---------------------------------------------------------------- statements

  statements(stmts: Statement[]): void {
    for (const s of stmts) {
      if (this.b.terminated) break; // unreachable code after return/break
      this.statement(s);
    }
  }

  statement(s: Statement): void {
    this.at(s);
    if (Node.isBlock(s)) return this.withScope(() => this.statements(s.getStatements()));
    if (Node.isExpressionStatement(s)) {
      this.effect(s.getExpression());
      return;
    }
    if (Node.isVariableStatement(s)) {
      for (const d of s.getDeclarationList().getDeclarations()) this.variable(d, s.getDeclarationKind() === "const");
      return;
    }
    if (Node.isReturnStatement(s)) return this.returnStatement(s);
    if (Node.isIfStatement(s)) {
      const then = this.b.newBlock();
      const join = this.b.newBlock();
      const otherwise = s.getElseStatement() ? this.b.newBlock() : join;
      this.cond(s.getExpression(), then, otherwise);
      this.b.setBlock(then);
      this.withScope(() => this.statement(s.getThenStatement()));
      this.b.jump(join);
      const e = s.getElseStatement();
      if (e) {
        this.b.setBlock(otherwise);
        this.withScope(() => this.statement(e));
        this.b.jump(join);
      }
      this.b.setBlock(join);
      return;
    }
    if (Node.isWhileStatement(s)) {
      const head = this.b.newBlock();
      const body = this.b.newBlock();
      const exit = this.b.newBlock();
      this.b.jump(head);
      this.b.setBlock(head);
      this.cond(s.getExpression(), body, exit);
      this.b.setBlock(body);
      this.loop({ brk: exit, cont: head }, () => this.statement(s.getStatement()));
      this.b.jump(head);
      this.b.setBlock(exit);
      return;
    }
    if (Node.isDoStatement(s)) {
      const body = this.b.newBlock();
      const test = this.b.newBlock();
      const exit = this.b.newBlock();
      this.b.jump(body);
      this.b.setBlock(body);
      this.loop({ brk: exit, cont: test }, () => this.statement(s.getStatement()));
      this.b.jump(test);
      this.b.setBlock(test);
      this.at(s.getExpression());
      this.cond(s.getExpression(), body, exit);
      this.b.setBlock(exit);
      return;
    }
    if (Node.isForStatement(s)) {
      if (this.unrollFor(s)) return;
      this.withScope(() => {
        const init = s.getInitializer();
        if (init) {
          if (Node.isVariableDeclarationList(init)) {
            for (const d of init.getDeclarations()) this.variable(d, init.getDeclarationKind() === "const");
          } else this.expr(init);
        }
        const head = this.b.newBlock();
        const body = this.b.newBlock();
        const step = this.b.newBlock();
        const exit = this.b.newBlock();
        this.b.jump(head);
        this.b.setBlock(head);
        const c = s.getCondition();
        if (c) this.cond(c, body, exit);
        else this.b.jump(body);
        this.b.setBlock(body);
        this.loop({ brk: exit, cont: step }, () => this.statement(s.getStatement()));
        this.b.jump(step);
        this.b.setBlock(step);
        const inc = s.getIncrementor();
        if (inc) {
          this.at(inc);
          this.effect(inc);
        }
        this.b.jump(head);
        this.b.setBlock(exit);
      });
      return;
    }
    if (Node.isBreakStatement(s) || Node.isContinueStatement(s)) {
      if (s.getLabel()) this.fail(Codes.Label, "Labelled break/continue is not supported: use a flag and break out of each loop, or move the loops into a function and return.", s);
      const l = this.loops[this.loops.length - 1];
      if (!l) this.fail(Codes.UnsupportedSyntax, "break/continue outside a loop.", s);
      this.b.jump(Node.isBreakStatement(s) ? l.brk : l.cont);
      return;
    }
    if (Node.isSwitchStatement(s)) return this.switchStatement(s);
    if (Node.isEmptyStatement(s)) return;
    this.unsupportedStatement(s);
  }

  private unsupportedStatement(s: Statement): never {
    if (Node.isTryStatement(s) || Node.isThrowStatement(s)) {
      this.fail(Codes.Exception, "Exceptions do not exist in BPF: return an error code instead.", s);
    }
    if (Node.isForOfStatement(s) || Node.isForInStatement(s)) {
      this.fail(Codes.ForOf, "for…of/for…in iterate JavaScript objects: use a counted for loop (`for (let i = 0; i < a.length; i++)`).", s);
    }
    if (Node.isLabeledStatement(s)) {
      this.fail(Codes.Label, "Labelled statements are not supported: use a flag and break out of each loop, or move the loops into a function and return.", s);
    }
    if (Node.isFunctionDeclaration(s)) {
      this.fail(Codes.Closure, "Nested functions are closures, which BPF cannot express: declare the function at module level and pass what it needs as parameters.", s);
    }
    if (Node.isClassDeclaration(s) || Node.isInterfaceDeclaration(s) || Node.isTypeAliasDeclaration(s) || Node.isEnumDeclaration(s)) {
      this.fail(Codes.LocalDeclaration, "Declare types at module level.", s);
    }
    return this.fail(Codes.UnsupportedSyntax, `This statement is not supported by tsbpf (${s.getKindName()}).`, s);
  }

  /**
   * Full unrolling of a small counted loop — `for (let i = A; i < B; i++)` with
   * constant bounds, a constant step and a body that does not assign `i` — as
   * clang does at -O2: each iteration is lowered with `i` a constant, so the
   * verifier walks straight-line code and the optimiser folds the indices.
   */
  private unrollFor(s: import("ts-morph").ForStatement): boolean {
    const init = s.getInitializer(), cond = s.getCondition(), inc = s.getIncrementor();
    if (!init || !cond || !inc || !Node.isVariableDeclarationList(init) || init.getDeclarations().length !== 1) return false;
    const decl = init.getDeclarations()[0]!;
    const declInit = decl.getInitializer();
    if (!declInit || !Node.isIdentifier(decl.getNameNode())) return false;
    const c = unparen(cond);
    if (!Node.isBinaryExpression(c) || !Node.isIdentifier(c.getLeft()) || c.getLeft().getText() !== decl.getName()) return false;
    const step = counterStep(inc, decl.getName());
    if (step === undefined) return false;
    const body = s.getStatement();
    // The body must not assign the counter, and must stay small once copied.
    for (const id of body.getDescendantsOfKind(SyntaxKind.Identifier)) {
      if (id.getText() !== decl.getName()) continue;
      const p = id.getParent();
      if ((Node.isBinaryExpression(p) && p.getLeft() === id && isAssignmentOperator(p.getOperatorToken().getKind())) ||
          ((Node.isPrefixUnaryExpression(p) || Node.isPostfixUnaryExpression(p)) &&
            (p.getOperatorToken() === SyntaxKind.PlusPlusToken || p.getOperatorToken() === SyntaxKind.MinusMinusToken))) return false;
    }
    if (body.getDescendants().some((n) => Node.isFunctionLikeDeclaration(n))) return false;
    // Its size counts the statements of the functions it calls, which inlining copies too.
    const statements = (n: Node) => n.getDescendants().filter((d) => Node.isStatement(d) && !Node.isBlock(d)).length;
    let size = 1 + statements(body);
    for (const call of body.getDescendantsOfKind(SyntaxKind.CallExpression)) {
      const callee = resolveAlias(call.getExpression().getSymbol())?.getDeclarations()[0];
      if (callee && Node.isFunctionDeclaration(callee) && callee.getBody()) size += statements(callee.getBody()!);
    }
    // Constant bounds (evaluated without emitting code: both must be literals or constants).
    const mark = this.b.fn.vregCount;
    const startV = this.tryConstant(declInit);
    const endV = this.tryConstant(c.getRight());
    if (startV === undefined || endV === undefined || this.b.fn.vregCount !== mark) return false;
    const declared = decl.getTypeNode() ? this.mod.types.resolve(decl.getTypeNode()!) : startV.t;
    if (declared.kind !== "int") return false;
    const op = COMPARISONS[c.getOperatorToken().getKind()];
    if (!op) return false;
    const values: bigint[] = [];
    const holds = (v: bigint) => {
      const ct = usualArithmetic(declared, endV.t.kind === "int" ? endV.t : I32);
      const a = wrap(v, ct), b = wrap(endV.value, ct);
      return op === "lt" ? a < b : op === "le" ? a <= b : op === "gt" ? a > b : op === "ge" ? a >= b : op === "ne" ? a !== b : a === b;
    };
    for (let v = wrap(startV.value, declared); holds(v); v = wrap(v + step, declared)) {
      values.push(v);
      if (values.length > MAX_UNROLL || values.length * size > UNROLL_BUDGET) return false;
    }
    const exit = this.b.newBlock();
    for (const v of values) {
      const next = this.b.newBlock();
      this.withScope(() => {
        this.bind(decl, { k: "val", val: { k: "imm", value: v, t: declared } });
        this.loop({ brk: exit, cont: next }, () => this.statement(body));
      });
      this.b.jump(next);
      this.b.setBlock(next);
    }
    this.b.jump(exit);
    this.b.setBlock(exit);
    return true;
  }

  /** An expression's value when it is a compile-time constant (emitting nothing), else undefined. */
  private tryConstant(e: Expression): (Val & { k: "imm" }) | undefined {
    const inner = unparen(e);
    if (!(Node.isNumericLiteral(inner) || Node.isBigIntLiteral(inner) || Node.isPrefixUnaryExpression(inner) || Node.isIdentifier(inner) ||
      (Node.isPropertyAccessExpression(inner) && inner.getName() === "length"))) return undefined;
    if (Node.isIdentifier(inner)) {
      const decl = resolveAlias(inner.getSymbol())?.getDeclarations()[0];
      const b = decl && this.lookupBinding(decl);
      if (!(b?.k === "val" && b.val.k === "imm") && !(decl && this.mod.globalRef(decl)?.k === "val")) return undefined;
    }
    if (Node.isPropertyAccessExpression(inner) && !Node.isIdentifier(inner.getExpression())) return undefined;
    const v = this.expr(e);
    return v.k === "imm" ? v : undefined;
  }

  private loop(l: Loop, f: () => void): void {
    this.loops.push(l);
    try {
      this.withScope(f);
    } finally {
      this.loops.pop();
    }
  }

  private switchStatement(s: import("ts-morph").SwitchStatement): void {
    const disc = this.rvalue(s.getExpression());
    const t = this.typeOfVal(disc);
    if (!isScalar(t)) this.fail(Codes.UnsupportedType, "switch needs an integer.", s.getExpression());
    const pt = promote(t);
    const value = this.inReg(this.convert(disc, pt, s), s);
    const clauses = s.getCaseBlock().getClauses();
    const exit = this.b.newBlock();
    const bodies = clauses.map(() => this.b.newBlock());
    let defaultBody: Block = exit;
    // Dispatch: one comparison per case, in source order.
    clauses.forEach((c, i) => {
      if (Node.isDefaultClause(c)) {
        defaultBody = bodies[i]!;
        return;
      }
      const caseVal = this.constValue(c.getExpression(), pt);
      const next = this.b.newBlock();
      this.b.terminate({ op: "br", cmp: "eq", a: value, b: imm(caseVal), w: regWidth(pt), then: bodies[i]!.id, else: next.id });
      this.b.setBlock(next);
    });
    this.b.jump(defaultBody);
    this.loops.push({ brk: exit, cont: this.loops[this.loops.length - 1]?.cont ?? exit });
    try {
      this.withScope(() => {
        clauses.forEach((c, i) => {
          this.b.setBlock(bodies[i]!);
          this.statements(c.getStatements());
          this.b.jump(bodies[i + 1] ?? exit); // fall through, as in C
        });
      });
    } finally {
      this.loops.pop();
    }
    this.b.setBlock(exit);
  }

  /** An expression evaluated for its effect only: `i++` needs no copy of the old value. */
  private effect(e: Expression): void {
    if (Node.isPostfixUnaryExpression(e)) {
      this.increment(e.getOperand(), e.getOperatorToken() === SyntaxKind.PlusPlusToken, false, e);
      return;
    }
    this.expr(e);
  }

  /** A compile-time integer (case labels, map options). */
  constValue(e: Expression, t: IntType): bigint {
    const v = this.expr(e);
    if (v.k !== "imm") this.fail(Codes.NotConstant, "A constant is needed here.", e);
    return wrap(v.value, t);
  }

  private variable(d: import("ts-morph").VariableDeclaration, isConst: boolean): void {
    const nameNode = d.getNameNode();
    if (!Node.isIdentifier(nameNode)) this.fail(Codes.Destructuring, "Destructuring is not supported: declare one variable per field (`const a = s.a;`).", nameNode);
    const init = d.getInitializer();
    const declared = d.getTypeNode() ? this.mod.types.resolve(d.getTypeNode()!) : undefined;
    if (!init) {
      if (!declared) this.fail(Codes.UnsupportedType, "A variable without an initialiser needs a type.", d);
      if (declared.kind === "struct" || declared.kind === "array") {
        return this.bind(d, { k: "val", val: this.zeroed(declared) });
      }
      const r = this.b.vreg();
      this.b.emit({ op: "mov", dst: r, src: imm(0), w: regWidth(declared) });
      return this.bind(d, { k: "var", reg: r, t: declared });
    }
    let v = this.rvalue(init);
    const t = declared ?? this.naturalType(v, init);
    v = this.convert(v, t, init);
    if (v.k === "void") this.fail(Codes.InvalidOperation, "This expression has no value.", init);
    // Immutable bindings (const, or never reassigned) alias the value: no copy.
    if (v.k === "map" || v.k === "func" || v.k === "ref" || v.k === "null" ||
        ((isConst || !this.isReassigned(d)) && (v.k === "imm" || (v.k === "reg" && v.owned)))) {
      return this.bind(d, { k: "val", val: v });
    }
    const r = this.b.vreg();
    this.b.emit({ op: "mov", dst: r, src: this.operand(v, init), w: regWidth(t) });
    this.bind(d, { k: "var", reg: r, t });
  }

  /** The type a `let`/`const` without annotation gets: C's type of the initialiser. */
  private naturalType(v: Val, node: Node): Type {
    const t = this.typeOfVal(v);
    if (t.kind === "null") this.fail(Codes.UnsupportedType, "A variable initialised with null needs a type.", node);
    return t;
  }

  /** Whether a declared name is ever assigned after its declaration. */
  private isReassigned(decl: Node): boolean {
    const scope = decl.getFirstAncestor((a) => Node.isBlock(a) || Node.isSourceFile(a) || Node.isFunctionDeclaration(a) || Node.isArrowFunction(a));
    if (!scope) return true;
    for (const id of scope.getDescendantsOfKind(SyntaxKind.Identifier)) {
      const p = id.getParent();
      const isTarget =
        (Node.isBinaryExpression(p) && p.getLeft() === id && isAssignmentOperator(p.getOperatorToken().getKind())) ||
        ((Node.isPrefixUnaryExpression(p) || Node.isPostfixUnaryExpression(p)) &&
          (p.getOperatorToken() === SyntaxKind.PlusPlusToken || p.getOperatorToken() === SyntaxKind.MinusMinusToken));
      if (!isTarget) continue;
      const sym = resolveAlias(id.getSymbol());
      if (sym?.getDeclarations().includes(decl)) return true;
    }
    return false;
  }

  private returnStatement(s: import("ts-morph").ReturnStatement): void {
    const e = s.getExpression();
    const inl = this.inlines[this.inlines.length - 1];
    const ret = inl ? inl.ret : this.retType;
    if (!e) {
      if (ret.kind !== "void") this.fail(Codes.MissingReturn, "This function must return a value.", s);
      if (inl) this.b.jump(inl.exit);
      else this.b.terminate({ op: "ret", w: 64 });
      return;
    }
    const v = this.convert(this.rvalue(e), ret, e);
    if (inl) {
      if (v.k !== "void") {
        if (!isScalar(ret) && ret.kind !== "ptr") {
          this.fail(Codes.UnsupportedType, "Inlined functions can return only scalars and pointers.", e);
        }
        inl.result ??= this.b.vreg();
        this.b.emit({ op: "mov", dst: inl.result, src: this.operand(v, e), w: regWidth(ret) });
      }
      this.b.jump(inl.exit);
      return;
    }
    this.returnValue(v, e);
  }

  private returnValue(v: Val, node: Node): void {
    if (v.k === "void") return this.b.terminate({ op: "ret", w: 64 });
    this.b.terminate({ op: "ret", value: this.operand(v, node), w: regWidth(this.retType) });
  }

  // ---------------------------------------------------------------- conditions

  /** Lowers a condition straight into control flow (short-circuit, as C). */
  cond(e: Expression, t: Block, f: Block): void {
    const inner = unparen(e);
    if (Node.isPrefixUnaryExpression(inner) && inner.getOperatorToken() === SyntaxKind.ExclamationToken) {
      return this.cond(inner.getOperand(), f, t);
    }
    if (Node.isBinaryExpression(inner)) {
      const op = inner.getOperatorToken().getKind();
      if (op === SyntaxKind.AmpersandAmpersandToken || op === SyntaxKind.BarBarToken) {
        const mid = this.b.newBlock();
        if (op === SyntaxKind.AmpersandAmpersandToken) this.cond(inner.getLeft(), mid, f);
        else this.cond(inner.getLeft(), t, mid);
        this.b.setBlock(mid);
        return this.cond(inner.getRight(), t, f);
      }
      const cmp = COMPARISONS[op];
      if (cmp) return this.compare(cmp, inner.getLeft(), inner.getRight(), t, f, inner);
    }
    const v = this.rvalue(e);
    this.branchOnValue(v, t, f, e);
  }

  /** Branch on "value is non-zero / non-null". */
  private branchOnValue(v: Val, t: Block, f: Block, node: Node): void {
    if (v.k === "imm") return this.b.jump(v.value !== 0n ? t : f);
    if (v.k === "null") return this.b.jump(f);
    if (v.k === "map" || v.k === "func") return this.b.jump(t);
    if (v.k === "ref" && v.base.kind === "slot") return this.b.jump(t); // stack memory is never null
    const ty = this.typeOfVal(v);
    const r = this.inReg(v, node);
    this.b.terminate({ op: "br", cmp: "ne", a: r, b: imm(0), w: isScalar(ty) ? regWidth(ty) : 64, then: t.id, else: f.id });
  }

  private compare(op: Cmp, le: Expression, re: Expression, t: Block, f: Block, node: Node): void {
    const l = this.rvalue(le);
    const r = this.rvalue(re);
    // Compile-time values compare at compile time (`map === lru` after specialisation).
    const identity = (v: Val) => (v.k === "map" ? `map:${v.symbol}` : v.k === "func" ? `func:${v.decl.getName()}` : undefined);
    const li = identity(l), ri = identity(r);
    if (li !== undefined || ri !== undefined) {
      if (op !== "eq" && op !== "ne") this.fail(Codes.InvalidOperation, "Maps and functions compare only with === and !==.", node);
      const same = li === ri;
      return this.b.jump(same === (op === "eq") ? t : f);
    }
    const lt = this.typeOfVal(l), rt = this.typeOfVal(r);
    if (isScalar(lt) && isScalar(rt)) {
      const ct = usualArithmetic(lt, rt);
      const a = this.convert(l, ct, le), bb = this.convert(r, ct, re);
      if (a.k === "imm" && bb.k === "imm") return this.b.jump(evalCmp(op, a.value, bb.value, ct) ? t : f);
      let cmp = toCmpOp(op, ct.signed);
      let lhs = a, rhs = bb;
      if (lhs.k === "imm") { // BPF compares a register with an immediate: swap the operands
        [lhs, rhs] = [rhs, lhs];
        cmp = swapCmp(cmp);
      }
      return this.b.terminate({ op: "br", cmp, a: this.inReg(lhs, le), b: this.operand(rhs, re), w: regWidth(ct), then: t.id, else: f.id });
    }
    if (lt.kind === "pkt" && rt.kind === "pkt") {
      // Packet bounds checks (`data + n > data_end`): unsigned 64-bit, as the verifier wants them.
      const cmp = toCmpOp(op, false);
      return this.b.terminate({ op: "br", cmp, a: this.inReg(l, le), b: reg(this.inReg(r, re)), w: 64, then: t.id, else: f.id });
    }
    // Pointers: null checks and identity.
    if (op !== "eq" && op !== "ne") this.fail(Codes.InvalidOperation, "Pointers compare only with === and !==.", node);
    if (l.k === "null" && r.k === "null") return this.b.jump(op === "eq" ? t : f);
    const [pv, ov, pn, on] = l.k === "null" ? [r, l, re, le] : [l, r, le, re];
    if (pv.k === "ref" && pv.base.kind === "slot" && ov.k === "null") return this.b.jump(op === "eq" ? f : t);
    this.b.terminate({ op: "br", cmp: op, a: this.inReg(pv, pn), b: this.operand(ov, on), w: 64, then: t.id, else: f.id });
  }

  /** A condition's truth as a 0/1 value. */
  private materialiseCond(branch: (t: Block, f: Block) => void): Val {
    const r = this.b.vreg();
    const t = this.b.newBlock(), f = this.b.newBlock(), join = this.b.newBlock();
    branch(t, f);
    this.b.setBlock(t);
    this.b.emit({ op: "mov", dst: r, src: imm(1), w: 32 });
    this.b.jump(join);
    this.b.setBlock(f);
    this.b.emit({ op: "mov", dst: r, src: imm(0), w: 32 });
    this.b.jump(join);
    this.b.setBlock(join);
    return { k: "reg", reg: r, t: BOOL, owned: true };
  }

  // ---------------------------------------------------------------- expressions

  /** An expression's value, loading from memory where it names a scalar place. */
  rvalue(e: Expression): Val {
    return this.expr(e);
  }

  expr(e: Expression): Val {
    rejectOptionalChain(this, e);
    if (Node.isParenthesizedExpression(e) || Node.isNonNullExpression(e)) return this.expr(e.getExpression());
    if (Node.isNumericLiteral(e)) return parseIntegerLiteral(e.getText(), false, () => this.fail(Codes.FloatLiteral, "Integer literals only: BPF has no floating point (scale to an integer, e.g. per-mille).", e));
    if (Node.isBigIntLiteral(e)) return parseIntegerLiteral(e.getText().slice(0, -1), true, () => this.fail(Codes.UnsupportedSyntax, "Bad bigint literal.", e));
    if (Node.isTrueLiteral(e)) return { k: "imm", value: 1n, t: BOOL };
    if (Node.isFalseLiteral(e)) return { k: "imm", value: 0n, t: BOOL };
    if (Node.isNullLiteral(e)) return { k: "null" };
    if (Node.isIdentifier(e)) return this.identifier(e);
    if (Node.isPropertyAccessExpression(e) && e.getName() === "length") {
      const obj = this.expr(e.getExpression());
      if (obj.k === "ref" && obj.t.kind === "array") return { k: "imm", value: BigInt(obj.t.length), t: U32 };
      return this.load(this.field(obj, e), e);
    }
    if (Node.isPropertyAccessExpression(e) || Node.isElementAccessExpression(e)) return this.load(this.lvalue(e), e);
    if (Node.isCallExpression(e)) return this.call(e);
    if (Node.isBinaryExpression(e)) return this.binary(e);
    if (Node.isPrefixUnaryExpression(e)) return this.prefix(e);
    if (Node.isPostfixUnaryExpression(e)) return this.increment(e.getOperand(), e.getOperatorToken() === SyntaxKind.PlusPlusToken, true, e);
    if (Node.isConditionalExpression(e)) return this.conditional(e);
    if (Node.isArrowFunction(e) || Node.isFunctionExpression(e)) {
      this.fail(Codes.Closure, "Function expressions are closures, which BPF cannot express: declare a module-level function and pass its name.", e);
    }
    if (Node.isStringLiteral(e) || Node.isTemplateExpression(e) || Node.isNoSubstitutionTemplateLiteral(e)) {
      this.fail(Codes.RuntimeString, "Strings exist only as literal arguments to helpers such as bpf_printk; there are no run-time strings (keep bytes in a FixedArray<u8, N>).", e);
    }
    // `p as TaskStruct` gives an untyped kernel pointer its kernel type; other assertions are errors
    if (Node.isAsExpression(e)) return this.kernelAssertion(e);
    unsupportedExpression(this, e);
    return this.fail(Codes.UnsupportedSyntax, `This expression is not supported by tsbpf (${e.getKindName()}).`, e);
  }

  private identifier(id: import("ts-morph").Identifier): Val {
    if (id.getText() === "undefined") this.fail(Codes.Undefined, "'undefined' does not exist in BPF: use null for an absent pointer, or 0.", id);
    const sym = resolveAlias(id.getSymbol());
    const decl = sym?.getDeclarations()[0];
    if (!decl) return this.fail(Codes.UnknownName, `Unknown name '${id.getText()}'.`, id);
    if (Node.isEnumDeclaration(decl)) unsupportedModuleStatement(decl);
    const binding = this.lookupBinding(decl);
    if (binding) return binding.k === "val" ? binding.val : { k: "reg", reg: binding.reg, t: binding.t, owned: false };
    const global = this.mod.globalRef(decl);
    if (global) return global.k === "global" ? this.load(this.globalPlace(global), id) : global.val;
    return this.fail(Codes.UnknownName, `'${id.getText()}' cannot be used here.`, id);
  }

  /** A global variable's memory: its address comes from an ld_imm64 relocated to its symbol. */
  private globalPlace(g: { symbol: string; t: Type }): LVal {
    const r = this.b.vreg();
    this.b.emit({ op: "ldglobal", dst: r, symbol: g.symbol });
    return { k: "mem", base: { kind: "reg", reg: r }, off: 0, t: g.t };
  }

  /** Reads a place. Struct/array places are references, not loads. */
  load(lv: LVal, node: Node): Val {
    if (lv.k === "var") return { k: "reg", reg: lv.reg, t: lv.t, owned: false };
    const t = lv.t;
    const core = lv.core ? { core: coreAccess(lv.core) } : {};
    if (lv.bitfield) return this.loadBitfield(lv, lv.bitfield);
    if (t.kind === "struct" || t.kind === "array" || t.kind === "kstruct") return { k: "ref", base: lv.base, off: lv.off, t, ...(lv.core ? { core: lv.core } : {}) };
    if (t.kind === "ptr" && t.target.kind === "kstruct") {
      // A pointer member of a kernel struct: the pointed-to struct, by reference.
      const dst = this.b.vreg();
      this.b.emit({ op: "load", dst, base: lv.base, off: lv.off, size: 8, signed: false, ...core });
      return { k: "ref", base: { kind: "reg", reg: dst }, off: 0, t: t.target, core: { root: t.target.btfId, access: [0] } };
    }
    if (!isScalar(t) && t.kind !== "ptr" && t.kind !== "opaque" && t.kind !== "pkt") {
      this.fail(Codes.UnsupportedType, `A ${typeToString(t)} cannot be loaded from memory.`, node);
    }
    const dst = this.b.vreg();
    const size = sizeOf(t) as Size;
    const signed = t.kind === "int" && t.signed && t.bits < 32;
    this.b.emit({ op: "load", dst, base: lv.base, off: lv.off, size, signed, ...core });
    return { k: "reg", reg: dst, t, owned: true };
  }

  /**
   * A kernel bitfield, read as clang reads `s->bits` of a preserve_access_index
   * struct: one load relocated with FIELD_BYTE_OFFSET, then shifts. The load
   * is of the storage unit libbpf computes (the member type's size, aligned,
   * doubled until the bits fit), so the relocated offset and the shifts agree.
   */
  private loadBitfield(lv: LVal & { k: "mem" }, bf: Bitfield): Val {
    let size = bf.unit;
    let byteOff = Math.floor(bf.bitOffset / 8 / size) * size;
    while (bf.bitOffset + bf.bits - byteOff * 8 > size * 8) {
      size *= 2;
      byteOff = Math.floor(bf.bitOffset / 8 / size) * size;
    }
    const dst = this.b.vreg();
    const core = lv.core ? { core: coreAccess(lv.core) } : {};
    this.b.emit({ op: "load", dst, base: lv.base, off: byteOff, size: size as Size, signed: false, ...core });
    const lsh = 64 - (bf.bitOffset + bf.bits - byteOff * 8);
    const signed = lv.t.kind === "int" && lv.t.signed;
    if (lsh) this.b.emit({ op: "alu", alu: "lsh", dst, a: dst, b: imm(lsh), w: 64 });
    if (bf.bits < 64) this.b.emit({ op: "alu", alu: signed ? "arsh" : "rsh", dst, a: dst, b: imm(64 - bf.bits), w: 64 });
    return { k: "reg", reg: dst, t: lv.t, owned: true };
  }

  /** Assigns a place; returns the value assigned (the value of an assignment expression). */
  private store(lv: LVal, v: Val, node: Node): Val {
    const cv = this.convert(v, lv.t, node);
    if (lv.k === "var") {
      this.b.emit({ op: "mov", dst: lv.reg, src: this.operand(cv, node), w: regWidth(lv.t) });
      return { k: "reg", reg: lv.reg, t: lv.t, owned: false };
    }
    if (lv.t.kind === "struct" || lv.t.kind === "array") {
      this.copy(lv, cv, node);
      return cv;
    }
    if (lv.bitfield) this.fail(Codes.UnsupportedConstruct, "A kernel bitfield can be read, not assigned.", node);
    const src = this.operand(cv, node);
    this.b.emit({ op: "store", base: lv.base, off: lv.off, src, size: sizeOf(lv.t) as Size, ...(lv.core ? { core: coreAccess(lv.core) } : {}) });
    return src.kind === "imm" ? cv : { k: "reg", reg: src.reg, t: lv.t, owned: false };
  }

  /** Struct assignment: a copy, as in C. */
  private copy(dst: { base: Base; off: number; t: Type }, v: Val, node: Node): void {
    if (v.k !== "ref") this.fail(Codes.InvalidOperation, "Only a struct can be assigned to a struct.", node);
    const size = sizeOf(dst.t);
    const align = Math.min(alignOf(dst.t), 8);
    for (let off = 0; off < size; off += align) {
      const r = this.b.vreg();
      this.b.emit({ op: "load", dst: r, base: v.base, off: v.off + off, size: align as Size, signed: false });
      this.b.emit({ op: "store", base: dst.base, off: dst.off + off, src: reg(r), size: align as Size });
    }
  }

  /** A place an expression names. */
  lvalue(e: Expression): LVal {
    rejectOptionalChain(this, e);
    if (Node.isParenthesizedExpression(e) || Node.isNonNullExpression(e)) return this.lvalue(e.getExpression());
    if (Node.isIdentifier(e)) {
      const sym = resolveAlias(e.getSymbol());
      const decl = sym?.getDeclarations()[0];
      if (decl) {
        const binding = this.lookupBinding(decl);
        if (binding?.k === "var") return { k: "var", reg: binding.reg, t: binding.t };
        if (binding?.k === "val") {
          this.fail(Codes.InvalidOperation, `'${e.getText()}' cannot be assigned.`, e);
        }
        const g = this.mod.globalRef(decl);
        if (g?.k === "global") return this.globalPlace(g);
      }
      return this.fail(Codes.InvalidOperation, `'${e.getText()}' cannot be assigned.`, e);
    }
    if (Node.isPropertyAccessExpression(e)) return this.field(this.expr(e.getExpression()), e);
    if (Node.isElementAccessExpression(e)) {
      const obj = this.expr(e.getExpression());
      if (obj.k !== "ref" || obj.t.kind !== "array") return this.fail(Codes.InvalidOperation, "Only FixedArray values can be indexed.", e);
      const elem = obj.t.elem;
      const esize = sizeOf(elem);
      const idx = this.rvalue(e.getArgumentExpressionOrThrow());
      if (idx.k === "imm") {
        const inBounds = idx.value >= 0n && idx.value < BigInt(obj.t.length);
        if (inBounds) {
          const core = obj.core ? { core: { root: obj.core.root, access: [...obj.core.access, Number(idx.value)] } } : {};
          return { k: "mem", base: obj.base, off: obj.off + Number(idx.value) * esize, t: elem, ...core };
        }
        // A literal out of bounds is a mistake; a folded constant (an unrolled counter) keeps run-time semantics.
        const arg = unparen(e.getArgumentExpressionOrThrow());
        if (Node.isNumericLiteral(arg) || (Node.isPrefixUnaryExpression(arg) && Node.isNumericLiteral(arg.getOperand()))) {
          this.fail(Codes.InvalidOperation, `Index ${idx.value} is out of bounds for a FixedArray of ${obj.t.length}.`, arg);
        }
      }
      return this.element(obj as Val & { k: "ref" }, elem, idx, e.getArgumentExpressionOrThrow());
    }
    return this.fail(Codes.InvalidOperation, "This expression cannot be assigned.", e);
  }

  /** The place `obj.name` names: a struct field, or the target of a `Ptr<T>`. */
  private field(obj: Val, e: import("ts-morph").PropertyAccessExpression): LVal {
    const name = e.getName();
    if (obj.k === "ref" && obj.t.kind === "struct") {
      const f = obj.t.fields.find((x) => x.name === name);
      if (!f) this.fail(Codes.UnknownName, `'${obj.t.name}' has no field '${name}'.`, e.getNameNode());
      if (obj.t.kernel) this.fail(Codes.InvalidOperation, `struct ${obj.t.name} is opaque: its fields belong to the kernel.`, e.getNameNode());
      return { k: "mem", base: obj.base, off: obj.off + f.offset, t: f.type };
    }
    if (obj.k === "ref" && obj.t.kind === "array" && name === "length") {
      this.fail(Codes.InvalidOperation, "'length' is a constant: it cannot be assigned.", e.getNameNode());
    }
    if (obj.k === "ref" && obj.t.kind === "kstruct") {
      const m = this.mod.kernel().member(obj.t.btfId, name);
      if (!m) this.fail(Codes.UnknownName, `struct ${obj.t.name} has no member '${name}' in this kernel's BTF.`, e.getNameNode());
      const core = obj.core ? { core: { root: obj.core.root, access: [...obj.core.access, ...m.path] } } : {};
      if (m.bitfieldSize) {
        const bitfield = { bitOffset: obj.off * 8 + m.bitOffset, bits: m.bitfieldSize, unit: this.mod.kernel().size(m.typeId) };
        return { k: "mem", base: obj.base, off: obj.off + m.offset, t: m.type, bitfield, ...core };
      }
      return { k: "mem", base: obj.base, off: obj.off + m.offset, t: m.type, ...core };
    }
    if (obj.k === "reg" && obj.t.kind === "ctx") {
      const layout = CONTEXTS[obj.t.name];
      const f = layout?.fields.find((x) => x.name === name);
      if (!f) this.fail(Codes.UnknownName, `The ${obj.t.name} context has no field '${name}' tsbpf knows.`, e.getNameNode());
      return { k: "mem", base: { kind: "reg", reg: obj.reg }, off: f.offset, t: f.type };
    }
    if (obj.k === "reg" && obj.t.kind === "ptr" && name === "value") {
      return { k: "mem", base: { kind: "reg", reg: obj.reg }, off: 0, t: obj.t.target };
    }
    return this.fail(Codes.InvalidOperation, `'${name}' is not a field here.`, e.getNameNode());
  }

  /**
   * `a[i]` with a run-time index: the address is `a + i * size` when `i < N`, else
   * a freshly zeroed scratch element — so an out-of-bounds read gives 0 and an
   * out-of-bounds write changes nothing the program can see, and the verifier
   * sees a bounded offset on the only path that touches the array.
   */
  private element(arr: Val & { k: "ref" }, elem: Type, idx: Val, node: Node): LVal {
    const it = this.typeOfVal(idx);
    if (!isScalar(it)) this.fail(Codes.UnsupportedType, "An index must be an integer.", node);
    const length = (arr.t as import("../types/model.js").ArrayType).length;
    const i64 = this.inReg(this.convert(idx, it.kind === "int" && it.signed ? I64 : U64, node, true), node);
    const esize = sizeOf(elem);
    const addr = this.b.vreg();
    const ok = this.b.newBlock(), oob = this.b.newBlock(), join = this.b.newBlock();
    this.b.terminate({ op: "br", cmp: "lt", a: i64, b: imm(length), w: 64, then: ok.id, else: oob.id });
    this.b.setBlock(ok);
    const scaled = this.b.vreg();
    if ((esize & (esize - 1)) === 0) this.b.emit({ op: "alu", alu: "lsh", dst: scaled, a: i64, b: imm(Math.log2(esize)), w: 64 });
    else this.b.emit({ op: "alu", alu: "mul", dst: scaled, a: i64, b: imm(esize), w: 64 });
    const base = this.address(arr);
    this.b.emit({ op: "mov", dst: addr, src: reg(base), w: 64 });
    this.b.emit({ op: "alu", alu: "add", dst: addr, a: addr, b: reg(scaled), w: 64 });
    this.b.jump(join);
    this.b.setBlock(oob);
    const scratch = this.zeroedSlot(esize, alignOf(elem));
    this.b.emit({ op: "slotaddr", dst: addr, slot: scratch, off: 0 });
    this.b.jump(join);
    this.b.setBlock(join);
    return { k: "mem", base: { kind: "reg", reg: addr }, off: 0, t: elem };
  }

  private binary(e: import("ts-morph").BinaryExpression): Val {
    const op = e.getOperatorToken().getKind();
    if (op === SyntaxKind.EqualsToken) {
      const lv = this.lvalue(e.getLeft());
      return this.store(lv, this.rvalue(e.getRight()), e.getRight());
    }
    const compound = COMPOUND[op];
    if (compound) {
      const lv = this.lvalue(e.getLeft());
      const cur = this.load(lv, e.getLeft());
      const result = this.arith(compound, cur, this.rvalue(e.getRight()), e);
      return this.store(lv, this.convert(result, lv.t, e, true), e);
    }
    if (op === SyntaxKind.CommaToken) {
      this.expr(e.getLeft());
      return this.expr(e.getRight());
    }
    if (op === SyntaxKind.AmpersandAmpersandToken || op === SyntaxKind.BarBarToken || COMPARISONS[op]) {
      return this.materialiseCond((t, f) => this.cond(e, t, f));
    }
    unsupportedOperator(this, e);
    const alu = ARITH[op];
    if (!alu) return this.fail(Codes.UnsupportedSyntax, `Operator '${e.getOperatorToken().getText()}' is not supported.`, e.getOperatorToken());
    return this.arith(alu, this.rvalue(e.getLeft()), this.rvalue(e.getRight()), e);
  }

  /** C arithmetic on two integer operands. */
  arith(op: Arith, l: Val, r: Val, node: Node): Val {
    const lt = this.typeOfVal(l), rt = this.typeOfVal(r);
    if (lt.kind === "pkt" && rt.kind === "pkt" && op === "sub") {
      // Pointer difference (`data_end - data`): a long, as C's ptrdiff_t.
      const dst = this.b.vreg();
      this.b.emit({ op: "mov", dst, src: reg(this.inReg(l, node)), w: 64 });
      this.b.emit({ op: "alu", alu: "sub", dst, a: dst, b: reg(this.inReg(r, node)), w: 64 });
      return { k: "reg", reg: dst, t: I64, owned: true };
    }
    if (lt.kind === "pkt" && (op === "add" || op === "sub") && isScalar(rt)) {
      // Packet pointer arithmetic, as C's `data + off`.
      const dst = this.b.vreg();
      const off = this.convert(r, rt.kind === "int" && rt.signed ? I64 : U64, node, true);
      this.b.emit({ op: "mov", dst, src: reg(this.inReg(l, node)), w: 64 });
      this.b.emit({ op: "alu", alu: op, dst, a: dst, b: this.operand(off, node), w: 64 });
      return { k: "reg", reg: dst, t: { ...lt, role: "data" }, owned: true };
    }
    if (!isScalar(lt) || !isScalar(rt)) {
      return this.fail(Codes.UnsupportedType, `Arithmetic needs integers, not ${typeToString(isScalar(lt) ? rt : lt)}.`, node);
    }
    const shift = op === "shl" || op === "shr";
    const t = shift ? promote(lt) : usualArithmetic(lt, rt);
    const a = this.convert(l, t, node, true);
    const bb = this.convert(r, shift ? promote(rt) : t, node, true);
    if (a.k === "imm" && bb.k === "imm") {
      const folded = foldArith(op, a.value, bb.value, t);
      if (folded !== undefined) return { k: "imm", value: folded, t };
    }
    const w = regWidth(t);
    const aluOp: AluOp = op === "div" ? (t.signed ? "sdiv" : "div") : op === "mod" ? (t.signed ? "smod" : "mod") :
      op === "shl" ? "lsh" : op === "shr" ? (t.signed ? "arsh" : "rsh") : op;
    const dst = this.b.vreg();
    if (a.k === "imm") {
      // BPF ALU ops take the immediate second: load the first operand.
      this.b.emit({ op: "mov", dst, src: imm(a.value), w });
      this.b.emit({ op: "alu", alu: aluOp, dst, a: dst, b: this.operand(bb, node), w });
    } else {
      this.b.emit({ op: "alu", alu: aluOp, dst, a: this.inReg(a, node), b: this.operand(bb, node), w });
    }
    return { k: "reg", reg: dst, t, owned: true };
  }

  private prefix(e: import("ts-morph").PrefixUnaryExpression): Val {
    const op = e.getOperatorToken();
    if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) {
      return this.increment(e.getOperand(), op === SyntaxKind.PlusPlusToken, false, e);
    }
    if (op === SyntaxKind.ExclamationToken) return this.materialiseCond((t, f) => this.cond(e, t, f));
    const v = this.rvalue(e.getOperand());
    const t = this.typeOfVal(v);
    if (!isScalar(t)) return this.fail(Codes.UnsupportedType, "This operator needs an integer.", e);
    const pt = promote(t);
    const cv = this.convert(v, pt, e);
    if (op === SyntaxKind.PlusToken) return cv;
    if (cv.k === "imm") {
      return { k: "imm", value: wrap(op === SyntaxKind.MinusToken ? -cv.value : ~cv.value, pt), t: pt };
    }
    const dst = this.b.vreg();
    const src = this.inReg(cv, e);
    if (op === SyntaxKind.MinusToken) this.b.emit({ op: "neg", dst, a: src, w: regWidth(pt) });
    else if (op === SyntaxKind.TildeToken) this.b.emit({ op: "alu", alu: "xor", dst, a: src, b: imm(-1), w: regWidth(pt) });
    else return this.fail(Codes.UnsupportedSyntax, "Unsupported operator.", e);
    return { k: "reg", reg: dst, t: pt, owned: true };
  }

  private increment(target: Expression, up: boolean, postfix: boolean, node: Node): Val {
    const lv = this.lvalue(target);
    if (!isScalar(lv.t)) this.fail(Codes.UnsupportedType, "++/-- need an integer.", node);
    const old = this.load(lv, target);
    let saved: Val = old;
    if (postfix && old.k === "reg" && !old.owned) {
      const r = this.b.vreg();
      this.b.emit({ op: "mov", dst: r, src: reg(old.reg), w: regWidth(lv.t) });
      saved = { k: "reg", reg: r, t: lv.t, owned: true };
    }
    const next = this.arith(up ? "add" : "sub", saved, { k: "imm", value: 1n, t: I32 }, node);
    const stored = this.store(lv, this.convert(next, lv.t, node, true), node);
    return postfix ? saved : stored;
  }

  private conditional(e: import("ts-morph").ConditionalExpression): Val {
    const t = this.b.newBlock(), f = this.b.newBlock(), join = this.b.newBlock();
    this.cond(e.getCondition(), t, f);
    this.b.setBlock(t);
    const tv = this.rvalue(e.getWhenTrue());
    const tBlock = this.b.block;
    this.b.setBlock(f);
    const fv = this.rvalue(e.getWhenFalse());
    const tt = this.typeOfVal(tv), ft = this.typeOfVal(fv);
    const rt: Type = isScalar(tt) && isScalar(ft) ? usualArithmetic(tt, ft) : tt.kind === "null" ? ft : tt;
    if (!isScalar(rt) && rt.kind !== "ptr" && rt.kind !== "opaque") {
      this.fail(Codes.UnsupportedType, "A conditional expression must give integers or pointers.", e);
    }
    const r = this.b.vreg();
    const w = regWidth(rt);
    this.b.emit({ op: "mov", dst: r, src: this.operand(this.convert(fv, rt, e.getWhenFalse()), e), w });
    this.b.jump(join);
    this.b.setBlock(tBlock);
    this.b.emit({ op: "mov", dst: r, src: this.operand(this.convert(tv, rt, e.getWhenTrue()), e), w });
    this.b.jump(join);
    this.b.setBlock(join);
    return { k: "reg", reg: r, t: rt, owned: true };
  }

  // ---------------------------------------------------------------- calls

  private call(e: import("ts-morph").CallExpression): Val {
    const callee = e.getExpression();
    if (Node.isPropertyAccessExpression(callee)) {
      const recv = this.expr(callee.getExpression());
      return lowerMethodCall(this, recv, callee.getName(), e);
    }
    const name = builtinName(callee);
    if (name !== undefined) return lowerBuiltinCall(this, name, e);
    const fv = this.expr(callee);
    if (fv.k === "kfunc") return this.callKfunc(fv, e);
    if (fv.k !== "func") return this.fail(Codes.InvalidOperation, "Only module-level functions can be called.", callee);
    return this.callFunction(fv.decl, fv.t, e);
  }

  /** A call to a kfunc declared with kfunc<…>(): structs go by reference, as the prototype's pointers. */
  private callKfunc(k: Val & { k: "kfunc" }, e: import("ts-morph").CallExpression): Val {
    const args = e.getArguments() as Expression[];
    if (args.length !== k.t.params.length) this.fail(Codes.BadArgument, `${k.name} takes ${k.t.params.length} arguments.`, e);
    const ops = args.map((a, i) => this.operand(this.convert(this.rvalue(a), k.t.params[i]!, a), a));
    this.mod.requireKfunc(k.name, k.t, k.weak);
    this.at(e);
    const dst = k.t.ret.kind === "void" ? undefined : this.b.vreg();
    this.b.emit({ op: "call", target: { kind: "kfunc", name: k.name }, args: ops, dst });
    if (dst === undefined) return { k: "void" };
    const r = k.t.ret;
    if (r.kind === "struct" || r.kind === "array") return { k: "ref", base: { kind: "reg", reg: dst }, off: 0, t: r };
    return { k: "reg", reg: dst, t: r, owned: true };
  }

  /** A call to a module-level function: inlined when it takes maps or callbacks, else a BPF-to-BPF call. */
  private callFunction(decl: FunctionDeclaration, t: FuncType, e: import("ts-morph").CallExpression): Val {
    const args = e.getArguments() as Expression[];
    const params = decl.getParameters();
    if (args.length !== params.length) this.fail(Codes.BadArgument, `Expected ${params.length} arguments.`, e);
    const argVals = args.map((a, i) => this.convert(this.rvalue(a), t.params[i]!, a));
    const mustInline = t.params.some((p) => p.kind === "map" || p.kind === "func" || p.kind === "struct" || p.kind === "array");
    if (!mustInline && !shouldInline(decl)) {
      const name = this.mod.requireSubprogram(decl);
      const dst = t.ret.kind === "void" ? undefined : this.b.vreg();
      this.at(e);
      this.b.emit({ op: "call", target: { kind: "local", name }, args: argVals.map((v, i) => this.operand(v, args[i]!)), dst });
      return dst === undefined ? { k: "void" } : { k: "reg", reg: dst, t: t.ret, owned: true };
    }
    if (this.inlines.some((i) => i.decl === decl)) {
      this.fail(Codes.Recursion, `'${decl.getName()}' calls itself: recursion is not possible in BPF.`, e);
    }
    const saved = this.scopes;
    const exit = this.b.newBlock();
    const inl: Inline = { decl, ret: t.ret, exit };
    this.scopes = [new Map()];
    this.inlines.push(inl);
    try {
      params.forEach((p, i) => {
        const v = argVals[i]!;
        if (v.k === "reg" && (!v.owned || this.isReassigned(p))) {
          const r = this.b.vreg();
          this.b.emit({ op: "mov", dst: r, src: reg(v.reg), w: regWidth(t.params[i]!) });
          this.bind(p, { k: "var", reg: r, t: t.params[i]! });
        } else if (v.k === "imm" && this.isReassigned(p)) {
          const r = this.b.vreg();
          this.b.emit({ op: "mov", dst: r, src: imm(v.value), w: regWidth(t.params[i]!) });
          this.bind(p, { k: "var", reg: r, t: t.params[i]! });
        } else this.bind(p, { k: "val", val: v });
      });
      const body = decl.getBodyOrThrow();
      if (Node.isBlock(body)) this.statements(body.getStatements());
      if (!this.b.terminated) {
        if (t.ret.kind !== "void") this.fail(Codes.MissingReturn, "This function must return a value on every path.", decl);
        this.b.jump(exit);
      }
    } finally {
      this.inlines.pop();
      this.scopes = saved;
    }
    this.b.setBlock(exit);
    this.at(e);
    if (t.ret.kind === "void") return { k: "void" };
    if (inl.result === undefined) {
      // No return reached the exit: the code after the call is unreachable.
      this.b.terminate({ op: "ret", value: imm(0), w: 64 });
      return { k: "imm", value: 0n, t: t.ret.kind === "int" ? t.ret : I32 };
    }
    return { k: "reg", reg: inl.result, t: t.ret, owned: true };
  }
}

/**
 * The inlining heuristic for ordinary functions (those taking maps or callbacks are
 * always inlined): small, loop-free bodies are inlined, as clang does with static
 * functions at -O2; the rest become BPF-to-BPF calls. JSDoc `@inline` / `@noinline`
 * override it, like C's `__always_inline` / `__noinline`.
 */
export function shouldInline(decl: FunctionDeclaration): boolean {
  const tags = decl.getJsDocs().flatMap((d) => d.getTags().map((t) => t.getTagName()));
  if (tags.includes("noinline")) return false;
  if (tags.includes("inline")) return true;
  const body = decl.getBody();
  if (!body) return false;
  const loops = body.getDescendants().some((n) =>
    Node.isForStatement(n) || Node.isWhileStatement(n) || Node.isDoStatement(n));
  const statements = body.getDescendants().filter((n) => Node.isStatement(n) && !Node.isBlock(n)).length;
  if (!loops && statements <= 8) return true;
  // A function called from one place only is inlined whatever its size, as clang does with static functions.
  const uses = nameUses(decl.getSourceFile());
  const name = decl.getName() ?? "";
  return (uses.calls.get(name) ?? 0) === 1 && (uses.values.get(name) ?? 0) === 0;
}

/**
 * How often each name is called (`name(…)`) and used otherwise (not as an
 * argument, not where a function declares it) in a file: counted once per file
 * text, not once per call site (which made big files quadratic).
 */
const nameUseCache = new WeakMap<SourceFile, { text: string; calls: Map<string, number>; values: Map<string, number> }>();
function nameUses(sf: SourceFile) {
  const text = sf.getFullText();
  const hit = nameUseCache.get(sf);
  if (hit?.text === text) return hit;
  const calls = new Map<string, number>(), values = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const id of sf.getDescendantsOfKind(SyntaxKind.Identifier)) {
    const p = id.getParent();
    if (Node.isCallExpression(p)) {
      if (p.getExpression() === id) bump(calls, id.getText());
    } else if (!(Node.isFunctionDeclaration(p) && p.getNameNode() === id)) bump(values, id.getText());
  }
  const entry = { text, calls, values };
  nameUseCache.set(sf, entry);
  return entry;
}

function retype(v: Val, t: Type): Val {
  if (v.k === "reg") return { ...v, t };
  return v;
}

function unparen(e: Expression): Expression {
  while (Node.isParenthesizedExpression(e)) e = e.getExpression();
  return e;
}

function isAssignmentOperator(k: SyntaxKind): boolean {
  return k === SyntaxKind.EqualsToken || COMPOUND[k] !== undefined;
}

type Arith = "add" | "sub" | "mul" | "div" | "mod" | "or" | "and" | "xor" | "shl" | "shr";

/** Loops with at most this many iterations, and this many statements once copied, are unrolled. */
const MAX_UNROLL = 16;
const UNROLL_BUDGET = 48;

/** The constant step of a counted loop's incrementor (`i++`, `--i`, `i += 2`), if it is one. */
function counterStep(inc: Expression, name: string): bigint | undefined {
  const e = unparen(inc);
  if ((Node.isPostfixUnaryExpression(e) || Node.isPrefixUnaryExpression(e)) && e.getOperand().getText() === name) {
    if (e.getOperatorToken() === SyntaxKind.PlusPlusToken) return 1n;
    if (e.getOperatorToken() === SyntaxKind.MinusMinusToken) return -1n;
  }
  if (Node.isBinaryExpression(e) && e.getLeft().getText() === name && Node.isNumericLiteral(e.getRight())) {
    const k = BigInt(e.getRight().getText());
    if (e.getOperatorToken().getKind() === SyntaxKind.PlusEqualsToken) return k;
    if (e.getOperatorToken().getKind() === SyntaxKind.MinusEqualsToken) return -k;
  }
  return undefined;
}
type Cmp = "eq" | "ne" | "lt" | "le" | "gt" | "ge";

const ARITH: Partial<Record<SyntaxKind, Arith>> = {
  [SyntaxKind.PlusToken]: "add", [SyntaxKind.MinusToken]: "sub", [SyntaxKind.AsteriskToken]: "mul",
  [SyntaxKind.SlashToken]: "div", [SyntaxKind.PercentToken]: "mod", [SyntaxKind.BarToken]: "or",
  [SyntaxKind.AmpersandToken]: "and", [SyntaxKind.CaretToken]: "xor", [SyntaxKind.LessThanLessThanToken]: "shl",
  [SyntaxKind.GreaterThanGreaterThanToken]: "shr",
};

const COMPOUND: Partial<Record<SyntaxKind, Arith>> = {
  [SyntaxKind.PlusEqualsToken]: "add", [SyntaxKind.MinusEqualsToken]: "sub", [SyntaxKind.AsteriskEqualsToken]: "mul",
  [SyntaxKind.SlashEqualsToken]: "div", [SyntaxKind.PercentEqualsToken]: "mod", [SyntaxKind.BarEqualsToken]: "or",
  [SyntaxKind.AmpersandEqualsToken]: "and", [SyntaxKind.CaretEqualsToken]: "xor",
  [SyntaxKind.LessThanLessThanEqualsToken]: "shl", [SyntaxKind.GreaterThanGreaterThanEqualsToken]: "shr",
};

const COMPARISONS: Partial<Record<SyntaxKind, Cmp>> = {
  [SyntaxKind.EqualsEqualsEqualsToken]: "eq", [SyntaxKind.ExclamationEqualsEqualsToken]: "ne",
  [SyntaxKind.LessThanToken]: "lt", [SyntaxKind.LessThanEqualsToken]: "le",
  [SyntaxKind.GreaterThanToken]: "gt", [SyntaxKind.GreaterThanEqualsToken]: "ge",
};

function toCmpOp(c: Cmp, signed: boolean): CmpOp {
  if (c === "eq" || c === "ne") return c;
  return (signed ? `s${c}` : c) as CmpOp;
}

function swapCmp(c: CmpOp): CmpOp {
  const m: Record<string, CmpOp> = { gt: "lt", lt: "gt", ge: "le", le: "ge", sgt: "slt", slt: "sgt", sge: "sle", sle: "sge" };
  return m[c] ?? c;
}

function evalCmp(c: Cmp, a: bigint, b: bigint, _t: IntType): boolean {
  // Immediates are kept wrapped to their type, so signed and unsigned compare directly.
  switch (c) {
    case "eq": return a === b;
    case "ne": return a !== b;
    case "lt": return a < b;
    case "le": return a <= b;
    case "gt": return a > b;
    case "ge": return a >= b;
  }
}

function foldArith(op: Arith, a: bigint, b: bigint, t: IntType): bigint | undefined {
  const bits = BigInt(t.bits);
  switch (op) {
    case "add": return wrap(a + b, t);
    case "sub": return wrap(a - b, t);
    case "mul": return wrap(a * b, t);
    case "div": return b === 0n ? 0n : wrap(a / b, t); // BPF: x / 0 == 0
    case "mod": return b === 0n ? a : wrap(a % b, t); // BPF: x % 0 == x
    case "or": return wrap(a | b, t);
    case "and": return wrap(a & b, t);
    case "xor": return wrap(a ^ b, t);
    case "shl": return wrap(a << (b & (bits - 1n)), t);
    case "shr": return wrap(a >> (b & (bits - 1n)), t); // a is wrapped to its signedness: >> is arithmetic or logical accordingly
  }
}

export { I64, U32, U64, OPAQUE };
