/**
 * BtfBuilder: the BTF type table and string table of one object, and the
 * encoder of the raw `.BTF` section (include/uapi/linux/btf.h layout,
 * little-endian, as clang writes it for `-target bpf`):
 *
 *   struct btf_header { u16 magic=0xeb9f; u8 version=1; u8 flags=0;
 *                       u32 hdr_len=24; u32 type_off=0; u32 type_len;
 *                       u32 str_off=type_len; u32 str_len; }
 *   type section: struct btf_type records, ids 1.. in table order
 *   string section: "\0" then every string NUL-terminated, in insertion order
 *
 * Type id 0 is void. Strings are deduplicated; offset 0 is "".
 *
 * Anonymous "structural" types built through the sugar methods (ptr, array,
 * arrayOf, const, volatile, restrict, funcProto, typeTag) are interned: two
 * calls with the same arguments return the same id. Named types (int, struct,
 * union, enum, typedef, func, var, datasec, …) and anonymous
 * structs/unions/enums are added as given, one per call. `add()` never
 * interns; `reserve()` + `set()` let a caller allocate an id before the type's
 * content is known (recursive structs, or clang's id order where a PTR or a
 * STRUCT gets its id before the types it refers to).
 *
 * Once `encode()` has run the builder is sealed: adding a string or a type
 * throws. Since `.BTF.ext` refers to strings of the `.BTF` string table, its
 * strings must be added first: use `encodeBtfAndExt()` from ext.ts, or call
 * `encodeBtfExt()` before `encode()` (the reverse order throws).
 */
import {
  BTF_FUNC_EXTERN,
  BTF_HEADER_SIZE,
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_DATASEC,
  BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_FWD,
  BTF_KIND_INT,
  BTF_KIND_NAMES,
  BTF_KIND_PTR,
  BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_UNION,
  BTF_KIND_UNKN,
  BTF_KIND_VAR,
  BTF_KIND_VOLATILE,
  BTF_MAGIC,
  BTF_MAX_BITFIELD_SIZE,
  BTF_MAX_MEMBER_BIT_OFFSET,
  BTF_MAX_NAME_OFFSET,
  BTF_MAX_TYPE,
  BTF_MAX_VLEN,
  BTF_TYPE_SIZE,
  BTF_VAR_GLOBAL_EXTERN,
  BTF_VERSION,
  type BtfFuncLinkage,
  type BtfIntEncoding,
  type BtfVarLinkage,
} from "./kinds.js";
import type {
  BtfEnum64Value,
  BtfEnumValue,
  BtfMember,
  BtfNonVoidType,
  BtfParam,
  BtfType,
  BtfVarSecinfo,
} from "./types.js";

/** Name of the index type clang uses for every array. */
export const ARRAY_SIZE_TYPE_NAME = "__ARRAY_SIZE_TYPE__";

const utf8 = new TextEncoder();

export interface BtfEncodeOptions {
  /**
   * Check the table before encoding (unfilled placeholders, dangling type
   * ids, field ranges, names required by the kernel). Default true; false
   * only to produce deliberately broken tables in tests.
   */
  validate?: boolean;
}

/** Size in bytes of one encoded type record (struct btf_type + its trailer). */
export function btfTypeEncodedSize(t: BtfNonVoidType): number {
  switch (t.kind) {
    case BTF_KIND_INT:
      return BTF_TYPE_SIZE + 4;
    case BTF_KIND_ARRAY:
      return BTF_TYPE_SIZE + 12;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return BTF_TYPE_SIZE + 12 * t.members.length;
    case BTF_KIND_ENUM:
      return BTF_TYPE_SIZE + 8 * t.values.length;
    case BTF_KIND_ENUM64:
      return BTF_TYPE_SIZE + 12 * t.values.length;
    case BTF_KIND_FUNC_PROTO:
      return BTF_TYPE_SIZE + 8 * t.params.length;
    case BTF_KIND_VAR:
      return BTF_TYPE_SIZE + 4;
    case BTF_KIND_DATASEC:
      return BTF_TYPE_SIZE + 12 * t.vars.length;
    case BTF_KIND_DECL_TAG:
      return BTF_TYPE_SIZE + 4;
    default:
      return BTF_TYPE_SIZE;
  }
}

/** Type ids a type refers to (for validation and tools). */
export function btfTypeRefs(t: BtfType): number[] {
  switch (t.kind) {
    case BTF_KIND_PTR:
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_TYPE_TAG:
    case BTF_KIND_FUNC:
    case BTF_KIND_VAR:
    case BTF_KIND_DECL_TAG:
      return [t.type];
    case BTF_KIND_ARRAY:
      return [t.type, t.indexType];
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return t.members.map((m) => m.type);
    case BTF_KIND_FUNC_PROTO:
      return [t.ret, ...t.params.map((p) => p.type)];
    case BTF_KIND_DATASEC:
      return t.vars.map((v) => v.type);
    default:
      return [];
  }
}

/** Strings a type uses, in the order clang adds them (type name, then members/params/values). */
export function btfTypeStrings(t: BtfType): string[] {
  switch (t.kind) {
    case BTF_KIND_UNKN:
      return [];
    case BTF_KIND_PTR:
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_ARRAY:
      return [];
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return [t.name ?? "", ...t.members.map((m) => m.name ?? "")];
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      return [t.name ?? "", ...t.values.map((v) => v.name)];
    case BTF_KIND_FUNC_PROTO:
      return t.params.map((p) => p.name ?? "");
    default:
      return [t.name];
  }
}

function u32ok(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

export class BtfBuilder {
  /** types[0] is void; `undefined` marks a reserved, not yet filled id. */
  private readonly types: (BtfType | undefined)[] = [{ kind: BTF_KIND_UNKN }];
  private readonly strings: string[] = [""];
  private readonly strOffsets = new Map<string, number>([["", 0]]);
  private strSize = 1;
  private readonly interned = new Map<string, number>();
  private arraySizeTypeId = 0;
  private encoded: Uint8Array | undefined;

  // ---------------------------------------------------------------- strings

  /** Offset of `s` in the string table, adding it if needed ("" is 0). */
  addString(s: string): number {
    const known = this.strOffsets.get(s);
    if (known !== undefined) return known;
    this.checkOpen();
    if (s.includes("\0")) throw new Error(`BTF string contains NUL: ${JSON.stringify(s)}`);
    const off = this.strSize;
    if (off > BTF_MAX_NAME_OFFSET) throw new Error("BTF string table too large");
    this.strOffsets.set(s, off);
    this.strings.push(s);
    this.strSize += utf8.encode(s).length + 1;
    return off;
  }

  /** Offset of an already added string, or undefined. */
  stringOffset(s: string): number | undefined {
    return this.strOffsets.get(s);
  }

  /** The string table's strings in offset order (first is ""). */
  stringList(): readonly string[] {
    return this.strings;
  }

  /** Byte size of the string section. */
  get stringsSize(): number {
    return this.strSize;
  }

  // ------------------------------------------------------------------ table

  /** Number of type ids including void (like libbpf's btf__type_cnt). */
  get typeCount(): number {
    return this.types.length;
  }

  /** The type with this id (0 → void); undefined for unknown or unfilled ids. */
  get(id: number): BtfType | undefined {
    return this.types[id];
  }

  /** True once encode() has run: no more strings or types can be added. */
  get sealed(): boolean {
    return this.encoded !== undefined;
  }

  /** First type with this name (and kind, if given), or undefined. */
  findByName(name: string, kind?: number): number | undefined {
    for (let id = 1; id < this.types.length; id++) {
      const t = this.types[id];
      if (!t || t.kind === BTF_KIND_UNKN) continue;
      if (kind !== undefined && t.kind !== kind) continue;
      if ("name" in t && (t.name ?? "") === name) return id;
    }
    return undefined;
  }

  /** Allocate an id whose type is given later with `set()`. */
  reserve(): number {
    this.checkOpen();
    this.types.push(undefined);
    this.checkCount();
    return this.types.length - 1;
  }

  /** Fill a reserved id. Returns `id`. */
  set(id: number, t: BtfNonVoidType): number {
    this.checkOpen();
    if (!Number.isInteger(id) || id <= 0 || id >= this.types.length) {
      throw new Error(`BtfBuilder.set: no reserved type id ${id}`);
    }
    if (this.types[id] !== undefined) throw new Error(`BtfBuilder.set: type id ${id} is already defined`);
    this.store(id, t);
    const key = internKey(t);
    if (key !== undefined && !this.interned.has(key)) this.interned.set(key, id);
    return id;
  }

  /** Append a type as given (never interned). Returns its id. */
  add(t: BtfNonVoidType): number {
    this.checkOpen();
    this.types.push(undefined);
    this.checkCount();
    const id = this.types.length - 1;
    this.store(id, t);
    return id;
  }

  private store(id: number, t: BtfNonVoidType): void {
    if ((t.kind as number) === BTF_KIND_UNKN || BTF_KIND_NAMES[t.kind] === undefined) {
      throw new Error(`BtfBuilder: bad kind ${t.kind}`);
    }
    const copy = cloneType(t);
    for (const s of btfTypeStrings(copy)) this.addString(s);
    this.types[id] = copy;
  }

  /** Add structurally: return the existing id of an identical anonymous type. */
  private intern(t: BtfNonVoidType): number {
    const key = internKey(t);
    if (key !== undefined) {
      const id = this.interned.get(key);
      if (id !== undefined) return id;
    }
    const id = this.add(t);
    if (key !== undefined) this.interned.set(key, id);
    return id;
  }

  // ------------------------------------------------------------------ sugar

  int(name: string, size: number, encoding: BtfIntEncoding | number = 0, bits = size * 8, bitsOffset = 0): number {
    return this.add({ kind: BTF_KIND_INT, name, size, encoding, bits, bitsOffset });
  }

  float(name: string, size: number): number {
    return this.add({ kind: BTF_KIND_FLOAT, name, size });
  }

  ptr(type: number): number {
    return this.intern({ kind: BTF_KIND_PTR, type });
  }

  array(elemType: number, indexType: number, nelems: number): number {
    return this.intern({ kind: BTF_KIND_ARRAY, type: elemType, indexType, nelems });
  }

  /**
   * The `__ARRAY_SIZE_TYPE__` index type clang uses for arrays (INT, size 4,
   * 32 bits, no encoding), created on first use.
   */
  arraySizeType(): number {
    if (this.arraySizeTypeId === 0) {
      this.arraySizeTypeId = this.add({ kind: BTF_KIND_INT, name: ARRAY_SIZE_TYPE_NAME, size: 4, encoding: 0 });
    }
    return this.arraySizeTypeId;
  }

  /**
   * An array indexed by `__ARRAY_SIZE_TYPE__`. As in clang's output, when
   * the index type does not exist yet the ARRAY gets its id first and the
   * index type the next one.
   */
  arrayOf(elemType: number, nelems: number): number {
    if (this.arraySizeTypeId !== 0) return this.array(elemType, this.arraySizeTypeId, nelems);
    const id = this.reserve();
    const index = this.arraySizeType();
    return this.set(id, { kind: BTF_KIND_ARRAY, type: elemType, indexType: index, nelems });
  }

  struct(name: string | undefined, size: number, members: BtfMember[]): number {
    return this.add({ kind: BTF_KIND_STRUCT, name: name ?? "", size, members });
  }

  union(name: string | undefined, size: number, members: BtfMember[]): number {
    return this.add({ kind: BTF_KIND_UNION, name: name ?? "", size, members });
  }

  enumType(name: string | undefined, size: number, values: BtfEnumValue[], signed = false): number {
    return this.add({ kind: BTF_KIND_ENUM, name: name ?? "", size, values, signed });
  }

  enum64(name: string | undefined, size: number, values: BtfEnum64Value[], signed = false): number {
    return this.add({ kind: BTF_KIND_ENUM64, name: name ?? "", size, values, signed });
  }

  fwd(name: string, union = false): number {
    return this.add({ kind: BTF_KIND_FWD, name, union });
  }

  typedef(name: string, type: number): number {
    return this.add({ kind: BTF_KIND_TYPEDEF, name, type });
  }

  volatile(type: number): number {
    return this.intern({ kind: BTF_KIND_VOLATILE, type });
  }

  const(type: number): number {
    return this.intern({ kind: BTF_KIND_CONST, type });
  }

  restrict(type: number): number {
    return this.intern({ kind: BTF_KIND_RESTRICT, type });
  }

  funcProto(ret: number, params: BtfParam[]): number {
    return this.intern({ kind: BTF_KIND_FUNC_PROTO, ret, params });
  }

  func(name: string, protoType: number, linkage: BtfFuncLinkage | number): number {
    return this.add({ kind: BTF_KIND_FUNC, name, type: protoType, linkage });
  }

  variable(name: string, type: number, linkage: BtfVarLinkage | number): number {
    return this.add({ kind: BTF_KIND_VAR, name, type, linkage });
  }

  datasec(name: string, size: number, vars: BtfVarSecinfo[]): number {
    return this.add({ kind: BTF_KIND_DATASEC, name, size, vars });
  }

  declTag(value: string, type: number, componentIdx = -1): number {
    return this.add({ kind: BTF_KIND_DECL_TAG, name: value, type, componentIdx });
  }

  typeTag(value: string, type: number): number {
    return this.intern({ kind: BTF_KIND_TYPE_TAG, name: value, type });
  }

  // ------------------------------------------------------------ encoding

  /**
   * The raw `.BTF` section. Seals the builder; calling it again returns the
   * same bytes (a copy).
   */
  encode(options: BtfEncodeOptions = {}): Uint8Array {
    if (this.encoded) return this.encoded.slice();
    if (options.validate !== false) this.validate();

    let typeLen = 0;
    for (let id = 1; id < this.types.length; id++) {
      const t = this.types[id];
      if (t === undefined) throw new Error(`BTF type id ${id} was reserved but never set`);
      typeLen += btfTypeEncodedSize(t as BtfNonVoidType);
    }
    const total = BTF_HEADER_SIZE + typeLen + this.strSize;
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, BTF_MAGIC, true);
    dv.setUint8(2, BTF_VERSION);
    dv.setUint8(3, 0);
    dv.setUint32(4, BTF_HEADER_SIZE, true);
    dv.setUint32(8, 0, true);
    dv.setUint32(12, typeLen, true);
    dv.setUint32(16, typeLen, true);
    dv.setUint32(20, this.strSize, true);

    let p = BTF_HEADER_SIZE;
    const u32 = (v: number) => {
      dv.setUint32(p, v >>> 0, true);
      p += 4;
    };
    const name = (s: string | undefined) => u32(this.strOffsets.get(s ?? "")!);
    const head = (nameStr: string | undefined, kind: number, vlen: number, kflag: boolean, sizeOrType: number) => {
      name(nameStr);
      u32(((kflag ? 1 : 0) << 31) | ((kind & 0x1f) << 24) | (vlen & 0xffff));
      u32(sizeOrType);
    };

    for (let id = 1; id < this.types.length; id++) {
      const t = this.types[id] as BtfNonVoidType;
      switch (t.kind) {
        case BTF_KIND_INT:
          head(t.name, t.kind, 0, false, t.size);
          u32(((t.encoding & 0x0f) << 24) | (((t.bitsOffset ?? 0) & 0xff) << 16) | ((t.bits ?? t.size * 8) & 0xff));
          break;
        case BTF_KIND_PTR:
        case BTF_KIND_CONST:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_RESTRICT:
          head(undefined, t.kind, 0, false, t.type);
          break;
        case BTF_KIND_TYPEDEF:
          head(t.name, t.kind, 0, false, t.type);
          break;
        case BTF_KIND_TYPE_TAG:
          head(t.name, t.kind, 0, t.attr === true, t.type);
          break;
        case BTF_KIND_ARRAY:
          head(undefined, t.kind, 0, false, 0);
          u32(t.type);
          u32(t.indexType);
          u32(t.nelems);
          break;
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION: {
          const kflag = t.members.some((m) => m.bitfieldSize !== undefined);
          head(t.name, t.kind, t.members.length, kflag, t.size);
          for (const m of t.members) {
            name(m.name);
            u32(m.type);
            u32(kflag ? ((m.bitfieldSize ?? 0) << 24) | (m.bitOffset & 0xffffff) : m.bitOffset);
          }
          break;
        }
        case BTF_KIND_ENUM:
          head(t.name, t.kind, t.values.length, t.signed === true, t.size);
          for (const v of t.values) {
            name(v.name);
            u32(v.value);
          }
          break;
        case BTF_KIND_ENUM64:
          head(t.name, t.kind, t.values.length, t.signed === true, t.size);
          for (const v of t.values) {
            const bits = BigInt.asUintN(64, v.value);
            name(v.name);
            u32(Number(bits & 0xffffffffn));
            u32(Number(bits >> 32n));
          }
          break;
        case BTF_KIND_FWD:
          head(t.name, t.kind, 0, t.union === true, 0);
          break;
        case BTF_KIND_FUNC:
          head(t.name, t.kind, t.linkage, false, t.type);
          break;
        case BTF_KIND_FUNC_PROTO:
          head(undefined, t.kind, t.params.length, false, t.ret);
          for (const prm of t.params) {
            name(prm.name);
            u32(prm.type);
          }
          break;
        case BTF_KIND_VAR:
          head(t.name, t.kind, 0, false, t.type);
          u32(t.linkage);
          break;
        case BTF_KIND_DATASEC:
          head(t.name, t.kind, t.vars.length, false, t.size);
          for (const v of t.vars) {
            u32(v.type);
            u32(v.offset);
            u32(v.size);
          }
          break;
        case BTF_KIND_FLOAT:
          head(t.name, t.kind, 0, false, t.size);
          break;
        case BTF_KIND_DECL_TAG:
          head(t.name, t.kind, 0, t.attr === true, t.type);
          u32(t.componentIdx);
          break;
      }
    }
    for (let i = 0; i < this.strings.length; i++) {
      const bytes = utf8.encode(this.strings[i]);
      out.set(bytes, p);
      p += bytes.length + 1; // NUL already there
    }
    if (p !== total) throw new Error(`BTF encoder size mismatch: ${p} != ${total}`);
    this.encoded = out;
    return out.slice();
  }

  /** Throws an Error describing the first problem found. */
  validate(): void {
    const n = this.types.length;
    const fail = (id: number, msg: string): never => {
      throw new Error(`BTF type [${id}]: ${msg}`);
    };
    for (let id = 1; id < n; id++) {
      const t = this.types[id];
      if (t === undefined) fail(id, "reserved but never set");
      const ty = t as BtfNonVoidType;
      const kind = BTF_KIND_NAMES[ty.kind];
      for (const ref of btfTypeRefs(ty)) {
        if (!Number.isInteger(ref) || ref < 0 || ref >= n) fail(id, `${kind} refers to type id ${ref} (have ${n})`);
      }
      switch (ty.kind) {
        case BTF_KIND_INT: {
          const bits = ty.bits ?? ty.size * 8;
          const off = ty.bitsOffset ?? 0;
          if (![1, 2, 4, 8, 16].includes(ty.size)) fail(id, `INT size ${ty.size}`);
          if (bits <= 0 || bits > 128 || off < 0 || off + bits > ty.size * 8) fail(id, `INT bits ${off}+${bits}`);
          if (![0, BTF_INT_SIGNED, BTF_INT_CHAR, BTF_INT_BOOL].includes(ty.encoding)) fail(id, `INT encoding ${ty.encoding}`);
          break;
        }
        case BTF_KIND_ARRAY:
          if (!u32ok(ty.nelems)) fail(id, `ARRAY nelems ${ty.nelems}`);
          if (ty.type === 0) fail(id, "ARRAY of void");
          break;
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION: {
          if (!u32ok(ty.size)) fail(id, `size ${ty.size}`);
          if (ty.members.length > BTF_MAX_VLEN) fail(id, "too many members");
          const kflag = ty.members.some((m) => m.bitfieldSize !== undefined);
          for (const m of ty.members) {
            if (!u32ok(m.bitOffset)) fail(id, `member '${m.name ?? ""}' bit offset ${m.bitOffset}`);
            if (kflag && m.bitOffset > BTF_MAX_MEMBER_BIT_OFFSET) fail(id, `member '${m.name ?? ""}' bit offset too large for a bitfield struct`);
            const bs = m.bitfieldSize ?? 0;
            if (!Number.isInteger(bs) || bs < 0 || bs > BTF_MAX_BITFIELD_SIZE) fail(id, `member '${m.name ?? ""}' bitfield size ${bs}`);
            if (m.type === 0) fail(id, `member '${m.name ?? ""}' of type void`);
          }
          break;
        }
        case BTF_KIND_ENUM:
          if (ty.values.length > BTF_MAX_VLEN) fail(id, "too many values");
          for (const v of ty.values) {
            if (!Number.isInteger(v.value) || v.value < -0x80000000 || v.value > 0xffffffff) fail(id, `ENUM value ${v.name}=${v.value}`);
          }
          break;
        case BTF_KIND_ENUM64:
          if (ty.values.length > BTF_MAX_VLEN) fail(id, "too many values");
          break;
        case BTF_KIND_FUNC_PROTO:
          if (ty.params.length > BTF_MAX_VLEN) fail(id, "too many params");
          ty.params.forEach((prm, i) => {
            if (prm.type === 0 && (i !== ty.params.length - 1 || (prm.name ?? "") !== "")) fail(id, `param #${i} of type void`);
          });
          break;
        case BTF_KIND_FUNC: {
          if (ty.linkage < 0 || ty.linkage > BTF_FUNC_EXTERN) fail(id, `FUNC linkage ${ty.linkage}`);
          const proto = this.types[ty.type];
          if (!proto || proto.kind !== BTF_KIND_FUNC_PROTO) fail(id, `FUNC '${ty.name}' type ${ty.type} is not a FUNC_PROTO`);
          break;
        }
        case BTF_KIND_VAR:
          if (ty.linkage < 0 || ty.linkage > BTF_VAR_GLOBAL_EXTERN) fail(id, `VAR linkage ${ty.linkage}`);
          if (ty.type === 0) fail(id, `VAR '${ty.name}' of type void`);
          break;
        case BTF_KIND_DATASEC:
          if (ty.vars.length > BTF_MAX_VLEN) fail(id, "too many vars");
          for (const v of ty.vars) {
            const vt = this.types[v.type];
            if (!vt || (vt.kind !== BTF_KIND_VAR && vt.kind !== BTF_KIND_FUNC)) fail(id, `DATASEC '${ty.name}' entry ${v.type} is not a VAR`);
            if (!u32ok(v.offset) || !u32ok(v.size)) fail(id, `DATASEC '${ty.name}' entry ${v.type} offset/size`);
          }
          break;
      }
      switch (ty.kind) {
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_FWD:
        case BTF_KIND_FUNC:
        case BTF_KIND_VAR:
        case BTF_KIND_DATASEC:
        case BTF_KIND_FLOAT:
        case BTF_KIND_DECL_TAG:
        case BTF_KIND_TYPE_TAG:
          if (!ty.name) fail(id, `${kind} needs a name`);
          break;
      }
    }
  }

  private checkOpen(): void {
    if (this.encoded) {
      throw new Error(
        "BtfBuilder is sealed: encode() already ran. Add every string and type " +
          "(including .BTF.ext strings: call encodeBtfExt first, or use encodeBtfAndExt) before encode().",
      );
    }
  }

  private checkCount(): void {
    if (this.types.length - 1 > BTF_MAX_TYPE) throw new Error("too many BTF types");
  }
}

/** Structural key for anonymous interned kinds; undefined for kinds added as given. */
function internKey(t: BtfNonVoidType): string | undefined {
  switch (t.kind) {
    case BTF_KIND_PTR:
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
      return `${t.kind}:${t.type}`;
    case BTF_KIND_TYPE_TAG:
      return `${t.kind}:${t.type}:${t.attr === true}:${t.name}`;
    case BTF_KIND_ARRAY:
      return `${t.kind}:${t.type}:${t.indexType}:${t.nelems}`;
    case BTF_KIND_FUNC_PROTO:
      return `${t.kind}:${t.ret}:${JSON.stringify(t.params.map((p) => [p.name ?? "", p.type]))}`;
    default:
      return undefined;
  }
}

function cloneType<T extends BtfType>(t: T): T {
  const c: BtfType = { ...t };
  switch (c.kind) {
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      c.members = c.members.map((m) => ({ ...m }));
      break;
    case BTF_KIND_ENUM:
      c.values = c.values.map((v) => ({ ...v }));
      break;
    case BTF_KIND_ENUM64:
      c.values = c.values.map((v) => ({ ...v }));
      break;
    case BTF_KIND_FUNC_PROTO:
      c.params = c.params.map((p) => ({ ...p }));
      break;
    case BTF_KIND_DATASEC:
      c.vars = c.vars.map((v) => ({ ...v }));
      break;
  }
  return c as T;
}
