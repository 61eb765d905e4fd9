/** A readable text form of the IR, for tests and debugging. */
import type { Base, Block, Insn, IrFunction, Operand, Terminator } from "./ir.js";

const opnd = (o: Operand) => (o.kind === "reg" ? `%${o.reg}` : o.value.toString());
const base = (b: Base) => (b.kind === "reg" ? `%${b.reg}` : `slot${b.slot}`);

export function printInsn(i: Insn | Terminator): string {
  switch (i.op) {
    case "mov": return `%${i.dst} = mov${i.w} ${opnd(i.src)}`;
    case "alu": return `%${i.dst} = ${i.alu}${i.w} %${i.a}, ${opnd(i.b)}`;
    case "neg": return `%${i.dst} = neg${i.w} %${i.a}`;
    case "sext": return `%${i.dst} = sext${i.w} %${i.src} from ${i.from}`;
    case "zext": return `%${i.dst} = zext %${i.src} from ${i.from}`;
    case "bswap": return `%${i.dst} = bswap${i.bits} %${i.src}`;
    case "load": return `%${i.dst} = load.${i.signed ? "s" : "u"}${i.size * 8} [${base(i.base)} + ${i.off}]`;
    case "store": return `store.${i.size * 8} [${base(i.base)} + ${i.off}], ${opnd(i.src)}`;
    case "slotaddr": return `%${i.dst} = &slot${i.slot} + ${i.off}`;
    case "ldmap": return `%${i.dst} = map ${i.symbol}`;
    case "ldglobal": return `%${i.dst} = global ${i.symbol}`;
    case "ldfunc": return `%${i.dst} = func ${i.func}`;
    case "call": return `${i.dst !== undefined ? `%${i.dst} = ` : ""}call ${i.target.kind} ${i.target.name}(${i.args.map(opnd).join(", ")})`;
    case "br": return `br ${i.cmp}${i.w} %${i.a}, ${opnd(i.b)} ? b${i.then} : b${i.else}`;
    case "jmp": return `jmp b${i.target}`;
    case "ret": return `ret${i.w}${i.value ? " " + opnd(i.value) : ""}`;
  }
}

export function printBlock(b: Block): string {
  return [`b${b.id}:`, ...b.insns.map((i) => "  " + printInsn(i)), "  " + printInsn(b.term)].join("\n");
}

export function printFunction(f: IrFunction): string {
  const head = `func ${f.name}(${f.params.map((p) => "%" + p).join(", ")}) entry b${f.entry}` +
    (f.slots.length ? ` slots [${f.slots.map((s) => `${s.size}@${s.align}`).join(", ")}]` : "");
  return [head, ...f.blocks.map(printBlock)].join("\n") + "\n";
}
