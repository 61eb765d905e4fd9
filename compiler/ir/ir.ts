/**
 * The IR: functions of basic blocks over virtual registers (not SSA: a vreg may be
 * assigned more than once, as mutable locals are). Instructions mirror what BPF can
 * do in one or two machine instructions, so instruction selection stays 1:1 and
 * the optimiser reasons about the same operations the verifier will see.
 */

export type VReg = number;

/** A register or an immediate (a 64-bit value, two's complement). */
export type Operand = { kind: "reg"; reg: VReg } | { kind: "imm"; value: bigint };

export type Width = 32 | 64;
export type Size = 1 | 2 | 4 | 8;

export type AluOp = "add" | "sub" | "mul" | "div" | "sdiv" | "mod" | "smod" | "or" | "and" | "xor" | "lsh" | "rsh" | "arsh";
export type CmpOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le" | "sgt" | "sge" | "slt" | "sle" | "set";

/** A memory base: a pointer in a vreg, or a stack slot addressed from r10. */
export type Base = { kind: "reg"; reg: VReg } | { kind: "slot"; slot: number };

/** Source position carried into .BTF.ext line_info. */
export interface Loc { file: string; line: number; col: number; text: string }

export type CallTarget =
  | { kind: "helper"; id: number; name: string }
  | { kind: "kfunc"; name: string }
  | { kind: "local"; name: string };

/**
 * A CO-RE relocation carried by a load, a store or an `add` of an immediate
 * (clang's preserve_access_index): the access `root` (a struct/union id in the
 * kernel-type table of lowering, KernelBtf) and its raw access path (first 0,
 * then member and array indices, as in "0:12:3"), and the BPF_CORE_* kind.
 * The instruction's offset (or immediate) is the value for the build
 * machine's layout; libbpf rewrites it for the running kernel.
 */
export interface CoreAccess { root: number; access: number[]; kind: number }

export type Insn = (
  /** `nonnull`: the value is a pointer known not to be NULL (a bounds-checked packet pointer, a stack address). */
  | { op: "mov"; dst: VReg; src: Operand; w: Width; nonnull?: boolean }
  | { op: "alu"; alu: AluOp; dst: VReg; a: VReg; b: Operand; w: Width; core?: CoreAccess }
  | { op: "neg"; dst: VReg; a: VReg; w: Width }
  /** Sign-extend the low `from` bits of `src` to 64 bits (movsx), or to 32 when w is 32. */
  | { op: "sext"; dst: VReg; src: VReg; from: 8 | 16 | 32; w: Width }
  /** Zero-extend: keep the low `from` bits. */
  | { op: "zext"; dst: VReg; src: VReg; from: 8 | 16 | 32 }
  | { op: "bswap"; dst: VReg; src: VReg; bits: 16 | 32 | 64 }
  | { op: "load"; dst: VReg; base: Base; off: number; size: Size; signed: boolean; core?: CoreAccess }
  | { op: "store"; base: Base; off: number; src: Operand; size: Size; core?: CoreAccess }
  /** dst = address of a stack slot (r10 + offset, fixed by the frame layout). */
  | { op: "slotaddr"; dst: VReg; slot: number; off: number }
  /** dst = address of a map (ld_imm64 relocated to the map's symbol). */
  | { op: "ldmap"; dst: VReg; symbol: string }
  /** dst = address of a global variable in .bss/.data/.rodata. */
  | { op: "ldglobal"; dst: VReg; symbol: string }
  /** dst = address of a subprogram (ld_imm64 that libbpf turns into BPF_PSEUDO_FUNC). */
  | { op: "ldfunc"; dst: VReg; func: string }
  | { op: "call"; target: CallTarget; args: Operand[]; dst?: VReg }
) & { loc?: Loc };

export type Terminator = (
  | { op: "br"; cmp: CmpOp; a: VReg; b: Operand; w: Width; then: number; else: number }
  | { op: "jmp"; target: number }
  | { op: "ret"; value?: Operand; w: Width }
) & { loc?: Loc };

export interface Block { id: number; insns: Insn[]; term: Terminator }

export interface StackSlot { size: number; align: number }

export interface IrFunction {
  /** The symbol: a program's name, or a subprogram's. */
  name: string;
  /** Vregs holding the arguments on entry (r1…r5). */
  params: VReg[];
  blocks: Block[];
  entry: number;
  slots: StackSlot[];
  vregCount: number;
  loc?: Loc;
}

export const imm = (value: bigint | number): Operand => ({ kind: "imm", value: BigInt(value) });
export const reg = (r: VReg): Operand => ({ kind: "reg", reg: r });

/** Registers an instruction reads. */
export function uses(i: Insn | Terminator): VReg[] {
  const out: VReg[] = [];
  const op = (o: Operand | undefined) => { if (o && o.kind === "reg") out.push(o.reg); };
  const base = (b: Base) => { if (b.kind === "reg") out.push(b.reg); };
  switch (i.op) {
    case "mov": op(i.src); break;
    case "alu": out.push(i.a); op(i.b); break;
    case "neg": out.push(i.a); break;
    case "sext": case "zext": case "bswap": out.push(i.src); break;
    case "load": base(i.base); break;
    case "store": base(i.base); op(i.src); break;
    case "call": i.args.forEach(op); break;
    case "br": out.push(i.a); op(i.b); break;
    case "ret": op(i.value); break;
  }
  return out;
}

/** The instruction with its reads of register `from` made from `to`. */
export function substitute<T extends Insn | Terminator>(i: T, from: VReg, to: VReg): T {
  const op = (o: Operand) => (o.kind === "reg" && o.reg === from ? { kind: "reg" as const, reg: to } : o);
  const base = (b: Base) => (b.kind === "reg" && b.reg === from ? { kind: "reg" as const, reg: to } : b);
  const r = (x: VReg) => (x === from ? to : x);
  const c = { ...i } as Insn | Terminator;
  switch (c.op) {
    case "mov": c.src = op(c.src); break;
    case "alu": c.a = r(c.a); c.b = op(c.b); break;
    case "neg": c.a = r(c.a); break;
    case "sext": case "zext": case "bswap": c.src = r(c.src); break;
    case "load": c.base = base(c.base); break;
    case "store": c.base = base(c.base); c.src = op(c.src); break;
    case "call": c.args = c.args.map(op); break;
    case "br": c.a = r(c.a); c.b = op(c.b); break;
    case "ret": if (c.value) c.value = op(c.value); break;
  }
  return c as T;
}

/** The register an instruction writes, if any. */
export function def(i: Insn | Terminator): VReg | undefined {
  switch (i.op) {
    case "store": case "br": case "jmp": case "ret": return undefined;
    case "call": return i.dst;
    default: return i.dst;
  }
}

/** Whether an instruction leaves bits 32–63 of its result zero. */
export function clearsUpperHalf(i: Insn): boolean {
  switch (i.op) {
    case "alu": case "neg": return i.w === 32;
    case "mov": return i.w === 32 || (i.src.kind === "imm" && i.src.value >= 0n && i.src.value < 1n << 32n);
    case "sext": return i.w === 32;
    case "zext": case "bswap": return i.op === "zext" || i.bits !== 64;
    case "load": return i.size < 8 && !i.signed;
    default: return false;
  }
}

/**
 * Vregs every value of which has bits 32–63 zero: defined only by instructions
 * that clear them, and not a parameter (whose entry value comes from the caller).
 */
export function upperHalfClear(fn: IrFunction): Set<VReg> {
  const clear = new Map<VReg, boolean>();
  for (const b of fn.blocks) {
    for (const i of b.insns) {
      const d = def(i);
      if (d !== undefined) clear.set(d, (clear.get(d) ?? true) && clearsUpperHalf(i));
    }
  }
  for (const p of fn.params) clear.set(p, false);
  return new Set([...clear].filter(([, c]) => c).map(([v]) => v));
}

/** The comparison that holds exactly when `op` does not (none for `set`). */
export const INVERSE: Partial<Record<CmpOp, CmpOp>> = {
  eq: "ne", ne: "eq", gt: "le", le: "gt", ge: "lt", lt: "ge", sgt: "sle", sle: "sgt", sge: "slt", slt: "sge",
};

/** `a op b` as `b SWAPPED[op] a` (none for `set`). */
export const SWAPPED: Partial<Record<CmpOp, CmpOp>> = {
  eq: "eq", ne: "ne", gt: "lt", lt: "gt", ge: "le", le: "ge", sgt: "slt", slt: "sgt", sge: "sle", sle: "sge",
};

export function successors(t: Terminator): number[] {
  switch (t.op) {
    case "br": return t.then === t.else ? [t.then] : [t.then, t.else];
    case "jmp": return [t.target];
    case "ret": return [];
  }
}

/** Where each vreg is defined (parameters: by no instruction) and how often it is read. */
export interface DefUse {
  defs: Map<VReg, Insn[]>;
  useCount: Map<VReg, number>;
}

export function defUse(fn: IrFunction): DefUse {
  const defs = new Map<VReg, Insn[]>();
  const useCount = new Map<VReg, number>();
  for (const p of fn.params) defs.set(p, []); // defined on entry, by no instruction
  for (const b of fn.blocks) {
    for (const i of [...b.insns, b.term] as (Insn | Terminator)[]) {
      for (const u of uses(i)) useCount.set(u, (useCount.get(u) ?? 0) + 1);
      const d = def(i);
      if (d !== undefined && i.op !== "br" && i.op !== "jmp" && i.op !== "ret") {
        const list = defs.get(d) ?? [];
        list.push(i as Insn);
        defs.set(d, list);
      }
    }
  }
  return { defs, useCount };
}
