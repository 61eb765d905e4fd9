/**
 * Expressions and operators outside the subset, each reported with its own code
 * and a message that says what to write instead (docs/language.md's table).
 * The lowering calls these where it meets a construct it does not lower.
 */
import { Node, SyntaxKind } from "../frontend/ts-morph.js";
import type { BinaryExpression, Expression } from "ts-morph";
import { Codes } from "../diagnostics.js";
import type { FunctionLowerer } from "./function.js";

/** `a?.b`, `a?.[i]`, `f?.()` anywhere in an access chain. */
export function rejectOptionalChain(fl: FunctionLowerer, e: Expression): void {
  if ((Node.isPropertyAccessExpression(e) || Node.isElementAccessExpression(e) || Node.isCallExpression(e)) && e.hasQuestionDotToken()) {
    fl.fail(Codes.OptionalChaining, "Optional chaining ('?.') gives undefined, which BPF does not have: test the pointer first (`if (v !== null) … v.value`).", e);
  }
  if (Node.isCallExpression(e)) {
    const callee = e.getExpression();
    if ((Node.isPropertyAccessExpression(callee) || Node.isElementAccessExpression(callee)) && callee.hasQuestionDotToken()) {
      rejectOptionalChain(fl, callee);
    }
  }
}

/** An expression kind the lowering has no case for. Returns only when it has no specific code. */
export function unsupportedExpression(fl: FunctionLowerer, e: Expression): void {
  if (Node.isAwaitExpression(e) || Node.isYieldExpression(e)) {
    fl.fail(Codes.Async, "async/await and generators do not exist in BPF: a program runs to completion.", e);
  }
  if (Node.isObjectLiteralExpression(e)) {
    fl.fail(Codes.ObjectLiteral, "Object literals are JavaScript values: use zeroed<T>() and assign the fields (they are allowed only as map and kfunc options).", e);
  }
  if (Node.isArrayLiteralExpression(e)) {
    fl.fail(Codes.JsArray, "JavaScript arrays do not exist in BPF: use zeroed<FixedArray<T, N>>() and assign the elements.", e);
  }
  if (Node.isNewExpression(e)) {
    fl.fail(Codes.NewExpression, "'new' creates maps only, in a module-level declaration (`const m = new HashMap<K, V>({ maxEntries: 64 })`); use zeroed<T>() for structs.", e);
  }
  if (Node.isAsExpression(e) || Node.isTypeAssertion(e) || Node.isSatisfiesExpression(e)) {
    fl.fail(Codes.TypeAssertion, "Type assertions do not convert values: use a conversion such as u32(x).", e);
  }
  if (Node.isSpreadElement(e)) fl.fail(Codes.Spread, "Spread copies JavaScript arrays and objects: pass each argument, or copy a struct by assignment.", e);
  if (Node.isDeleteExpression(e)) {
    fl.fail(Codes.Delete, "'delete' removes JavaScript properties: a struct's fields always exist; set the field to 0 (or delete a map entry with m.delete(key)).", e);
  }
  if (Node.isTypeOfExpression(e)) {
    fl.fail(Codes.RuntimeTypeTest, "'typeof' at run time needs JavaScript's type tags: every value's C type is known at compile time.", e);
  }
  if (Node.isRegularExpressionLiteral(e)) {
    fl.fail(Codes.RegExp, "Regular expressions do not exist in BPF: compare bytes in a bounded loop.", e);
  }
  if (Node.isTaggedTemplateExpression(e)) {
    fl.fail(Codes.RuntimeString, "Tagged templates build run-time strings, which BPF does not have: pass a literal format to bpf_printk.", e);
  }
  if (Node.isVoidExpression(e)) fl.fail(Codes.JsOperator, "'void' is not supported: evaluate the expression as a statement.", e);
  if (e.getKind() === SyntaxKind.ThisKeyword) fl.fail(Codes.ClassMember, "'this' belongs to methods, which BPF does not have: pass the struct as a parameter.", e);
  if (Node.isClassExpression(e)) fl.fail(Codes.LocalDeclaration, "Declare types at module level.", e);
}

const JS_OPERATORS: Partial<Record<SyntaxKind, string>> = {
  [SyntaxKind.EqualsEqualsToken]: "'==' converts its operands as JavaScript does: use ===.",
  [SyntaxKind.ExclamationEqualsToken]: "'!=' converts its operands as JavaScript does: use !==.",
  [SyntaxKind.AsteriskAsteriskToken]: "'**' is not supported: multiply (or shift, for powers of two).",
  [SyntaxKind.AsteriskAsteriskEqualsToken]: "'**=' is not supported: multiply (or shift, for powers of two).",
  [SyntaxKind.GreaterThanGreaterThanGreaterThanToken]: "'>>>' is not supported: '>>' on an unsigned type (u32(x) >> n) is a logical shift, as in C.",
  [SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken]: "'>>>=' is not supported: '>>=' on an unsigned variable is a logical shift, as in C.",
  [SyntaxKind.AmpersandAmpersandEqualsToken]: "'&&=' is not supported: write the assignment inside an if.",
  [SyntaxKind.BarBarEqualsToken]: "'||=' is not supported: write the assignment inside an if.",
};

/** A binary operator outside the subset. Returns when the operator is not one of these. */
export function unsupportedOperator(fl: FunctionLowerer, e: BinaryExpression): void {
  const tok = e.getOperatorToken();
  const op = tok.getKind();
  if (op === SyntaxKind.QuestionQuestionToken || op === SyntaxKind.QuestionQuestionEqualsToken) {
    fl.fail(Codes.OptionalChaining, `'${tok.getText()}' tests for undefined, which BPF does not have: compare with null (\`v !== null ? v.value : 0\`).`, tok);
  }
  if (op === SyntaxKind.InstanceOfKeyword || op === SyntaxKind.InKeyword) {
    fl.fail(Codes.RuntimeTypeTest, `'${tok.getText()}' tests JavaScript objects at run time: every value's C type is known at compile time.`, tok);
  }
  const js = JS_OPERATORS[op];
  if (js) fl.fail(Codes.JsOperator, js, tok);
}
