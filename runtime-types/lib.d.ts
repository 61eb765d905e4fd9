/**
 * The only global declarations a tsbpf program sees when tsbpf compiles it (in
 * place of TypeScript's lib.*.d.ts): the interfaces the checker itself needs,
 * and nothing that runs in JavaScript — so `console`, `Math` or `JSON` are
 * reported as unknown names rather than compiled into something they are not.
 */
interface Array<T> { length: number; [n: number]: T }
interface ReadonlyArray<T> { readonly length: number; readonly [n: number]: T }
interface Boolean {}
interface Function {}
interface CallableFunction extends Function {}
interface NewableFunction extends Function {}
interface IArguments {}
interface Number {}
interface BigInt {}
interface Object {}
interface RegExp {}
interface String { readonly length: number }
interface Symbol {}
interface TemplateStringsArray extends ReadonlyArray<string> {}
interface PromiseLike<T> {}
interface Promise<T> {}
type Partial<T> = { [P in keyof T]?: T[P] };
type Readonly<T> = { readonly [P in keyof T]: T[P] };
type Record<K extends keyof any, T> = { [P in K]: T };
// Declared so that generators reach tsbpf's own diagnostic (TSBPF1102) rather than a missing-lib error.
interface Iterator<T, TReturn = any, TNext = any> {}
interface IterableIterator<T, TReturn = any, TNext = any> extends Iterator<T, TReturn, TNext> {}
interface Generator<T = unknown, TReturn = any, TNext = any> extends Iterator<T, TReturn, TNext> {}
interface IteratorResult<T, TReturn = any> {}
