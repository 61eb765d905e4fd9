/**
 * Checks of function declarations against the subset, made where a function is
 * declared (before any call site resolves its type), so each construct outside
 * the subset is reported at itself with its own code rather than as a side
 * effect elsewhere (a rest parameter's `T[]` type, a missing argument, …).
 */
import { Node } from "../frontend/ts-morph.js";
import type { ArrowFunction, FunctionDeclaration, FunctionExpression } from "ts-morph";
import { Codes, CompileError, diag } from "../diagnostics.js";
import { spanOf } from "./span.js";

function fail(code: string, message: string, node: Node): never {
  throw new CompileError(diag(code, message, spanOf(node)));
}

/** A module-level function: not async, not a generator, parameters in the subset. */
export function checkFunctionDeclaration(fn: FunctionDeclaration): void {
  if (fn.isAsync()) fail(Codes.Async, "async functions do not exist in BPF: a program runs to completion; use a plain function.", fn);
  if (fn.isGenerator()) fail(Codes.Async, "Generators do not exist in BPF: return values one call at a time, or loop in the caller.", fn);
  checkParameters(fn);
}

/** Parameters are plain `name: T`: no rest, destructuring, optional, default or `this` parameters. */
export function checkParameters(fn: FunctionDeclaration | ArrowFunction | FunctionExpression): void {
  for (const p of fn.getParameters()) {
    const name = p.getNameNode();
    if (p.isRestParameter()) {
      fail(Codes.Spread, "Rest parameters collect a JavaScript array: declare each parameter (at most five), or pass a struct.", p);
    }
    if (!Node.isIdentifier(name)) {
      fail(Codes.Destructuring, "Destructuring parameters is not supported: take the struct and read its fields.", name);
    }
    if (p.getName() === "this") fail(Codes.ClassMember, "'this' parameters belong to methods, which BPF does not have: pass the struct as an ordinary parameter.", p);
    const q = p.getQuestionTokenNode();
    if (q) fail(Codes.OptionalParameter, "Optional parameters are not supported: every call passes every argument (use 0 or null for 'none').", q);
    const init = p.getInitializer();
    if (init) fail(Codes.OptionalParameter, "Default parameter values are not supported: pass the value at each call.", init);
  }
}

/** Module-level statements that are not declarations tsbpf knows: the specific reason, if there is one. */
export function unsupportedModuleStatement(s: Node): void {
  if (Node.isEnumDeclaration(s)) {
    fail(Codes.Enum, "Enums are JavaScript objects: declare the values as constants (`const A: u32 = 1;`), or as `declare const` in a .d.ts file to fold them.", s);
  }
  if (Node.isModuleDeclaration(s)) fail(Codes.Namespace, "Namespaces are not supported: declare everything at module level.", s);
  if (Node.isExportDeclaration(s) && s.getModuleSpecifier()) {
    fail(Codes.ModuleImport, "Re-exports from other modules are not supported: a program is one TypeScript file (plus declaration files).", s);
  }
}
