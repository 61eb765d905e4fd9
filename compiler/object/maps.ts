/**
 * BTF-defined maps, as libbpf reads them from `.maps`: an anonymous struct whose
 * members encode the definition — `__uint(name, n)` is `int (*name)[n]`,
 * `__type(name, T)` is `T *name` (libbpf's bpf_helpers.h conventions).
 */
import type { MapDef } from "../ir/module.js";
import { I32, type MapKind } from "../types/model.js";
import type { BtfTypes } from "./btf-types.js";

/** enum bpf_map_type (include/uapi/linux/bpf.h). */
export const BPF_MAP_TYPE: Record<MapKind, number> = {
  hash: 1,
  array: 2,
  prog_array: 3,
  perf_event_array: 4,
  percpu_hash: 5,
  percpu_array: 6,
  lru_hash: 9,
  lru_percpu_hash: 10,
  lpm_trie: 11,
  queue: 22,
  stack: 23,
  ringbuf: 27,
  bloom_filter: 30,
  array_of_maps: 12,
  hash_of_maps: 13,
  sk_storage: 24,
  inode_storage: 28,
  task_storage: 29,
  cgrp_storage: 32,
};

/** Every member is a pointer. */
export const MAP_DEF_MEMBER_SIZE = 8;

/** Definitions already built, so a map of maps' `values` points at its prototype's own struct (as clang shares `struct inner`). */
const built = new WeakMap<BtfTypes, Map<MapDef, { id: number; members: number }>>();

export function mapDefinitionType(types: BtfTypes, m: MapDef): { id: number; members: number } {
  let cache = built.get(types);
  if (!cache) built.set(types, (cache = new Map()));
  const known = cache.get(m);
  if (known) return known;
  const def = buildDefinition(types, m);
  cache.set(m, def);
  return def;
}

function buildDefinition(types: BtfTypes, m: MapDef): { id: number; members: number } {
  const btf = types.btf;
  const uint = (n: number) => btf.ptr(btf.array(types.type(I32), types.arraySizeType(), n));
  const members: { name: string; type: number }[] = [{ name: "type", type: uint(BPF_MAP_TYPE[m.mapKind]) }];
  if (m.flags) members.push({ name: "map_flags", type: uint(m.flags) });
  if (m.maxEntries > 0) members.push({ name: "max_entries", type: uint(m.maxEntries) });
  if (m.key) members.push({ name: "key", type: btf.ptr(types.type(m.key)) });
  if (m.value) members.push({ name: "value", type: btf.ptr(types.type(m.value)) });
  if (m.inner) {
    // `__array(values, struct inner)`: a flexible array of pointers to the prototype's definition.
    const proto = mapDefinitionType(types, m.inner).id;
    members.push({ name: "values", type: btf.array(btf.ptr(proto), types.arraySizeType(), 0) });
  }
  if (m.mapKind === "perf_event_array" || m.mapKind === "prog_array") {
    // Their values are fds: sizes, not types (as libbpf's examples declare them).
    members.push({ name: "key_size", type: uint(4) }, { name: "value_size", type: uint(4) });
  }
  if (m.pinning !== undefined) members.push({ name: "pinning", type: uint(m.pinning) });
  if (m.numaNode !== undefined) members.push({ name: "numa_node", type: uint(m.numaNode) });
  // `values` is a flexible array: it takes no room, so the struct (and the slots after it) end before it.
  const sized = m.inner ? members.length - 1 : members.length;
  const id = btf.struct(undefined, sized * MAP_DEF_MEMBER_SIZE,
    members.map((x, i) => ({ name: x.name, type: x.type, bitOffset: i * MAP_DEF_MEMBER_SIZE * 8 })));
  return { id, members: sized };
}
