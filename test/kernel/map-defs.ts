// BTF-defined map definitions as libbpf reads them from `.maps`, normalised so a
// tsbpf object and clang's can be compared: `__uint(name, n)` → "name=n",
// `__type(name, T)` → "name:<layout of T>", `__array(values, struct inner)` →
// the inner definition; plus the `.rel.maps` relocations that fill map-of-maps
// slots. Integer types compare by size and signedness (u32 vs __u32 typedefs).

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { readElf } from "../../compiler/elf/reader.js";

interface JType { id: number; kind: string; name: string; type_id?: number; size?: number; nr_elems?: number; encoding?: string; members?: { name: string; type_id: number; bits_offset: number }[]; vars?: { type_id: number }[] }

function btfTypes(objPath: string): Map<number, JType> {
  const r = spawnSync("bpftool", ["btf", "dump", "file", objPath, "-j"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bpftool btf dump ${objPath}: ${r.stderr}`);
  return new Map((JSON.parse(r.stdout).types as JType[]).map((t) => [t.id, t]));
}

/** Each map's definition, by map name. */
export function mapDefinitions(objPath: string): Record<string, string[]> {
  const types = btfTypes(objPath);
  const get = (id: number) => types.get(id)!;
  const skip = (id: number): JType => {
    let t = get(id);
    while (t.kind === "TYPEDEF" || t.kind === "CONST" || t.kind === "VOLATILE") t = get(t.type_id!);
    return t;
  };
  const layout = (id: number): string => {
    if (id === 0) return "void";
    const t = skip(id);
    if (t.kind === "INT") return `${t.encoding === "SIGNED" ? "s" : "u"}${t.size! * 8}`;
    if (t.kind === "PTR") return `*${layout(t.type_id!)}`;
    if (t.kind === "ARRAY") return `${layout(t.type_id!)}[${t.nr_elems}]`;
    if (t.kind === "STRUCT" || t.kind === "UNION") {
      return `{${t.members!.map((m) => `${m.name}@${m.bits_offset / 8}:${layout(m.type_id)}`).join(",")}}/${t.size}`;
    }
    return t.kind;
  };
  const definition = (id: number): string[] => skip(id).members!.map((m) => {
    const p = skip(m.type_id);
    if (m.name === "values") return `values[${p.nr_elems}]:*{${definition(skip(p.type_id!).type_id!).join(",")}}`;
    const target = skip(p.type_id!);
    if (target.kind === "ARRAY" && skip(target.type_id!).kind === "INT") return `${m.name}=${target.nr_elems}`;
    return `${m.name}:${layout(p.type_id!)}`;
  });
  const out: Record<string, string[]> = {};
  for (const t of types.values()) {
    if (t.kind !== "DATASEC" || t.name !== ".maps") continue;
    for (const v of t.vars!) out[get(v.type_id).name] = definition(get(v.type_id).type_id!);
  }
  return out;
}

/** `.rel.maps`: which map symbol each slot of a map of maps points at ("outer+slot → inner"). */
export function mapSlotRelocations(objPath: string): string[] {
  const elf = readElf(fs.readFileSync(objPath));
  const maps = elf.symbols.filter((s) => s.section === ".maps" && s.name);
  return elf.relocations.filter((r) => r.section === ".maps").map((r) => {
    const owner = maps.find((m) => r.offset >= m.value && r.offset < m.value + m.size)!;
    return `${owner.name}+${r.offset - owner.value} → ${r.symbol}`;
  }).sort();
}
