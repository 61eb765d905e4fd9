/**
 * The `.struct_ops` section: one variable per struct_ops map, typed in BTF with
 * the kernel's struct (copied from the kernel's BTF, which libbpf matches member
 * by member), function-pointer members left 0 and relocated with
 * R_BPF_64_ABS64 to their programs' symbols, as clang emits
 * `SEC(".struct_ops") struct tcp_congestion_ops x = { .init = (void *)init, … }`.
 */
import { BTF_VAR_GLOBAL_ALLOCATED } from "../btf/kinds.js";
import { R_BPF_64_ABS64, SHF_ALLOC, SHF_WRITE, SHT_PROGBITS, STB_GLOBAL, STT_OBJECT } from "../elf/constants.js";
import type { ElfRelocInput, ElfSectionInput, ElfSymbolInput } from "../elf/writer.js";
import type { StructOpsDef } from "../ir/module.js";
import { alignUp } from "../types/model.js";
import type { BtfTypes } from "./btf-types.js";
import { KernelTypeCopier } from "./kernel-types.js";

export const STRUCT_OPS_SEC = ".struct_ops";

/** Adds the section, symbols, relocations and BTF VARs; returns the DATASEC's entries and size. */
export function emitStructOps(defs: StructOpsDef[], types: BtfTypes, out: { sections: ElfSectionInput[]; symbols: ElfSymbolInput[]; relocations: ElfRelocInput[] }):
  { vars: { type: number; offset: number; size: number }[]; size: number } | undefined {
  if (!defs.length) return undefined;
  const copiers = new Map<readonly unknown[], KernelTypeCopier>();
  const vars: { type: number; offset: number; size: number }[] = [];
  const chunks: { off: number; bytes: Uint8Array }[] = [];
  let off = 0;
  for (const d of defs) {
    let copier = copiers.get(d.kernelTypes);
    if (!copier) copiers.set(d.kernelTypes, (copier = new KernelTypeCopier(types, d.kernelTypes)));
    off = alignUp(off, 8);
    const size = d.data.length;
    vars.push({ type: types.btf.variable(d.name, copier.copy(d.typeId), BTF_VAR_GLOBAL_ALLOCATED), offset: off, size });
    out.symbols.push({ name: d.name, section: STRUCT_OPS_SEC, value: off, size, type: STT_OBJECT, bind: STB_GLOBAL });
    for (const f of d.funcs) out.relocations.push({ section: STRUCT_OPS_SEC, offset: off + f.offset, symbol: f.program, type: R_BPF_64_ABS64 });
    chunks.push({ off, bytes: d.data });
    off += size;
  }
  for (const c of copiers.values()) c.finish();
  const data = new Uint8Array(off);
  for (const c of chunks) data.set(c.bytes, c.off);
  out.sections.push({ name: STRUCT_OPS_SEC, type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_WRITE, data, align: 8 });
  return { vars, size: off };
}
