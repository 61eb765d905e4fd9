// Test-case reduction: shrink a failing program (drop statements, unwrap
// control flow, simplify expressions, drop globals/helpers/fields) while its
// outcome keeps the same signature. Every candidate must still pass the
// undefined-behaviour checker, so the reduced C is as trustworthy as the
// original.

import { Unsafe, checkProgram, walkExpr, type Expr, type Program, type Stmt } from "./ast.js";
import type { Outcome } from "./run.js";

type Path = (string | number)[];

export interface ReduceOptions {
  /** Stop after this many test runs (default 1500). */
  maxTests?: number;
  /** Stop after this long (default 120 s). */
  maxMs?: number;
  log?: (msg: string) => void;
  /** An extra validity check for candidates (e.g. stay within the enabled feature families). */
  valid?: (p: Program) => boolean;
}

export interface ReduceResult {
  program: Program;
  outcome: Outcome;
  tests: number;
  ms: number;
}

function getAt(root: unknown, path: Path): any {
  let n: any = root;
  for (const k of path) n = n[k];
  return n;
}

/** A clone of `p` with `fn` applied to the node at `path`'s parent container. */
function edit(p: Program, path: Path, fn: (parent: any, key: string | number) => void): Program {
  const q = structuredClone(p);
  const parent = getAt(q, path.slice(0, -1));
  fn(parent, path[path.length - 1]!);
  return q;
}

const EXPR_KEYS = new Set(["init", "e", "c", "l", "r", "a", "b", "idx", "args"]);

/** Paths of every expression slot, outermost first. */
function exprSlots(p: Program): Path[] {
  const out: Path[] = [];
  const visit = (node: unknown, path: Path, slot: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((x, i) => visit(x, [...path, i], slot));
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const o = node as Record<string, unknown>;
    if (typeof o.k === "string" && slot && o.k !== "sref") out.push(path);
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== "object" || v === null || k === "t" || k === "range") continue;
      visit(v, [...path, k], EXPR_KEYS.has(k));
    }
  };
  visit(p, [], false);
  return out;
}

/** Paths of every statement list. */
function stmtLists(p: Program): Path[] {
  const out: Path[] = [];
  const visitList = (list: Stmt[], path: Path): void => {
    out.push(path);
    list.forEach((s, i) => visitStmt(s, [...path, i]));
  };
  const visitStmt = (s: Stmt, path: Path): void => {
    switch (s.k) {
      case "if": visitList(s.then, [...path, "then"]); if (s.else) visitList(s.else, [...path, "else"]); break;
      case "for": case "while": case "block": visitList(s.body, [...path, "body"]); break;
      case "switch": s.cases.forEach((c, i) => visitList(c.body, [...path, "cases", i, "body"])); break;
      default: break;
    }
  };
  visitList(p.main, ["main"]);
  p.helpers.forEach((h, i) => visitList(h.body, ["helpers", i, "body"]));
  return out;
}

const isFnTop = (path: Path) => path.length === 1 || (path.length === 3 && path[0] === "helpers");

type Candidate = () => Program | null;

function stmtCandidates(p: Program): Candidate[] {
  const out: Candidate[] = [];
  for (const lp of stmtLists(p)) {
    const list = getAt(p, lp) as Stmt[];
    // keep a function's final return (TypeScript insists on it)
    const n = isFnTop(lp) && list[list.length - 1]?.k === "return" ? list.length - 1 : list.length;
    if (n === 0) continue;
    for (let size = n; size >= 1; size = Math.floor(size / 2)) {
      for (let start = 0; start + size <= n; start += size) {
        out.push(() => edit(p, lp, (parent, key) => { (parent[key] as Stmt[]).splice(start, size); }));
      }
      if (size === 1) break;
    }
  }
  return out;
}

function structureCandidates(p: Program): Candidate[] {
  const out: Candidate[] = [];
  for (const lp of stmtLists(p)) {
    const list = getAt(p, lp) as Stmt[];
    list.forEach((s, i) => {
      const splice = (body: Stmt[]) => () => edit(p, lp, (parent, key) => { (parent[key] as Stmt[]).splice(i, 1, ...structuredClone(body)); });
      switch (s.k) {
        case "if":
          out.push(splice(s.then));
          if (s.else) {
            out.push(splice(s.else));
            out.push(() => edit(p, [...lp, i], (parent, key) => { delete parent[key].else; }));
          }
          break;
        case "block":
          out.push(splice(s.body));
          break;
        case "for":
          if (s.step > 0n ? s.to - s.from > s.step : s.from - s.to > -s.step) {
            out.push(() => edit(p, [...lp, i], (parent, key) => { parent[key].to = parent[key].from + parent[key].step; }));
          }
          break;
        case "while":
          if (s.n > 1n) out.push(() => edit(p, [...lp, i], (parent, key) => { parent[key].n = 1n; }));
          break;
        case "switch":
          s.cases.forEach((c, ci) => {
            out.push(splice(c.body));
            if (s.cases.length > 1) out.push(() => edit(p, [...lp, i], (parent, key) => { parent[key].cases.splice(ci, 1); }));
            if (!c.brk) out.push(() => edit(p, [...lp, i], (parent, key) => { parent[key].cases[ci].brk = true; }));
          });
          break;
        default:
          break;
      }
    });
  }
  return out;
}

const LIT0: Expr = { k: "lit", v: 0n, spell: "dec" };
const LIT1: Expr = { k: "lit", v: 1n, spell: "dec" };

function exprCandidates(p: Program): Candidate[] {
  const out: Candidate[] = [];
  for (const path of exprSlots(p)) {
    const e = getAt(p, path) as Expr;
    const repl: Expr[] = [];
    switch (e.k) {
      case "bin": repl.push(e.l, e.r); break;
      case "un": case "cast": repl.push(e.e); break;
      case "cond": repl.push(e.a, e.b); break;
      case "call": for (const a of e.args) if (a.k !== "sref") repl.push(a); break;
      default: break;
    }
    if (!(e.k === "lit" && e.v <= 1n)) repl.push(LIT0, LIT1);
    if (e.k === "lit" && e.v > 1n && e.spell !== "dec") repl.push({ k: "lit", v: e.v, spell: "dec" });
    for (const r of repl) out.push(() => edit(p, path, (parent, key) => { parent[key] = structuredClone(r); }));
  }
  return out;
}

function mentions(p: unknown, name: string): boolean {
  let found = false;
  walkExpr(p, (n) => {
    if ((n.k === "var" || n.k === "sref") && n.name === name) found = true;
    if ((n.k === "field" || n.k === "index") && n.base === name) found = true;
    if (n.k === "call" && n.fn === name) found = true;
  });
  if (!found) {
    // struct types by name
    const s = JSON.stringify(p, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    if (s.includes(`"st":"${name}"`)) found = true;
  }
  return found;
}

function declCandidates(p: Program): Candidate[] {
  const out: Candidate[] = [];
  const body = { helpers: p.helpers, main: p.main };
  p.globals.forEach((g, i) => {
    if (!mentions(body, g.name)) out.push(() => edit(p, ["globals", i], (parent, key) => { parent.splice(key, 1); }));
    else if (g.init !== 0n) out.push(() => edit(p, ["globals", i], (parent, key) => { parent[key].init = 0n; parent[key].spell = "dec"; }));
  });
  p.helpers.forEach((h, i) => {
    if (!mentions({ helpers: p.helpers.filter((x) => x !== h), main: p.main }, h.name)) {
      out.push(() => edit(p, ["helpers", i], (parent, key) => { parent.splice(key, 1); }));
    }
    h.params.forEach((_q, pi) => {
      out.push(() => {
        const q = structuredClone(p);
        q.helpers[i]!.params.splice(pi, 1);
        walkExpr([q.helpers, q.main], (n) => { if (n.k === "call" && n.fn === h.name) n.args.splice(pi, 1); });
        return q;
      });
    });
    if (h.noinline) out.push(() => edit(p, ["helpers", i], (parent, key) => { parent[key].noinline = false; }));
  });
  p.structs.forEach((s, i) => {
    if (!mentions(body, s.name)) out.push(() => edit(p, ["structs", i], (parent, key) => { parent.splice(key, 1); }));
    s.fields.forEach((f, fi) => {
      let used = false;
      walkExpr(body, (n) => { if ((n.k === "field" || n.k === "index") && n.field === f.name) used = true; });
      if (!used) out.push(() => edit(p, ["structs", i, "fields", fi], (parent, key) => { parent.splice(key, 1); }));
      else if (f.len) out.push(() => edit(p, ["structs", i, "fields", fi], (parent, key) => { parent[key].len = undefined; }));
    });
  });
  return out;
}

const PASSES: [string, (p: Program) => Candidate[]][] = [
  ["statements", stmtCandidates],
  ["structure", structureCandidates],
  ["declarations", declCandidates],
  ["expressions", exprCandidates],
];

function valid(p: Program): boolean {
  try {
    checkProgram(p);
    return true;
  } catch (e) {
    if (e instanceof Unsafe) return false;
    throw e;
  }
}

/** Shrink `program` while `run` keeps giving an outcome with `target`'s signature. */
export async function reduce(
  program: Program,
  target: Outcome,
  run: (p: Program) => Promise<Outcome>,
  opts: ReduceOptions = {},
): Promise<ReduceResult> {
  const maxTests = opts.maxTests ?? 1500;
  const maxMs = opts.maxMs ?? 120_000;
  const t0 = performance.now();
  let tests = 0;
  let current = program;
  let outcome = target;
  const budgetLeft = () => tests < maxTests && performance.now() - t0 < maxMs;
  let changed = true;
  while (changed && budgetLeft()) {
    changed = false;
    for (const [name, pass] of PASSES) {
      let i = 0;
      let accepted = 0;
      for (;;) {
        if (!budgetLeft()) break;
        const cands = pass(current);
        if (i >= cands.length) break;
        const cand = cands[i]!();
        if (!cand || !valid(cand) || (opts.valid && !opts.valid(cand))) {
          i++;
          continue;
        }
        tests++;
        const o = await run(cand);
        if (o.signature === target.signature) {
          current = cand;
          outcome = o;
          changed = true;
          accepted++;
          // the list shifted: the same index now names the next candidate
        } else {
          i++;
        }
      }
      opts.log?.(`reduce: ${name}: ${accepted} accepted (${tests} tests, ${Math.round(performance.now() - t0)} ms)`);
    }
  }
  return { program: current, outcome, tests, ms: performance.now() - t0 };
}
