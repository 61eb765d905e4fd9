/**
 * The object: sections, symbols and relocations laid out the way clang lays out
 * a BPF object, so libbpf treats ours exactly as it treats clang's — programs in
 * their SEC() sections, subprograms in .text, BTF-defined maps in .maps, globals
 * in .bss/.data/.rodata, `_license` in `license`, kfuncs as undefined symbols
 * in BTF's `.ksyms` datasec.
 */
import { BtfBuilder } from "../btf/builder.js";
import { encodeBtfExt } from "../btf/ext.js";
import { BTF_FUNC_EXTERN, BTF_FUNC_GLOBAL, BTF_FUNC_STATIC, BTF_VAR_GLOBAL_ALLOCATED, BTF_VAR_STATIC } from "../btf/kinds.js";
import { encodeInsns, type BpfInsn } from "../bpf/insn.js";
import {
  R_BPF_64_32, R_BPF_64_64, R_BPF_64_ABS64, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS, SHT_PROGBITS,
  STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FUNC, STT_NOTYPE, STT_OBJECT,
} from "../elf/constants.js";
import { writeElf, type ElfRelocInput, type ElfSectionInput, type ElfSymbolInput } from "../elf/writer.js";
import type { MachineFunction, MachineReloc } from "../backend/select.js";
import type { DataSection, FuncParam, ModuleIR } from "../ir/module.js";
import { alignOf, alignUp, sizeOf, type Type } from "../types/model.js";
import { BtfTypes } from "./btf-types.js";
import { CoreTypes } from "./core-relo.js";
import { mapDefinitionType, MAP_DEF_MEMBER_SIZE } from "./maps.js";
import { emitStructOps, STRUCT_OPS_SEC } from "./struct-ops.js";

interface PlacedFunction { mf: MachineFunction; section: string; offset: number /* in instructions */; global: boolean; params: FuncParam[]; ret: Type }

export function emitObject(mod: ModuleIR, code: Map<string, MachineFunction>): Uint8Array {
  const btf = new BtfBuilder();
  const types = new BtfTypes(btf);
  const sections: ElfSectionInput[] = [];
  const symbols: ElfSymbolInput[] = [];
  const relocations: ElfRelocInput[] = [];

  // ---- code: .text (subprograms) first, then each program section in order of first use.
  const placed: PlacedFunction[] = [];
  const sectionInsns = new Map<string, BpfInsn[]>();
  const place = (name: string, section: string, global: boolean, params: FuncParam[], ret: Type) => {
    const mf = code.get(name)!;
    let insns = sectionInsns.get(section);
    if (!insns) sectionInsns.set(section, (insns = []));
    placed.push({ mf, section, offset: insns.length, global, params, ret });
    insns.push(...mf.insns.map((i) => ({ ...i })));
  };
  for (const s of mod.subprograms) place(s.name, ".text", false, s.params, s.ret);
  for (const p of mod.programs) place(p.name, p.section, true, p.params, p.ret);
  const byName = new Map(placed.map((p) => [p.mf.name, p]));
  const coreRelos: { section: string; offset: number; core: NonNullable<MachineReloc["core"]> }[] = [];

  for (const p of placed) {
    const insns = sectionInsns.get(p.section)!;
    for (const r of p.mf.relocs) {
      const at = p.offset + r.insn;
      const offset = at * 8;
      switch (r.kind) {
        case "map":
        case "global":
          relocations.push({ section: p.section, offset, symbol: r.symbol, type: R_BPF_64_64 });
          break;
        case "kfunc":
          relocations.push({ section: p.section, offset, symbol: r.symbol, type: R_BPF_64_32 });
          break;
        case "func": {
          // ld_imm64 of a subprogram: libbpf reads the target as .text + imm (bytes).
          insns[at]!.imm = byName.get(r.symbol)!.offset * 8;
          relocations.push({ section: p.section, offset, symbol: { section: ".text" }, type: R_BPF_64_64 });
          break;
        }
        case "core":
          coreRelos.push({ section: p.section, offset, core: r.core! });
          break;
        case "call": {
          // BPF-to-BPF call: libbpf reads the target insn as (.text + 0)/8 + imm + 1.
          insns[at]!.imm = byName.get(r.symbol)!.offset - 1;
          relocations.push({ section: p.section, offset, symbol: { section: ".text" }, type: R_BPF_64_32 });
          break;
        }
      }
    }
  }
  for (const [name, insns] of sectionInsns) {
    sections.push({ name, type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: encodeInsns(insns), align: 8 });
  }

  // ---- BTF for functions (programs global, subprograms static), in placement order.
  const funcTypeId = new Map<string, number>();
  for (const p of placed) {
    const proto = types.funcProto(p.params, p.ret);
    funcTypeId.set(p.mf.name, btf.func(p.mf.name, proto, p.global ? BTF_FUNC_GLOBAL : BTF_FUNC_STATIC));
    symbols.push({
      name: p.mf.name, section: p.section, value: p.offset * 8, size: p.mf.insns.length * 8,
      type: STT_FUNC, bind: p.global ? STB_GLOBAL : STB_LOCAL,
    });
  }

  // ---- CO-RE: the accessed kernel types, copied after the functions as clang places them.
  const core = coreRelos.length ? new CoreTypes(btf, mod.kernelTypes!) : undefined;
  for (const c of coreRelos) core!.note(c.core);
  const coreRecords = coreRelos.map((c) => ({ section: c.section, record: core!.record(c.offset, c.core) }));

  // ---- kfuncs: undefined symbols + extern FUNCs in .ksyms.
  const ksyms: { type: number; offset: number; size: number }[] = [];
  for (const k of mod.kfuncs) {
    const proto = types.funcProto(k.type.params.map((t) => ({ type: t })), k.type.ret);
    ksyms.push({ type: btf.func(k.name, proto, BTF_FUNC_EXTERN), offset: 0, size: 0 });
    symbols.push({ name: k.name, value: 0, size: 0, type: STT_NOTYPE, bind: k.weak ? STB_WEAK : STB_GLOBAL });
  }

  // ---- license
  const lic = new TextEncoder().encode(mod.license + "\0");
  sections.push({ name: "license", type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_WRITE, data: lic, align: 1 });
  symbols.push({ name: "_license", section: "license", value: 0, size: lic.length, type: STT_OBJECT, bind: STB_GLOBAL });
  const licVar = btf.variable("_license",
    btf.array(types.char(), types.arraySizeType(), lic.length), BTF_VAR_GLOBAL_ALLOCATED);

  // ---- maps
  const mapVars: { type: number; offset: number; size: number }[] = [];
  let mapOff = 0;
  for (const m of mod.maps) {
    const def = mapDefinitionType(types, m);
    // A map of maps' initial slots follow its definition: one pointer each, relocated to the inner map.
    const slots = m.values ?? [];
    const size = (def.members + slots.length) * MAP_DEF_MEMBER_SIZE;
    slots.forEach((inner, i) => {
      if (inner !== null) relocations.push({ section: ".maps", offset: mapOff + (def.members + i) * MAP_DEF_MEMBER_SIZE, symbol: inner, type: R_BPF_64_ABS64 });
    });
    mapVars.push({ type: btf.variable(m.name, def.id, BTF_VAR_GLOBAL_ALLOCATED), offset: mapOff, size });
    symbols.push({ name: m.name, section: ".maps", value: mapOff, size, type: STT_OBJECT, bind: STB_GLOBAL });
    mapOff += size;
  }
  if (mod.maps.length) sections.push({ name: ".maps", type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_WRITE, data: new Uint8Array(mapOff), align: 8 });

  // ---- globals: one section per kind, natural alignment, declaration order.
  const dataSecs: { name: DataSection; vars: { type: number; offset: number; size: number }[]; size: number }[] = [];
  for (const secName of [".bss", ".data", ".rodata"] as DataSection[]) {
    const gs = mod.globals.filter((g) => g.section === secName);
    if (!gs.length) continue;
    let off = 0;
    let align = 1;
    const chunks: { off: number; bytes: Uint8Array }[] = [];
    const vars: { type: number; offset: number; size: number }[] = [];
    for (const g of gs) {
      const a = alignOf(g.type);
      off = alignUp(off, a);
      align = Math.max(align, a);
      const size = sizeOf(g.type);
      vars.push({ type: btf.variable(g.name, types.type(g.type), g.local ? BTF_VAR_STATIC : BTF_VAR_GLOBAL_ALLOCATED), offset: off, size });
      symbols.push({ name: g.name, section: secName, value: off, size, type: STT_OBJECT, bind: g.local ? STB_LOCAL : STB_GLOBAL });
      chunks.push({ off, bytes: g.init });
      off += size;
    }
    const data = new Uint8Array(off);
    for (const c of chunks) data.set(c.bytes, c.off);
    const flags = secName === ".rodata" ? SHF_ALLOC : SHF_ALLOC | SHF_WRITE;
    sections.push(secName === ".bss"
      ? { name: secName, type: SHT_NOBITS, flags, data: new Uint8Array(0), size: off, align }
      : { name: secName, type: SHT_PROGBITS, flags, data, align });
    dataSecs.push({ name: secName, vars, size: off });
  }

  const structOps = emitStructOps(mod.structOps ?? [], types, { sections, symbols, relocations });

  // ---- DATASECs, in clang's order.
  for (const d of dataSecs) btf.datasec(d.name, d.size, d.vars);
  if (structOps) btf.datasec(STRUCT_OPS_SEC, structOps.size, structOps.vars);
  if (ksyms.length) btf.datasec(".ksyms", 0, ksyms);
  if (mapVars.length) btf.datasec(".maps", mapOff, mapVars);
  btf.datasec("license", lic.length, [{ type: licVar, offset: 0, size: lic.length }]);

  // ---- .BTF.ext: func_info and line_info per code section.
  const funcInfo = [...sectionInsns.keys()].map((section) => ({
    section,
    records: placed.filter((p) => p.section === section).map((p) => ({ insnOff: p.offset * 8, typeId: funcTypeId.get(p.mf.name)! })),
  }));
  const lineInfo = [...sectionInsns.keys()].map((section) => ({
    section,
    records: placed.filter((p) => p.section === section).flatMap((p) => p.mf.lines.map((l) => ({
      insnOff: (p.offset + l.insn) * 8, fileName: l.loc.file, lineText: l.loc.text, line: l.loc.line, col: l.loc.col,
    }))),
  }));
  const coreRelo = [...sectionInsns.keys()].map((section) => ({
    section,
    records: coreRecords.filter((c) => c.section === section).map((c) => c.record).sort((a, b) => a.insnOff - b.insnOff),
  }));
  const ext = encodeBtfExt(btf, { funcInfo, lineInfo, coreRelo });
  sections.push({ name: ".BTF", type: SHT_PROGBITS, flags: 0, data: btf.encode(), align: 4 });
  sections.push({ name: ".BTF.ext", type: SHT_PROGBITS, flags: 0, data: ext, align: 4 });

  return writeElf({ sections, symbols, relocations });
}
