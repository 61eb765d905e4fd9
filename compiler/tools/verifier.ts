/**
 * `tsbpf verify`: turns a verifier rejection (libbpf's load log) into a
 * diagnostic at the source line of the failing instruction.
 *
 * The failing instruction is the one the error names ("back-edge from insn
 * 13", "infinite loop detected at insn 12") or else the last one the verifier
 * printed before its complaint. Its index counts the instructions of the
 * program as libbpf loaded it: the program's own, followed by the subprograms
 * it uses, appended depth-first in the order of their first call or reference
 * (libbpf's bpf_object__reloc_code). `programLayout` replays that to find the
 * instruction in the object, and `.BTF.ext` line_info gives its source line.
 */
import { decodeInsns, type BpfInsn } from "../bpf/insn.js";
import { BPF_CALL, BPF_CLASS, BPF_JMP, BPF_OP } from "../bpf/opcodes.js";
import { SHF_EXECINSTR, STT_FUNC, STT_SECTION } from "../elf/constants.js";
import type { ElfObject } from "../elf/reader.js";
import { lineAt, type LineRecord, type LineTable } from "./lineinfo.js";

/** Diagnostic code of a program the verifier rejected. */
export const VERIFIER_REJECTED = "TSBPF4001";
/** Diagnostic code of an object libbpf could not load for another reason (maps, BTF, relocations, permissions). */
export const LOAD_FAILED = "TSBPF4002";

export interface VerifierFailure {
  /** The program being loaded when it failed. */
  program?: string;
  /** The verifier's complaint (its first line; `details` has the rest). */
  message: string;
  details: string[];
  /** The failing instruction's index in the loaded program. */
  insn?: number;
  /** That instruction as the verifier printed it (`11: (3e) if w1 >= w2 goto pc+2`). */
  insnText?: string;
  /** The source line the kernel itself printed for it (from the same line_info), when it did. */
  kernelLine?: { text: string; file?: string; line?: number };
  /** The verifier log alone. */
  verifierLog: string;
  /** libbpf's own summary (`BPF program load failed: Permission denied`). */
  libbpfMessage?: string;
}

const INSN_LINE = /^(\d+): \([0-9a-f]{2}\)/;
const SOURCE_LINE = /^; (.*?)(?: @ (.+):(\d+))?$/;
/** Lines that follow the complaint but are not part of it. */
const TRAILER = /^(processed \d+ insns|verification time|stack depth|mark_read|max_states_per_insn|Func#|-- END)/;

/** Reads libbpf's output of a failed load. Undefined when it holds no program load log. */
export function parseLoadLog(log: string): VerifierFailure | undefined {
  const lines = log.split("\n");
  const begin = lines.findIndex((l) => /-- BEGIN PROG LOAD LOG --/.test(l));
  let program: string | undefined;
  let libbpfMessage: string | undefined;
  for (const l of lines) {
    const m = /prog '([^']+)': BPF program load failed: (.*)$/.exec(l);
    if (m) {
      program = m[1];
      libbpfMessage = `BPF program load failed: ${m[2]}`;
      break;
    }
  }
  if (begin < 0) return undefined;
  if (!program) program = /prog '([^']+)'/.exec(lines[begin]!)?.[1];
  let end = lines.findIndex((l, i) => i > begin && /-- END PROG LOAD LOG --/.test(l));
  if (end < 0) end = lines.length;
  const vlog = lines.slice(begin + 1, end).map((l) => l.replace(/\r$/, ""));

  // The last instruction printed, and the source line the kernel printed for it.
  let lastInsn = -1;
  for (let i = vlog.length - 1; i >= 0; i--) {
    if (INSN_LINE.test(vlog[i]!)) {
      lastInsn = i;
      break;
    }
  }
  const complaint: string[] = [];
  for (let i = lastInsn + 1; i < vlog.length; i++) {
    const l = vlog[i]!;
    if (TRAILER.test(l)) break;
    if (l.trim() === "" || l.startsWith("; ")) continue;
    complaint.push(l);
  }
  if (complaint.length === 0) {
    // Nothing after the last instruction (e.g. a log that only has the CFG check's error).
    const rest = vlog.filter((l) => l.trim() !== "" && !TRAILER.test(l) && !INSN_LINE.test(l) && !l.startsWith("; "));
    if (rest.length) complaint.push(rest[rest.length - 1]!);
  }
  const message = complaint[0] ?? libbpfMessage ?? "the verifier rejected the program";

  let insn: number | undefined;
  let insnText: string | undefined;
  const named = /\binsn (\d+)\b/.exec(message);
  if (named) insn = Number(named[1]);
  else if (lastInsn >= 0) {
    insnText = vlog[lastInsn]!.replace(/\s+;.*$/, "").trimEnd();
    insn = Number(INSN_LINE.exec(vlog[lastInsn]!)![1]);
  }
  let kernelLine: VerifierFailure["kernelLine"];
  if (insn !== undefined) {
    // The source line printed last before that instruction's first appearance from the end.
    let at = lastInsn;
    if (named) {
      for (let i = vlog.length - 1; i >= 0; i--) {
        const m = INSN_LINE.exec(vlog[i]!);
        if (m && Number(m[1]) === insn) {
          at = i;
          insnText = vlog[i]!.replace(/\s+;.*$/, "").trimEnd();
          break;
        }
      }
    }
    // The kernel prints a source line whenever it differs from the last one it printed,
    // so the last one before the instruction is the instruction's.
    for (let i = at - 1; i >= 0; i--) {
      const l = vlog[i]!;
      const m = l.startsWith("; ") ? SOURCE_LINE.exec(l) : null;
      if (m) {
        kernelLine = { text: m[1]!, file: m[2], line: m[3] ? Number(m[3]) : undefined };
        break;
      }
    }
  }
  return { program, message, details: complaint.slice(1), insn, insnText, kernelLine, verifierLog: vlog.join("\n"), libbpfMessage };
}

export interface HintRule {
  test: RegExp;
  hint: string;
}

/** Common rejections, explained in TypeScript terms. */
export const HINTS: HintRule[] = [
  {
    test: /invalid mem access '[a-z_]*or_null[a-z_]*'|_or_null[a-z_]*' expected|Possibly NULL pointer/,
    hint: "The value may be null here: check it first — `if (x === null) return …;` (or `if (!x)`) — before using it. TypeScript's narrowing then becomes the verifier's null check.",
  },
  {
    test: /invalid access to packet|offset is outside of the packet|cannot write into packet/,
    hint: "Packet access out of bounds: read packet bytes through `ctx.header<T>(offset)` and check the result against null (or compare `ctx.data + n > ctx.data_end` first), so the verifier sees the bound before the access.",
  },
  {
    test: /sequence of \d+ jumps is too complex|back-edge from insn|infinite loop detected|loop is not bounded/,
    hint: "The verifier cannot prove this loop ends: bound it by a constant the verifier can see (`for (let i: u32 = 0; i < 64 && i < n; i++)`), or run the body with `bpf_loop(n, callback, ctx)`.",
  },
  {
    test: /BPF program is too large|too many states|complexity limit/,
    hint: "The verifier explored too many paths (it walks every branch, up to 1M instructions): bound loops by small constants, move a loop body into a `bpf_loop` callback or a function marked `@noinline` (checked once), or split the work with tail calls.",
  },
  {
    test: /[Uu]nreleased reference/,
    hint: "A reference is not released on every path: after `reserve<T>()` succeeds, call `submit(record)` or `discard(record)` on each path (and release acquired kernel objects).",
  },
  {
    test: /invalid (indirect )?read from stack|uninitialized stack/,
    hint: "Stack memory is read before it is written: initialise the variable or struct (`zeroed<T>()`) on every path before using it or passing it to a helper.",
  },
  {
    test: /invalid access to map value|value is outside of the allowed memory range/,
    hint: "Access outside the map value: check a run-time index against the array's length (`if (i < N)`) before indexing, so the verifier can bound it.",
  },
  {
    test: /R0 !read_ok/,
    hint: "A program or callback path ends without a return value: return a value on every path.",
  },
  {
    test: /unknown func|program of this type cannot use helper|calling kernel function .* is not allowed/,
    hint: "This helper or kfunc is not available to this program type (the section chosen by the program's factory, e.g. `tc(…)`, `xdp(…)`): use another program type or another helper.",
  },
];

export function verifierHint(message: string, details: string[] = []): string | undefined {
  const text = [message, ...details].join("\n");
  return HINTS.find((h) => h.test.test(text))?.hint;
}

// ---------------------------------------------------------------------------
// Where an instruction of a loaded program comes from.

export interface InsnOrigin {
  /** The ELF section holding it. */
  section: string;
  /** Its index within that section. */
  sectionInsn: number;
  /** The function (program or subprogram) it belongs to. */
  func: string;
}

interface Func {
  name: string;
  section: string;
  /** First instruction and count, in the section. */
  start: number;
  count: number;
}

const BPF_PSEUDO_CALL = 1;
const BPF_PSEUDO_FUNC = 4;

/**
 * The loaded program `program` as libbpf lays it out: its instructions, then
 * every subprogram it calls or references, appended depth-first in order of
 * first use. Returns a function from a loaded instruction index to its origin.
 */
export function programLayout(elf: ElfObject, program: string): ((insn: number) => InsnOrigin | undefined) | undefined {
  const exec = new Map(elf.sections.filter((s) => (s.flags & SHF_EXECINSTR) !== 0).map((s) => [s.name, s]));
  const insnsOf = new Map<string, BpfInsn[]>();
  const sectionInsns = (name: string): BpfInsn[] => {
    let v = insnsOf.get(name);
    if (!v) {
      const data = exec.get(name)!.data;
      v = decodeInsns(data.subarray(0, data.length - (data.length % 8)));
      insnsOf.set(name, v);
    }
    return v;
  };
  const funcs: Func[] = elf.symbols
    .filter((s) => s.type === STT_FUNC && s.section !== undefined && exec.has(s.section))
    .map((s) => ({ name: s.name, section: s.section!, start: s.value / 8, count: s.size / 8 }));
  const main = funcs.find((f) => f.name === program && f.section !== ".text") ?? funcs.find((f) => f.name === program);
  if (!main) return undefined;
  const relocAt = new Map<string, { symbol: string; sectionSymbol: boolean; symbolIndex: number }>();
  for (const r of elf.relocations) relocAt.set(`${r.section}:${r.offset / 8}`, r);
  const funcAt = (section: string, insn: number): Func | undefined =>
    funcs.find((f) => f.section === section && insn >= f.start && insn < f.start + Math.max(f.count, 1));

  // Segments of the loaded program: [loaded offset, function].
  const placed: { at: number; func: Func }[] = [{ at: 0, func: main }];
  const placedByName = new Map<string, number>([[main.name + "@" + main.section, 0]]);
  let total = main.count;
  const visit = (f: Func): void => {
    const insns = sectionInsns(f.section);
    for (let k = 0; k < f.count; k++) {
      const idx = f.start + k;
      const i = insns[idx];
      if (!i) break;
      const rel = relocAt.get(`${f.section}:${idx}`);
      const relSym = rel ? elf.symbols.find((s) => s.index === rel.symbolIndex) : undefined;
      const isCall = BPF_CLASS(i.code) === BPF_JMP && BPF_OP(i.code) === BPF_CALL && i.src_reg === BPF_PSEUDO_CALL;
      // A subprogram's address: an ld_imm64 relocated against code (libbpf makes it BPF_PSEUDO_FUNC).
      const isFuncRef = i.code === 0x18 && (relSym ? relSym.section !== undefined && exec.has(relSym.section) : i.src_reg === BPF_PSEUDO_FUNC);
      if (!isCall && !isFuncRef) continue;
      let targetSection = f.section;
      let target: number;
      if (relSym) {
        targetSection = relSym.section ?? ".text";
        const symOff = relSym.type !== STT_SECTION ? relSym.value : 0;
        target = isFuncRef ? (symOff + i.imm) / 8 : symOff / 8 + i.imm + 1;
      } else {
        target = idx + i.imm + 1;
      }
      const sub = funcAt(targetSection, target);
      if (!sub) continue;
      const key = sub.name + "@" + sub.section;
      if (placedByName.has(key)) continue;
      placedByName.set(key, total);
      placed.push({ at: total, func: sub });
      total += sub.count;
      visit(sub);
    }
  };
  visit(main);
  return (insn: number) => {
    for (let p = placed.length - 1; p >= 0; p--) {
      const seg = placed[p]!;
      if (insn >= seg.at && insn < seg.at + seg.func.count) {
        return { section: seg.func.section, sectionInsn: seg.func.start + insn - seg.at, func: seg.func.name };
      }
    }
    return undefined;
  };
}

export interface FailureLocation extends InsnOrigin {
  line?: LineRecord;
}

/** The source line of instruction `insn` of the loaded program `program`. */
export function locateInsn(elf: ElfObject, lines: LineTable, program: string, insn: number): FailureLocation | undefined {
  const layout = programLayout(elf, program);
  const origin = layout?.(insn);
  if (!origin) return undefined;
  return { ...origin, line: lineAt(lines.get(origin.section), origin.sectionInsn) };
}
