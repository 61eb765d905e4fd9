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
  const { line, column } = sf.getLineAndColumnAtPos(node.getStart());
  let lines = linesOf.get(sf);
  if (!lines) linesOf.set(sf, (lines = sf.getFullText().split("\n")));
  return { file: relFile, line, col: column, text: (lines[line - 1] ?? "").replace(/\r$/, "") };
}

const linesOf = new WeakMap<SourceFile, string[]>();
