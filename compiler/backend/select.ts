/**
 * Instruction selection: an allocated IrFunction → BPF instructions, with the
 * relocations the object writer turns into ELF relocations and the line table
 * that becomes .BTF.ext line_info. Jumps are fixed up once every block's start
 * is known.
 */
import * as op from "../bpf/opcodes.js";
import * as asm from "../bpf/asm.js";
import type { BpfInsn } from "../bpf/insn.js";
import { Codes, CompileError, diag } from "../diagnostics.js";
import { INVERSE, upperHalfClear, type AluOp, type Base, type CmpOp, type CoreAccess, type Insn, type IrFunction, type Loc, type Operand, type Terminator, type Width } from "../ir/ir.js";
import { layoutFrame, MAX_STACK, type Frame } from "./frame.js";
import { legalize } from "./legalize.js";
import { allocate, linearOrder, type PhysReg } from "./regalloc.js";

export type RelocKind =
  /** ld_imm64 of a map: R_BPF_64_64 against the map's symbol. */
  | "map"
  /** ld_imm64 of a global variable: R_BPF_64_64 against its symbol. */
  | "global"
  /** ld_imm64 of a subprogram's address: R_BPF_64_64 against .text, imm = byte offset. */
  | "func"
  /** BPF-to-BPF call: R_BPF_64_32 against .text, imm = insn offset - 1. */
  | "call"
  /** Call to an extern kfunc: R_BPF_64_32 against its undefined symbol. */
  | "kfunc"
  /** A CO-RE relocation (a .BTF.ext core_relo record, no ELF relocation); `core` says which. */
  | "core";

export interface MachineReloc { insn: number; kind: RelocKind; symbol: string; core?: CoreAccess }
export interface LineEntry { insn: number; loc: Loc }

export interface MachineFunction {
  name: string;
  insns: BpfInsn[];
  relocs: MachineReloc[];
  lines: LineEntry[];
  stackSize: number;
}

const ALU: Record<AluOp, { code: number; off?: number }> = {
  add: { code: op.BPF_ADD }, sub: { code: op.BPF_SUB }, mul: { code: op.BPF_MUL },
  div: { code: op.BPF_DIV }, sdiv: { code: op.BPF_DIV, off: 1 },
  mod: { code: op.BPF_MOD }, smod: { code: op.BPF_MOD, off: 1 },
  or: { code: op.BPF_OR }, and: { code: op.BPF_AND }, xor: { code: op.BPF_XOR },
  lsh: { code: op.BPF_LSH }, rsh: { code: op.BPF_RSH }, arsh: { code: op.BPF_ARSH },
};

const JMP: Record<CmpOp, number> = {
  eq: op.BPF_JEQ, ne: op.BPF_JNE, gt: op.BPF_JGT, ge: op.BPF_JGE, lt: op.BPF_JLT, le: op.BPF_JLE,
  sgt: op.BPF_JSGT, sge: op.BPF_JSGE, slt: op.BPF_JSLT, sle: op.BPF_JSLE, set: op.BPF_JSET,
};

const SIZE = { 1: op.BPF_B, 2: op.BPF_H, 4: op.BPF_W, 8: op.BPF_DW } as const;

export function selectFunction(fn0: IrFunction): MachineFunction {
  const fn = legalize(fn0);
  const order = linearOrder(fn);
  const { regs } = allocate(fn, order);
  const frame = layoutFrame(fn);
  if (frame.size > MAX_STACK) {
    const loc = fn.loc;
    throw new CompileError(diag(Codes.StackTooLarge,
      `'${fn.name}' needs ${frame.size} bytes of stack; BPF allows ${MAX_STACK}. Move large structs into a map (e.g. a per-CPU array).`,
      loc ? undefined : undefined));
  }
  return new Selector(fn, order, regs, frame).run();
}

class Selector {
  private out: BpfInsn[] = [];
  private relocs: MachineReloc[] = [];
  private lines: LineEntry[] = [];
  private blockStart = new Map<number, number>();
  private fixups: { insn: number; block: number }[] = [];
  private lastLoc: Loc | undefined;

  constructor(
    private readonly fn: IrFunction,
    private readonly order: number[],
    private readonly regs: Map<number, PhysReg>,
    private readonly frame: Frame,
  ) {}

  private clear: Set<number> | undefined;

  /** Whether every definition of v leaves its upper 32 bits zero. */
  private upperClear(v: number): boolean {
    this.clear ??= upperHalfClear(this.fn);
    return this.clear.has(v);
  }

  run(): MachineFunction {
    this.lastLoc = undefined;
    this.mark(this.fn.loc);
    this.entryMoves();
    this.order.forEach((id, idx) => {
      this.blockStart.set(id, this.out.length);
      const b = this.fn.blocks[id]!;
      for (const i of b.insns) {
        this.mark(i.loc);
        this.insn(i);
      }
      this.mark(b.term.loc);
      this.term(b.term, this.order[idx + 1]);
    });
    for (const f of this.fixups) {
      const target = this.blockStart.get(f.block)!;
      const off = target - (f.insn + 1);
      if (off < -32768 || off > 32767) throw new Error("internal: jump out of 16-bit range (gotol not yet used)");
      this.out[f.insn]!.off = off;
    }
    // A line entry may not point past the end (e.g. a location stamped on an elided jump).
    const lines = this.lines.filter((l) => l.insn < this.out.length);
    return { name: this.fn.name, insns: this.out, relocs: this.relocs, lines, stackSize: this.frame.size };
  }

  private mark(loc: Loc | undefined): void {
    if (!loc) return;
    const last = this.lastLoc;
    if (last && last.line === loc.line && last.col === loc.col && last.file === loc.file) return;
    const at = this.out.length;
    // Two locations for the same instruction: the later one wins.
    if (this.lines.length && this.lines[this.lines.length - 1]!.insn === at) this.lines.pop();
    this.lines.push({ insn: at, loc });
    this.lastLoc = loc;
  }

  private r(v: number): PhysReg {
    const p = this.regs.get(v);
    if (p === undefined) throw new Error(`internal: vreg %${v} of ${this.fn.name} has no register`);
    return p;
  }

  private emit(...insns: BpfInsn[]): number {
    const at = this.out.length;
    this.out.push(...insns);
    return at;
  }

  private movReg(dst: PhysReg, src: PhysReg, w: Width): void {
    if (dst === src) return;
    this.emit(w === 64 ? asm.BPF_MOV64_REG(dst, src) : asm.BPF_MOV32_REG(dst, src));
  }

  private movImm(dst: PhysReg, v: bigint, w: Width): void {
    if (w === 32) {
      this.emit(asm.BPF_MOV32_IMM(dst, Number(BigInt.asIntN(32, v))));
    } else if (v >= -(1n << 31n) && v < 1n << 31n) {
      this.emit(asm.BPF_MOV64_IMM(dst, Number(v)));
    } else {
      this.emit(...asm.BPF_LD_IMM64(dst, BigInt.asUintN(64, v)));
    }
  }

  private move(dst: PhysReg, src: Operand, w: Width): void {
    if (src.kind === "reg") this.movReg(dst, this.r(src.reg), w);
    else this.movImm(dst, src.value, w);
  }

  private base(b: Base, off: number): { reg: PhysReg | 10; off: number } {
    if (b.kind === "reg") return { reg: this.r(b.reg), off };
    const slotOff = this.frame.offsets[b.slot];
    if (slotOff === undefined) throw new Error(`internal: slot ${b.slot} has no frame offset`);
    return { reg: op.BPF_REG_FP as 10, off: slotOff + off };
  }

  /** Moves several registers at once (arguments into r1–r5): no source is overwritten before it is read. */
  private parallelMove(moves: { dst: PhysReg; src: PhysReg }[], scratch: PhysReg): void {
    let pending = moves.filter((m) => m.dst !== m.src);
    while (pending.length) {
      const ready = pending.find((m) => !pending.some((o) => o.src === m.dst));
      if (ready) {
        this.movReg(ready.dst, ready.src, 64);
        pending = pending.filter((m) => m !== ready);
        continue;
      }
      // Only cycles remain: park one source in the scratch register.
      const m = pending[0]!;
      this.movReg(scratch, m.src, 64);
      pending = pending.map((p) => (p.src === m.src ? { dst: p.dst, src: scratch } : p));
    }
  }

  private entryMoves(): void {
    const moves = this.fn.params
      .map((v, i) => ({ dst: this.regs.get(v), src: (i + 1) as PhysReg }))
      .filter((m): m is { dst: PhysReg; src: PhysReg } => m.dst !== undefined);
    const involved = new Set(moves.flatMap((m) => [m.dst, m.src]));
    const scratch = ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as PhysReg[]).find((r) => !involved.has(r))!;
    this.parallelMove(moves, scratch);
  }

  private insn(i: Insn): void {
    switch (i.op) {
      case "mov":
        // `w1 = w1` is no no-op: it clears the upper half, unless that is clear already
        if (i.w === 32 && i.src.kind === "reg" && this.r(i.dst) === this.r(i.src.reg) && !this.upperClear(i.src.reg)) {
          return void this.emit(asm.BPF_MOV32_REG(this.r(i.dst), this.r(i.dst)));
        }
        return this.move(this.r(i.dst), i.src, i.w);
      case "alu": {
        const d = this.r(i.dst);
        const a = this.r(i.a);
        const { code, off } = ALU[i.alu];
        if (i.b.kind === "reg" && this.r(i.b.reg) === d && a !== d) {
          throw new Error(`internal: ${this.fn.name}: ALU operand shares the destination register`);
        }
        this.movReg(d, a, i.w);
        const ins = i.b.kind === "reg"
          ? (i.w === 64 ? asm.BPF_ALU64_REG(code, d, this.r(i.b.reg)) : asm.BPF_ALU32_REG(code, d, this.r(i.b.reg)))
          : (i.w === 64 ? asm.BPF_ALU64_IMM(code, d, Number(BigInt.asIntN(32, i.b.value))) : asm.BPF_ALU32_IMM(code, d, Number(BigInt.asIntN(32, i.b.value))));
        if (off) ins.off = off;
        const at = this.emit(ins);
        if (i.core) this.relocs.push({ insn: at, kind: "core", symbol: "", core: i.core });
        return;
      }
      case "neg": {
        const d = this.r(i.dst);
        this.movReg(d, this.r(i.a), i.w);
        this.emit(i.w === 64 ? asm.BPF_ALU64_IMM(op.BPF_NEG, d, 0) : asm.BPF_ALU32_IMM(op.BPF_NEG, d, 0));
        return;
      }
      case "sext":
        this.emit(i.w === 64 ? asm.BPF_MOVSX64_REG(this.r(i.dst), this.r(i.src), i.from) : asm.BPF_MOVSX32_REG(this.r(i.dst), this.r(i.src), i.from as 8 | 16));
        return;
      case "zext": {
        const d = this.r(i.dst);
        this.emit(asm.BPF_MOV32_REG(d, this.r(i.src)));
        if (i.from !== 32) this.emit(asm.BPF_ALU32_IMM(op.BPF_AND, d, i.from === 8 ? 0xff : 0xffff));
        return;
      }
      case "bswap":
        this.movReg(this.r(i.dst), this.r(i.src), 64);
        this.emit(asm.BPF_ENDIAN(true, this.r(i.dst), i.bits)); // to big-endian: a swap on little-endian BPF
        return;
      case "load": {
        const b = this.base(i.base, i.off);
        const mk = i.signed ? asm.BPF_LDX_MEMSX : asm.BPF_LDX_MEM;
        const at = this.emit(mk(SIZE[i.size], this.r(i.dst), b.reg, b.off));
        if (i.core) this.relocs.push({ insn: at, kind: "core", symbol: "", core: i.core });
        return;
      }
      case "store": {
        const b = this.base(i.base, i.off);
        const at = i.src.kind === "imm"
          ? this.emit(asm.BPF_ST_MEM(SIZE[i.size], b.reg, b.off, Number(BigInt.asIntN(32, i.src.value))))
          : this.emit(asm.BPF_STX_MEM(SIZE[i.size], b.reg, this.r(i.src.reg), b.off));
        if (i.core) this.relocs.push({ insn: at, kind: "core", symbol: "", core: i.core });
        return;
      }
      case "slotaddr": {
        const d = this.r(i.dst);
        const b = this.base({ kind: "slot", slot: i.slot }, i.off);
        this.emit(asm.BPF_MOV64_REG(d, op.BPF_REG_FP));
        this.emit(asm.BPF_ALU64_IMM(op.BPF_ADD, d, b.off));
        return;
      }
      case "ldmap":
      case "ldglobal":
      case "ldfunc": {
        const at = this.emit(...asm.BPF_LD_IMM64(this.r(i.dst), 0n));
        const kind: RelocKind = i.op === "ldmap" ? "map" : i.op === "ldglobal" ? "global" : "func";
        this.relocs.push({ insn: at, kind, symbol: i.op === "ldfunc" ? i.func : i.symbol });
        return;
      }
      case "call":
        return this.call(i);
    }
  }

  private call(i: Extract<Insn, { op: "call" }>): void {
    if (i.args.length > 5) throw new Error("internal: more than five call arguments");
    const moves: { dst: PhysReg; src: PhysReg }[] = [];
    i.args.forEach((a, n) => { if (a.kind === "reg") moves.push({ dst: (n + 1) as PhysReg, src: this.r(a.reg) }); });
    // r0 is never an argument and holds nothing live across the call: a safe scratch.
    this.parallelMove(moves, 0);
    i.args.forEach((a, n) => { if (a.kind === "imm") this.movImm((n + 1) as PhysReg, a.value, 64); });
    const t = i.target;
    if (t.kind === "helper") this.emit(asm.BPF_CALL_HELPER(t.id));
    else {
      const at = this.emit(asm.BPF_CALL_PSEUDO(-1));
      this.relocs.push({ insn: at, kind: t.kind === "kfunc" ? "kfunc" : "call", symbol: t.name });
    }
    if (i.dst !== undefined) this.movReg(this.r(i.dst), 0, 64);
  }

  private term(t: Terminator, next: number | undefined): void {
    switch (t.op) {
      case "ret":
        if (t.value) this.move(0, t.value, t.w);
        this.emit(asm.BPF_EXIT_INSN());
        return;
      case "jmp":
        if (t.target !== next) this.jumpTo(t.target);
        return;
      case "br": {
        let cmp = t.cmp, then = t.then, otherwise = t.else;
        if (then === next && INVERSE[cmp]) {
          cmp = INVERSE[cmp]!;
          [then, otherwise] = [otherwise, then];
        }
        const a = this.r(t.a);
        const jop = JMP[cmp];
        const ins = t.b.kind === "reg"
          ? (t.w === 64 ? asm.BPF_JMP_REG(jop, a, this.r(t.b.reg), 0) : asm.BPF_JMP32_REG(jop, a, this.r(t.b.reg), 0))
          : (t.w === 64 ? asm.BPF_JMP_IMM(jop, a, Number(BigInt.asIntN(32, t.b.value)), 0) : asm.BPF_JMP32_IMM(jop, a, Number(BigInt.asIntN(32, t.b.value)), 0));
        this.fixups.push({ insn: this.emit(ins), block: then });
        if (otherwise !== next) this.jumpTo(otherwise);
        return;
      }
    }
  }

  private jumpTo(block: number): void {
    this.fixups.push({ insn: this.emit(asm.BPF_JMP_A(0)), block });
  }
}
