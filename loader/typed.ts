/**
 * Typed views over maps and global data, as generated skeletons expose them:
 * keys and values go through the codecs of their BTF types.
 */
import { decode, encode, type Codec } from "./codec.js";
import { possibleCpus, type BpfMap, type BpfObject } from "./object.js";

/** Hash, array, LRU and LPM-trie maps: `lookup`/`update`/`delete` with typed keys and values. */
export class TypedMap<K, V> {
  /** `raw`: the untyped map (fd, sizes, bytes). */
  constructor(readonly raw: BpfMap, readonly key: Codec<K>, readonly value: Codec<V>) {}
  lookup(key: K): V | null {
    const v = this.raw.lookup(encode(this.key, key));
    return v && decode(this.value, v);
  }
  update(key: K, value: V, flags = 0): void {
    this.raw.update(encode(this.key, key), encode(this.value, value), flags);
  }
  /** False when the key was not there. */
  delete(key: K): boolean {
    return this.raw.delete(encode(this.key, key));
  }
  *keys(): Generator<K> {
    for (const k of this.raw.keys()) yield decode(this.key, k);
  }
  *entries(): Generator<[K, V]> {
    for (const k of this.raw.keys()) {
      const v = this.raw.lookup(k);
      if (v) yield [decode(this.key, k), decode(this.value, v)];
    }
  }
}

/** Per-CPU maps: a value per possible CPU. */
export class PerCpuMap<K, V> {
  constructor(readonly raw: BpfMap, readonly key: Codec<K>, readonly value: Codec<V>) {}
  private get stride(): number {
    return Math.ceil(this.value.size / 8) * 8;
  }
  /** One value per possible CPU (index = CPU number), or null. */
  lookup(key: K): V[] | null {
    const v = this.raw.lookup(encode(this.key, key));
    if (!v) return null;
    return Array.from({ length: possibleCpus() }, (_, cpu) => decode(this.value, v, cpu * this.stride));
  }
  /** Sets every CPU's value to `value`. */
  update(key: K, value: V, flags = 0): void {
    this.updatePerCpu(key, Array.from({ length: possibleCpus() }, () => value), flags);
  }
  /** Sets each CPU's value: `values[cpu]` (missing ones are zero). */
  updatePerCpu(key: K, values: V[], flags = 0): void {
    const n = possibleCpus();
    const bytes = new Uint8Array(this.stride * n);
    for (let cpu = 0; cpu < n; cpu++) bytes.set(encode(this.value, cpu < values.length ? values[cpu]! : this.value.zero()), cpu * this.stride);
    this.raw.update(encode(this.key, key), bytes, flags);
  }
  delete(key: K): boolean {
    return this.raw.delete(encode(this.key, key));
  }
  *keys(): Generator<K> {
    for (const k of this.raw.keys()) yield decode(this.key, k);
  }
}

/** Queue and stack maps (and bloom filters' push). */
export class ValueStore<V> {
  constructor(readonly raw: BpfMap, readonly value: Codec<V>) {}
  push(value: V, flags = 0): void {
    this.raw.push(encode(this.value, value), flags);
  }
  /** The next value (FIFO for queues, LIFO for stacks), or null when empty. */
  pop(): V | null {
    const v = this.raw.pop();
    return v && decode(this.value, v);
  }
}

/** A ring buffer: records as bytes, or decoded with a codec of the record type. */
export class RingBufReader {
  constructor(readonly raw: BpfMap) {}
  /** Every record now in the buffer, in order. */
  consume(): Uint8Array[];
  consume<T>(codec: Codec<T>): T[];
  consume<T>(codec?: Codec<T>): (T | Uint8Array)[] {
    const recs = this.raw.consume();
    return codec ? recs.map((r) => decode(codec, r)) : recs;
  }
}

/**
 * The variables of a global-data section (`.bss`, `.data`, `.rodata`) as
 * properties: reading one reads the kernel's current value, assigning one
 * writes it. Before load they read and write the initial value — the way to
 * configure `.rodata` constants. `.rodata` is read-only once loaded.
 */
export function globalsView<T extends object>(object: () => BpfObject, section: string, fields: { [K in keyof T]: readonly [offset: number, codec: Codec<T[K]>] }): T {
  const view = {} as T;
  const read = (): Uint8Array => {
    const obj = object();
    const map = obj.map(section);
    if (!obj.loaded) return map.initialValue();
    const v = map.lookup(new Uint8Array(4));
    if (!v) throw new Error(`${section}: no element 0`);
    return v;
  };
  const write = (bytes: Uint8Array): void => {
    const obj = object();
    const map = obj.map(section);
    if (!obj.loaded) map.setInitialValue(bytes);
    else map.update(new Uint8Array(4), bytes);
  };
  for (const [name, [offset, codec]] of Object.entries(fields) as [string, readonly [number, Codec<unknown>]][]) {
    Object.defineProperty(view, name, {
      enumerable: true,
      get: () => decode(codec, read(), offset),
      set: (v: unknown) => {
        const bytes = read();
        codec.write(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset, v);
        write(bytes);
      },
    });
  }
  return view;
}
