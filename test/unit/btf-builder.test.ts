import { describe, expect, it } from "vitest";
import {
  BTF_FUNC_EXTERN,
  BTF_FUNC_GLOBAL,
  BTF_FUNC_STATIC,
  BTF_INT_BOOL,
  BTF_INT_SIGNED,
  BTF_KIND_ARRAY,
  BTF_KIND_DATASEC,
  BTF_KIND_PTR,
  BTF_KIND_STRUCT,
  BTF_MAGIC,
  BTF_VAR_GLOBAL_ALLOCATED,
  BTF_VAR_STATIC,
  BtfBuilder,
  builderFromParsed,
  parseBtf,
  printBtf,
} from "../../compiler/btf/index.js";

function u32(bytes: Uint8Array, off: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(off, true);
}

describe("BtfBuilder strings", () => {
  it("offset 0 is the empty string and strings are deduplicated", () => {
    const b = new BtfBuilder();
    expect(b.addString("")).toBe(0);
    const a = b.addString("abc");
    expect(a).toBe(1);
    expect(b.addString("x")).toBe(5);
    expect(b.addString("abc")).toBe(a);
    expect(b.stringList()).toEqual(["", "abc", "x"]);
    expect(b.stringsSize).toBe(7);
  });

  it("counts UTF-8 bytes", () => {
    const b = new BtfBuilder();
    b.addString("é");
    expect(b.addString("z")).toBe(4);
  });

  it("rejects NUL inside a string", () => {
    expect(() => new BtfBuilder().addString("a\0b")).toThrow(/NUL/);
  });
});

describe("BtfBuilder types", () => {
  it("interns anonymous structural types but adds named ones as given", () => {
    const b = new BtfBuilder();
    const int = b.int("int", 4, BTF_INT_SIGNED);
    expect(int).toBe(1);
    expect(b.ptr(int)).toBe(2);
    expect(b.ptr(int)).toBe(2);
    expect(b.const(int)).toBe(b.const(int));
    expect(b.volatile(int)).toBe(b.volatile(int));
    expect(b.restrict(b.ptr(int))).toBe(b.restrict(2));
    const idx = b.arraySizeType();
    expect(b.arraySizeType()).toBe(idx);
    expect(b.array(int, idx, 4)).toBe(b.array(int, idx, 4));
    expect(b.array(int, idx, 4)).toBe(b.arrayOf(int, 4));
    expect(b.array(int, idx, 5)).not.toBe(b.array(int, idx, 4));
    const p1 = b.funcProto(int, [{ name: "x", type: int }]);
    expect(b.funcProto(int, [{ name: "x", type: int }])).toBe(p1);
    expect(b.funcProto(int, [{ name: "y", type: int }])).not.toBe(p1);
    // named and anonymous aggregates are never merged
    expect(b.int("int", 4, BTF_INT_SIGNED)).not.toBe(int);
    const s1 = b.struct(undefined, 4, [{ name: "a", type: int, bitOffset: 0 }]);
    const s2 = b.struct(undefined, 4, [{ name: "a", type: int, bitOffset: 0 }]);
    expect(s2).not.toBe(s1);
    expect(b.typeTag("user", int)).toBe(b.typeTag("user", int));
  });

  it("arrayOf gives the ARRAY its id before a new __ARRAY_SIZE_TYPE__, like clang", () => {
    const b = new BtfBuilder();
    const int = b.int("int", 4, BTF_INT_SIGNED);
    const arr = b.arrayOf(int, 2);
    expect(arr).toBe(2);
    expect(b.get(3)).toEqual({ kind: 1, name: "__ARRAY_SIZE_TYPE__", size: 4, encoding: 0 });
    expect(b.get(arr)).toEqual({ kind: BTF_KIND_ARRAY, type: int, indexType: 3, nelems: 2 });
  });

  it("builds recursive structs with reserve/set", () => {
    const b = new BtfBuilder();
    const node = b.reserve();
    const ptr = b.ptr(node);
    const int = b.int("int", 4, BTF_INT_SIGNED);
    b.set(node, {
      kind: BTF_KIND_STRUCT,
      name: "node",
      size: 16,
      members: [
        { name: "next", type: ptr, bitOffset: 0 },
        { name: "v", type: int, bitOffset: 64 },
      ],
    });
    expect(printBtf(b)).toBe(
      "[1] STRUCT 'node' size=16 vlen=2\n" +
        "\t'next' type_id=2 bits_offset=0\n" +
        "\t'v' type_id=3 bits_offset=64\n" +
        "[2] PTR '(anon)' type_id=1\n" +
        "[3] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n",
    );
    expect(() => b.set(node, { kind: BTF_KIND_PTR, type: 0 })).toThrow(/already defined/);
    expect(() => b.set(99, { kind: BTF_KIND_PTR, type: 0 })).toThrow(/no reserved/);
  });

  it("a set() PTR is found by later ptr() calls", () => {
    const b = new BtfBuilder();
    const p = b.reserve();
    const int = b.int("int", 4, BTF_INT_SIGNED);
    b.set(p, { kind: BTF_KIND_PTR, type: int });
    expect(b.ptr(int)).toBe(p);
  });

  it("refuses to encode unfilled placeholders and dangling ids", () => {
    const b1 = new BtfBuilder();
    b1.reserve();
    expect(() => b1.encode()).toThrow(/never set/);
    const b2 = new BtfBuilder();
    b2.struct("s", 4, [{ name: "a", type: 7, bitOffset: 0 }]);
    expect(() => b2.encode()).toThrow(/refers to type id 7/);
    const b3 = new BtfBuilder();
    b3.func("f", b3.int("int", 4, BTF_INT_SIGNED), BTF_FUNC_GLOBAL);
    expect(() => b3.encode()).toThrow(/not a FUNC_PROTO/);
    const b4 = new BtfBuilder();
    b4.typedef("", b4.int("int", 4, BTF_INT_SIGNED));
    expect(() => b4.encode()).toThrow(/needs a name/);
    const b5 = new BtfBuilder();
    b5.int("int", 3, 0);
    expect(() => b5.encode()).toThrow(/INT size/);
  });

  it("seals after encode", () => {
    const b = new BtfBuilder();
    b.int("int", 4, BTF_INT_SIGNED);
    const bytes = b.encode();
    expect(b.sealed).toBe(true);
    expect(() => b.addString("late")).toThrow(/sealed/);
    expect(() => b.ptr(1)).toThrow(/sealed/);
    expect(b.encode()).toEqual(bytes);
  });
});

describe("BtfBuilder.encode", () => {
  it("writes the header and records like the kernel's layout", () => {
    const b = new BtfBuilder();
    const int = b.int("int", 4, BTF_INT_SIGNED);
    b.ptr(int);
    const bytes = b.encode();
    expect(bytes[0] | (bytes[1] << 8)).toBe(BTF_MAGIC);
    expect(bytes[2]).toBe(1);
    expect(bytes[3]).toBe(0);
    expect(u32(bytes, 4)).toBe(24); // hdr_len
    expect(u32(bytes, 8)).toBe(0); // type_off
    expect(u32(bytes, 12)).toBe(16 + 12); // type_len
    expect(u32(bytes, 16)).toBe(28); // str_off
    expect(u32(bytes, 20)).toBe(5); // "\0int\0"
    // INT: name_off 1, info kind 1 << 24, size 4, extra SIGNED << 24 | 32
    expect([u32(bytes, 24), u32(bytes, 28), u32(bytes, 32), u32(bytes, 36)]).toEqual([1, 1 << 24, 4, (1 << 24) | 32]);
    // PTR: name 0, kind 2, type 1
    expect([u32(bytes, 40), u32(bytes, 44), u32(bytes, 48)]).toEqual([0, 2 << 24, 1]);
    expect(Array.from(bytes.subarray(52))).toEqual([0, 105, 110, 116, 0]);
    expect(bytes.length).toBe(57);
  });

  it("is deterministic and repeatable", () => {
    const make = () => {
      const b = new BtfBuilder();
      const int = b.int("int", 4, BTF_INT_SIGNED);
      const s = b.struct("s", 8, [
        { name: "a", type: int, bitOffset: 0 },
        { name: "b", type: b.ptr(int), bitOffset: 32 },
      ]);
      b.variable("v", s, BTF_VAR_GLOBAL_ALLOCATED);
      return b;
    };
    const b = make();
    const first = b.encode();
    expect(b.encode()).toEqual(first);
    expect(make().encode()).toEqual(first);
  });

  it("sets kind_flag for bitfield structs, signed enums, union fwds", () => {
    const b = new BtfBuilder();
    const uint = b.int("unsigned int", 4, 0);
    b.struct("bits", 4, [
      { name: "a", type: uint, bitOffset: 0, bitfieldSize: 3 },
      { name: "b", type: uint, bitOffset: 3, bitfieldSize: 5 },
    ]);
    b.enumType("e", 4, [{ name: "NEG", value: -1 }], true);
    b.fwd("u", true);
    const bytes = b.encode();
    const parsed = parseBtf(bytes);
    expect(parsed.types[2]).toEqual({
      kind: BTF_KIND_STRUCT,
      name: "bits",
      size: 4,
      members: [
        { name: "a", type: 1, bitOffset: 0, bitfieldSize: 3 },
        { name: "b", type: 1, bitOffset: 3, bitfieldSize: 5 },
      ],
    });
    // info word of [2]: kflag | STRUCT << 24 | vlen 2
    expect(u32(bytes, 24 + 16 + 4)).toBe((0x80000000 | (4 << 24) | 2) >>> 0);
    // second member offset word: 5 << 24 | 3
    expect(u32(bytes, 24 + 16 + 12 + 12 + 8)).toBe((5 << 24) | 3);
    expect(printBtf(parsed)).toBe(
      "[1] INT 'unsigned int' size=4 bits_offset=0 nr_bits=32 encoding=(none)\n" +
        "[2] STRUCT 'bits' size=4 vlen=2\n" +
        "\t'a' type_id=1 bits_offset=0 bitfield_size=3\n" +
        "\t'b' type_id=1 bits_offset=3 bitfield_size=5\n" +
        "[3] ENUM 'e' encoding=SIGNED size=4 vlen=1\n" +
        "\t'NEG' val=-1\n" +
        "[4] FWD 'u' fwd_kind=union\n",
    );
  });
});

describe("parse + print", () => {
  function everyKind(): BtfBuilder {
    const b = new BtfBuilder();
    const int = b.int("int", 4, BTF_INT_SIGNED);
    const bool = b.int("_Bool", 1, BTF_INT_BOOL);
    const p = b.ptr(int);
    const arr = b.arrayOf(int, 3);
    const u = b.union("u", 4, [
      { name: "i", type: int, bitOffset: 0 },
      { type: bool, bitOffset: 0 },
    ]);
    b.enumType(undefined, 4, [
      { name: "A", value: 0 },
      { name: "B", value: 0xffffffff },
    ]);
    b.enum64("big", 8, [
      { name: "X", value: 1n << 40n },
      { name: "Y", value: (1n << 64n) - 1n },
    ]);
    b.enum64("sbig", 8, [{ name: "M", value: -5n }], true);
    const fwd = b.fwd("later");
    const td = b.typedef("myint", int);
    const cv = b.const(b.volatile(td));
    b.restrict(p);
    const proto = b.funcProto(int, [
      { name: "a", type: cv },
      { name: "b", type: b.ptr(fwd) },
    ]);
    const f = b.func("f", proto, BTF_FUNC_STATIC);
    b.func("ext", b.funcProto(0, [{ type: int }, { type: 0 }]), BTF_FUNC_EXTERN);
    const v = b.variable("v", arr, BTF_VAR_STATIC);
    const w = b.variable("w", u, BTF_VAR_GLOBAL_ALLOCATED);
    b.datasec(".data", 16, [
      { type: v, offset: 0, size: 12 },
      { type: w, offset: 12, size: 4 },
    ]);
    b.float("double", 8);
    b.declTag("tag", f, -1);
    b.declTag("argtag", f, 1);
    b.typeTag("user", int);
    return b;
  }

  it("round-trips every kind through encode/parse/builderFromParsed", () => {
    const bytes = everyKind().encode();
    const parsed = parseBtf(bytes);
    expect(builderFromParsed(parsed).encode()).toEqual(bytes);
  });

  it("prints every kind in bpftool's raw format", () => {
    const b = everyKind();
    const text = printBtf(b);
    expect(printBtf(b.encode())).toBe(text);
    expect(text).toBe(
      [
        "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
        "[2] INT '_Bool' size=1 bits_offset=0 nr_bits=8 encoding=BOOL",
        "[3] PTR '(anon)' type_id=1",
        "[4] ARRAY '(anon)' type_id=1 index_type_id=5 nr_elems=3",
        "[5] INT '__ARRAY_SIZE_TYPE__' size=4 bits_offset=0 nr_bits=32 encoding=(none)",
        "[6] UNION 'u' size=4 vlen=2\n\t'i' type_id=1 bits_offset=0\n\t'(anon)' type_id=2 bits_offset=0",
        "[7] ENUM '(anon)' encoding=UNSIGNED size=4 vlen=2\n\t'A' val=0\n\t'B' val=4294967295",
        "[8] ENUM64 'big' encoding=UNSIGNED size=8 vlen=2\n\t'X' val=1099511627776ULL\n\t'Y' val=18446744073709551615ULL",
        "[9] ENUM64 'sbig' encoding=SIGNED size=8 vlen=1\n\t'M' val=-5LL",
        "[10] FWD 'later' fwd_kind=struct",
        "[11] TYPEDEF 'myint' type_id=1",
        "[12] VOLATILE '(anon)' type_id=11",
        "[13] CONST '(anon)' type_id=12",
        "[14] RESTRICT '(anon)' type_id=3",
        "[15] PTR '(anon)' type_id=10",
        "[16] FUNC_PROTO '(anon)' ret_type_id=1 vlen=2\n\t'a' type_id=13\n\t'b' type_id=15",
        "[17] FUNC 'f' type_id=16 linkage=static",
        "[18] FUNC_PROTO '(anon)' ret_type_id=0 vlen=2\n\t'(anon)' type_id=1\n\t'(anon)' type_id=0",
        "[19] FUNC 'ext' type_id=18 linkage=extern",
        "[20] VAR 'v' type_id=4, linkage=static",
        "[21] VAR 'w' type_id=6, linkage=global",
        "[22] DATASEC '.data' size=16 vlen=2\n\ttype_id=20 offset=0 size=12 (VAR 'v')\n\ttype_id=21 offset=12 size=4 (VAR 'w')",
        "[23] FLOAT 'double' size=8",
        "[24] DECL_TAG 'tag' type_id=17 component_idx=-1",
        "[25] DECL_TAG 'argtag' type_id=17 component_idx=1",
        "[26] TYPE_TAG 'user' type_id=1",
        "",
      ].join("\n"),
    );
  });

  it("rejects malformed input", () => {
    const bytes = everyKind().encode();
    const bad = bytes.slice();
    bad[0] = 0;
    expect(() => parseBtf(bad)).toThrow(/magic/);
    expect(() => parseBtf(bytes.subarray(0, 30))).toThrow();
    const badKind = bytes.slice();
    badKind[24 + 7] = 25; // kind of [1]
    expect(() => parseBtf(badKind)).toThrow(/unknown kind/);
  });

  it("finds types by name", () => {
    const b = everyKind();
    expect(b.findByName(".data", BTF_KIND_DATASEC)).toBe(22);
    expect(b.findByName("int")).toBe(1);
    expect(b.findByName("nope")).toBeUndefined();
  });
});
