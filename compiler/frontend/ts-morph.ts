/**
 * ts-morph, loaded with `require`. Node's ESM loader would first scan the
 * CommonJS module's text for its export names (cjs-module-lexer), which costs
 * a cold build ~70 ms; every value import of ts-morph comes through here
 * (type-only imports may name "ts-morph" directly). TypeScript's own 12 MB
 * of JavaScript comes from V8's code cache when it can (code-cache.ts).
 */
import { createRequire } from "node:module";
import type * as TsMorph from "ts-morph";
import { requireWithCodeCache } from "./code-cache.js";

const localRequire = createRequire(import.meta.url);
const tsMorph = requireWithCodeCache<typeof TsMorph>(localRequire, "ts-morph");

export const Node = tsMorph.Node;
export type Node<T extends TsMorph.ts.Node = TsMorph.ts.Node> = TsMorph.Node<T>;
export const SyntaxKind = tsMorph.SyntaxKind;
export type SyntaxKind = TsMorph.SyntaxKind;
export const Project = tsMorph.Project;
export type Project = TsMorph.Project;
export const ts = tsMorph.ts;
export type FileSystemHost = TsMorph.FileSystemHost;
/** ts-morph's own host on the real file system: the instance of @ts-morph/common that ts-morph itself loaded. */
export const RealFileSystemHost = (createRequire(localRequire.resolve("ts-morph"))("@ts-morph/common") as {
  RealFileSystemHost: new () => FileSystemHost;
}).RealFileSystemHost;
