import type { Node, SourceFile } from "ts-morph";
import type { Span } from "../diagnostics.js";
import type { Loc } from "../ir/ir.js";

/** The source span of a node, for diagnostics. */
export function spanOf(node: Node): Span {
  const sf = node.getSourceFile();
  return { file: sf.getFilePath(), text: sf.getFullText(), start: node.getStart(), length: node.getWidth() };
}

/** The source location of a node, for line_info; `file` is relative to the project root. */
export function locOf(node: Node, relFile: string): Loc {
  const sf = node.getSourceFile();
  // TypeScript's own line map is computed once per file (ts-morph's helper rescans from the start).
  const { line, character } = sf.compilerNode.getLineAndCharacterOfPosition(node.getStart());
  // Keyed by the compiler node: a refreshed ts-morph SourceFile keeps its wrapper but gets a new node.
  let lines = linesOf.get(sf.compilerNode);
  if (!lines) linesOf.set(sf.compilerNode, (lines = sf.getFullText().split("\n")));
  return { file: relFile, line: line + 1, col: character + 1, text: (lines[line] ?? "").replace(/\r$/, "") };
}

const linesOf = new WeakMap<SourceFile["compilerNode"], string[]>();
