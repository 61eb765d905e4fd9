/** Builds one IrFunction: blocks, vregs, stack slots, with a current insertion point. */
import type { Block, Insn, IrFunction, Loc, Terminator, VReg } from "./ir.js";

export class FunctionBuilder {
  readonly fn: IrFunction;
  private current: Block;
  /** Location stamped on emitted instructions (the statement being lowered). */
  loc: Loc | undefined;

  constructor(name: string, loc?: Loc) {
    this.fn = { name, params: [], blocks: [], entry: 0, slots: [], vregCount: 0, loc };
    this.current = this.newBlock();
    this.fn.entry = this.current.id;
    this.loc = loc;
  }

  vreg(): VReg {
    return this.fn.vregCount++;
  }

  slot(size: number, align: number): number {
    this.fn.slots.push({ size, align });
    return this.fn.slots.length - 1;
  }

  newBlock(): Block {
    // An unterminated block ends in a placeholder `ret`; seal() replaces it.
    const b: Block = { id: this.fn.blocks.length, insns: [], term: { op: "jmp", target: -1 } };
    this.fn.blocks.push(b);
    return b;
  }

  get block(): Block {
    return this.current;
  }

  /** True when the current block already ended (code after return/break is dead). */
  get terminated(): boolean {
    return this.terminatedBlocks.has(this.current.id);
  }
  private terminatedBlocks = new Set<number>();

  setBlock(b: Block): void {
    this.current = b;
  }

  emit(i: Insn): void {
    if (this.terminated) return;
    this.current.insns.push(this.loc && !i.loc ? { ...i, loc: this.loc } : i);
  }

  terminate(t: Terminator): void {
    if (this.terminated) return;
    this.current.term = this.loc && !t.loc ? { ...t, loc: this.loc } : t;
    this.terminatedBlocks.add(this.current.id);
  }

  jump(target: Block): void {
    this.terminate({ op: "jmp", target: target.id });
  }

  /** Ends construction: drops blocks no one reaches, returns the function. */
  finish(): IrFunction {
    const reachable = new Set<number>();
    const work = [this.fn.entry];
    while (work.length) {
      const id = work.pop()!;
      if (reachable.has(id)) continue;
      reachable.add(id);
      const b = this.fn.blocks[id]!;
      if (!this.terminatedBlocks.has(id)) throw new Error(`internal: block b${id} of ${this.fn.name} falls off its end`);
      const t = b.term;
      if (t.op === "br") work.push(t.then, t.else);
      else if (t.op === "jmp") work.push(t.target);
    }
    // Renumber so that a block's id is its index.
    const kept = this.fn.blocks.filter((b) => reachable.has(b.id));
    const index = new Map(kept.map((b, i) => [b.id, i]));
    for (const b of kept) {
      b.id = index.get(b.id)!;
      const t = b.term;
      if (t.op === "br") { t.then = index.get(t.then)!; t.else = index.get(t.else)!; }
      else if (t.op === "jmp") t.target = index.get(t.target)!;
    }
    this.fn.blocks = kept;
    this.fn.entry = index.get(this.fn.entry)!;
    return this.fn;
  }
}
