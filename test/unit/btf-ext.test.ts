import { describe, expect, it } from "vitest";
import {
  BPF_CORE_FIELD_BYTE_OFFSET,
  BTF_FUNC_GLOBAL,
  BTF_INT_SIGNED,
  BtfBuilder,
  type BtfExtInfo,
  encodeBtfAndExt,
  encodeBtfExt,
  parseBtf,
  parseBtfExt,
  printBtfExt,
} from "../../compiler/btf/index.js";

function u32(bytes: Uint8Array, off: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(off, true);
}

function program(): { b: BtfBuilder; main: number; sub: number; s: number } {
  const b = new BtfBuilder();
  const int = b.int("int", 4, BTF_INT_SIGNED);
  const proto = b.funcProto(int, [{ name: "ctx", type: b.ptr(0) }]);
  const main = b.func("prog", proto, BTF_FUNC_GLOBAL);
  const sub = b.func("helper", b.funcProto(int, [{ name: "x", type: int }]), BTF_FUNC_GLOBAL);
  const s = b.struct("s", 8, [
    { name: "a", type: int, bitOffset: 0 },
    { name: "b", type: int, bitOffset: 32 },
  ]);
  return { b, main, sub, s };
}

function info(main: number, sub: number, s?: number): BtfExtInfo {
  return {
    funcInfo: [
      { section: "tc", records: [{ insnOff: 0, typeId: main }] },
      { section: ".text", records: [{ insnOff: 0, typeId: sub }] },
    ],
    lineInfo: [
      {
        section: "tc",
        records: [
          { insnOff: 0, fileName: "p.ts", lineText: "export function prog(ctx) {", line: 3, col: 1 },
          { insnOff: 16, fileName: "p.ts", lineText: "  return helper(1);", line: 4, col: 3 },
        ],
      },
      { section: ".text", records: [{ insnOff: 0, fileName: "p.ts", lineText: "function helper(x) {", line: 7, col: 1 }] },
    ],
    coreRelo:
      s === undefined
        ? undefined
        : [{ section: "tc", records: [{ insnOff: 8, typeId: s, accessStr: "0:1", kind: BPF_CORE_FIELD_BYTE_OFFSET }] }],
  };
}

describe(".BTF.ext encoder", () => {
  it("writes clang's header layout and record encodings", () => {
    const { b, main, sub } = program();
    const ext = encodeBtfExt(b, info(main, sub));
    const btf = b.encode();
    expect(u32(ext, 0) & 0xffff).toBe(0xeb9f);
    expect(ext[2]).toBe(1);
    expect(ext[3]).toBe(0);
    expect(u32(ext, 4)).toBe(32);
    const funcLen = 4 + 2 * (8 + 8);
    const lineLen = 4 + (8 + 2 * 16) + (8 + 16);
    expect([u32(ext, 8), u32(ext, 12), u32(ext, 16), u32(ext, 20), u32(ext, 24), u32(ext, 28)]).toEqual([
      0,
      funcLen,
      funcLen,
      lineLen,
      funcLen + lineLen,
      0,
    ]);
    expect(ext.length).toBe(32 + funcLen + lineLen);
    const strings = parseBtf(btf);
    expect(u32(ext, 32)).toBe(8); // func_info rec_size
    expect(strings.stringAt(u32(ext, 36))).toBe("tc");
    expect(u32(ext, 40)).toBe(1);
    expect([u32(ext, 44), u32(ext, 48)]).toEqual([0, main]);
    const li = 32 + funcLen;
    expect(u32(ext, li)).toBe(16); // line_info rec_size
    expect(u32(ext, li + 4 + 8 + 16 + 12)).toBe((4 << 10) | 3); // second record's line_col
  });

  it("round-trips through parseBtfExt, including CO-RE relocations", () => {
    const { b, main, sub, s } = program();
    const src = info(main, sub, s);
    const { btf, ext } = encodeBtfAndExt(b, src);
    const parsed = parseBtfExt(ext!, btf);
    expect(parsed.funcInfoRecSize).toBe(8);
    expect(parsed.lineInfoRecSize).toBe(16);
    expect(parsed.coreReloRecSize).toBe(16);
    const strip = <T extends object>(r: T) =>
      Object.fromEntries(Object.entries(r).filter(([k]) => !k.endsWith("Off") || k === "insnOff"));
    expect(parsed.funcInfo.map((x) => ({ section: x.section, records: x.records }))).toEqual(src.funcInfo);
    expect(parsed.lineInfo.map((x) => ({ section: x.section, records: x.records.map(strip) }))).toEqual(src.lineInfo);
    expect(parsed.coreRelo.map((x) => ({ section: x.section, records: x.records.map(strip) }))).toEqual(src.coreRelo);
    const text = printBtfExt(parsed, parseBtf(btf));
    expect(text).toContain("insn_off=0 type_id=4 'prog'");
    expect(text).toContain("insn_off=16 p.ts:4:3 \"  return helper(1);\"");
    expect(text).toContain("access='0:1' kind=0");
  });

  it("leaves out empty sections and writes empty subsections with length 0", () => {
    const { b, main } = program();
    const ext = encodeBtfExt(b, {
      funcInfo: [
        { section: "tc", records: [{ insnOff: 0, typeId: main }] },
        { section: "xdp", records: [] },
      ],
      lineInfo: [],
    });
    expect([u32(ext, 8), u32(ext, 12), u32(ext, 16), u32(ext, 20), u32(ext, 24), u32(ext, 28)]).toEqual([
      0, 20, 20, 0, 20, 0,
    ]);
    expect(ext.length).toBe(52);
  });

  it("refuses info that libbpf or the kernel would reject", () => {
    const mk = () => program();
    const { b, main } = mk();
    expect(() => encodeBtfExt(b, { funcInfo: [], lineInfo: [{ section: "tc", records: [] }] })).toThrow(/no records/);
    expect(() =>
      encodeBtfExt(b, { funcInfo: [{ section: "tc", records: [{ insnOff: 4, typeId: main }] }], lineInfo: [] }),
    ).toThrow(/not a byte offset/);
    expect(() =>
      encodeBtfExt(b, {
        funcInfo: [
          {
            section: "tc",
            records: [
              { insnOff: 8, typeId: main },
              { insnOff: 8, typeId: main },
            ],
          },
        ],
        lineInfo: [],
      }),
    ).toThrow(/not sorted/);
    expect(() =>
      encodeBtfExt(b, {
        funcInfo: [
          { section: "tc", records: [{ insnOff: 0, typeId: main }] },
          { section: "tc", records: [{ insnOff: 8, typeId: main }] },
        ],
        lineInfo: [],
      }),
    ).toThrow(/twice/);
    expect(() => encodeBtfExt(b, { funcInfo: [{ section: "tc", records: [{ insnOff: 0, typeId: 1 }] }], lineInfo: [] })).toThrow(
      /not a FUNC/,
    );
    expect(() =>
      encodeBtfExt(b, { funcInfo: [{ section: "tc", records: [{ insnOff: 0, typeId: 999 }] }], lineInfo: [] }),
    ).toThrow(/out of range/);
  });

  it("cannot be encoded after the BTF (strings would be missing)", () => {
    const { b, main, sub } = program();
    b.encode();
    expect(() => encodeBtfExt(b, info(main, sub))).toThrow(/already encoded/);
  });

  it("encodeBtfAndExt adds the .BTF.ext strings to the .BTF it returns", () => {
    const { b, main, sub } = program();
    const { btf, ext } = encodeBtfAndExt(b, info(main, sub));
    const strs = parseBtf(btf).strings.map((s) => s.value);
    expect(strs).toEqual(expect.arrayContaining(["tc", ".text", "p.ts", "  return helper(1);"]));
    expect(ext).toBeDefined();
    const { b: b2 } = program();
    expect(encodeBtfAndExt(b2, { funcInfo: [], lineInfo: [] }).ext).toBeUndefined();
  });

  it("clamps columns above 1023 and rejects lines above 2^22-1", () => {
    const { b, main } = program();
    const rec = (line: number, col: number) => ({
      funcInfo: [{ section: "tc", records: [{ insnOff: 0, typeId: main }] }],
      lineInfo: [{ section: "tc", records: [{ insnOff: 0, fileName: "f", lineText: "l", line, col }] }],
    });
    const ext = encodeBtfExt(b, rec(5, 5000));
    expect(u32(ext, ext.length - 4)).toBe((5 << 10) | 1023);
    expect(() => encodeBtfExt(b, rec(1 << 22, 0))).toThrow(/line/);
  });

});
