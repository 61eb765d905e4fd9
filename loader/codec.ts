/**
 * Codecs between C memory layouts and JavaScript values, as generated
 * skeletons use them: integers of 1, 2 and 4 bytes are numbers, 8-byte
 * integers and pointers are bigints, `bool` is boolean, arrays of bytes are
 * Uint8Array, other arrays are JavaScript arrays, structs are objects with
 * their fields at their offsets. Little-endian, as BPF on x86-64 and arm64.
 */

export interface Codec<T> {
  /** sizeof(T) in bytes. */
  readonly size: number;
  read(dv: DataView, offset: number): T;
  write(dv: DataView, offset: number, value: T): void;
  /** The all-zero value of T. */
  zero(): T;
}

function scalar<T>(size: number, read: (dv: DataView, o: number) => T, write: (dv: DataView, o: number, v: T) => void, zero: T): Codec<T> {
  return { size, read, write, zero: () => zero };
}

/** Accepts numbers and bigints for 64-bit fields (written modulo 2^64). */
type Big = bigint | number;

export const u8 = scalar<number>(1, (dv, o) => dv.getUint8(o), (dv, o, v) => dv.setUint8(o, v), 0);
export const i8 = scalar<number>(1, (dv, o) => dv.getInt8(o), (dv, o, v) => dv.setInt8(o, v), 0);
export const u16 = scalar<number>(2, (dv, o) => dv.getUint16(o, true), (dv, o, v) => dv.setUint16(o, v, true), 0);
export const i16 = scalar<number>(2, (dv, o) => dv.getInt16(o, true), (dv, o, v) => dv.setInt16(o, v, true), 0);
export const u32 = scalar<number>(4, (dv, o) => dv.getUint32(o, true), (dv, o, v) => dv.setUint32(o, v, true), 0);
export const i32 = scalar<number>(4, (dv, o) => dv.getInt32(o, true), (dv, o, v) => dv.setInt32(o, v, true), 0);
export const u64: Codec<bigint> = {
  size: 8,
  read: (dv, o) => dv.getBigUint64(o, true),
  write: (dv, o, v: Big) => dv.setBigUint64(o, BigInt.asUintN(64, BigInt(v)), true),
  zero: () => 0n,
};
export const i64: Codec<bigint> = {
  size: 8,
  read: (dv, o) => dv.getBigInt64(o, true),
  write: (dv, o, v: Big) => dv.setBigInt64(o, BigInt.asIntN(64, BigInt(v)), true),
  zero: () => 0n,
};
export const bool = scalar<boolean>(1, (dv, o) => dv.getUint8(o) !== 0, (dv, o, v) => dv.setUint8(o, v ? 1 : 0), false);
export const f32 = scalar<number>(4, (dv, o) => dv.getFloat32(o, true), (dv, o, v) => dv.setFloat32(o, v, true), 0);
export const f64 = scalar<number>(8, (dv, o) => dv.getFloat64(o, true), (dv, o, v) => dv.setFloat64(o, v, true), 0);

/** Raw bytes: byte arrays, unions, and kernel objects (`struct bpf_wq`…) that user space does not interpret. */
export function bytes(size: number): Codec<Uint8Array> {
  return {
    size,
    read: (dv, o) => new Uint8Array(dv.buffer.slice(dv.byteOffset + o, dv.byteOffset + o + size)),
    write: (dv, o, v) => {
      const dst = new Uint8Array(dv.buffer, dv.byteOffset + o, size);
      dst.fill(0);
      dst.set(v.subarray(0, size));
    },
    zero: () => new Uint8Array(size),
  };
}

/** `T[n]` */
export function array<T>(elem: Codec<T>, length: number): Codec<T[]> {
  return {
    size: elem.size * length,
    read: (dv, o) => Array.from({ length }, (_, i) => elem.read(dv, o + i * elem.size)),
    write: (dv, o, v) => {
      for (let i = 0; i < length; i++) elem.write(dv, o + i * elem.size, i < v.length ? v[i]! : elem.zero());
    },
    zero: () => Array.from({ length }, () => elem.zero()),
  };
}

/** A bitfield of `bits` bits at bit `bitOffset` of the struct (use with field offset 0). */
export function bitfield(bitOffset: number, bits: number, signed = false): Codec<number> {
  const byte = Math.floor(bitOffset / 8);
  const shift = bitOffset % 8;
  const span = Math.ceil((shift + bits) / 8);
  const readRaw = (dv: DataView, o: number): bigint => {
    let v = 0n;
    for (let i = span - 1; i >= 0; i--) v = (v << 8n) | BigInt(dv.getUint8(o + byte + i));
    return v;
  };
  const mask = (1n << BigInt(bits)) - 1n;
  return {
    size: 0,
    read: (dv, o) => {
      const v = (readRaw(dv, o) >> BigInt(shift)) & mask;
      return Number(signed ? BigInt.asIntN(bits, v) : v);
    },
    write: (dv, o, value) => {
      let v = readRaw(dv, o) & ~(mask << BigInt(shift));
      v |= (BigInt.asUintN(bits, BigInt(value)) & mask) << BigInt(shift);
      for (let i = 0; i < span; i++) dv.setUint8(o + byte + i, Number((v >> BigInt(8 * i)) & 0xffn));
    },
    zero: () => 0,
  };
}

export type Fields<T> = { [K in keyof T]: readonly [offset: number, codec: Codec<T[K]>] };

/** A C struct: each field at its offset, the rest (padding) zero. */
export function struct<T>(size: number, fields: Fields<T>): Codec<T> {
  const entries = Object.entries(fields) as [keyof T & string, readonly [number, Codec<unknown>]][];
  return {
    size,
    read: (dv, o) => {
      const out = {} as Record<string, unknown>;
      for (const [name, [off, c]] of entries) out[name] = c.read(dv, o + off);
      return out as T;
    },
    write: (dv, o, v) => {
      new Uint8Array(dv.buffer, dv.byteOffset + o, size).fill(0);
      for (const [name, [off, c]] of entries) {
        const fv = (v as Record<string, unknown>)[name];
        c.write(dv, o + off, fv === undefined ? c.zero() : fv);
      }
    },
    zero: () => {
      const out = {} as Record<string, unknown>;
      for (const [name, [, c]] of entries) out[name] = c.zero();
      return out as T;
    },
  };
}

/** The bytes of `value`. */
export function encode<T>(codec: Codec<T>, value: T): Uint8Array {
  const b = new Uint8Array(codec.size);
  codec.write(new DataView(b.buffer), 0, value);
  return b;
}

/** The value at `offset` of `bytes`. */
export function decode<T>(codec: Codec<T>, bytes: Uint8Array, offset = 0): T {
  if (bytes.length < offset + codec.size) throw new RangeError(`decode: ${bytes.length} bytes, need ${offset + codec.size}`);
  return codec.read(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset);
}
