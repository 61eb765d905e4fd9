// `tsbpf vmlinux` on small hand-built BTF tables: names, collisions, the type
// mapping, the closure of a subset, determinism. No kernel needed.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { BTF_INT_BOOL, BTF_INT_SIGNED, BtfBuilder, parseBtf } from "../../compiler/btf/index.js";
import { SHT_PROGBITS, writeElf } from "../../compiler/elf/index.js";
import {
  BrandIndex,
  VmlinuxNameError,
  flattenMembers,
  generateVmlinux,
  parseBrand,
  pascalCase,
  readBtfFile,
  typecheckFiles,
} from "../../compiler/vmlinux/index.js";
import { tmpProject } from "../support/tmp.js";

/** The declaration of `name` (its JSDoc and body), from `export … name` to the next blank line. */
function decl(text: string, name: string): string {
  const m = new RegExp(`(?:^|\\n)(/\\*\\*(?:(?!\\*/)[\\s\\S])*\\*/\\n)?export (?:interface|type|declare const) ${name.replace(/\$/g, "\\$")}\\b[\\s\\S]*?(?=\\n\\n|$)`).exec(text);
  if (!m) throw new Error(`no declaration of ${name} in:\n${text}`);
  return m[0].trim();
}

function check(text: string, program = ""): string[] {
  const dir = tmpProject({ "vmlinux.d.ts": text, "prog.ts": program || "export {};\n" });
  return typecheckFiles([path.join(dir, "vmlinux.d.ts"), path.join(dir, "prog.ts")]);
}

/** A table exercising every kind the generator maps. */
function sample(): Uint8Array {
  const b = new BtfBuilder();
  const int = b.int("int", 4, BTF_INT_SIGNED);
  const uint = b.int("unsigned int", 4);
  const uchar = b.int("unsigned char", 1);
  const char = b.int("char", 1);
  const ulong = b.int("long unsigned int", 8);
  const boolT = b.int("_Bool", 1, BTF_INT_BOOL);
  const i128 = b.int("__int128", 16, BTF_INT_SIGNED);
  const dbl = b.float("double", 8);
  const u32 = b.typedef("u32", uint); // the tsbpf builtin
  const u8 = b.typedef("__u8", uchar);
  const boolTd = b.typedef("bool", boolT);
  const pid = b.typedef("pid_t", int);
  const task = b.reserve(); // struct task_struct, filled below (self-referential)
  const file = b.struct("file", 16, [{ name: "f_flags", type: uint, bitOffset: 0 }]);
  const listHead = b.reserve();
  b.set(listHead, {
    kind: 4, name: "list_head", size: 16,
    members: [{ name: "next", type: b.ptr(listHead), bitOffset: 0 }, { name: "prev", type: b.ptr(listHead), bitOffset: 64 }],
  });
  const inner = b.struct(undefined, 8, [
    { name: "a", type: uint, bitOffset: 0 },
    { name: "b", type: uint, bitOffset: 32 },
  ]);
  const anonUnion = b.union(undefined, 8, [
    { name: "x", type: ulong, bitOffset: 0 },
    { name: "", type: inner, bitOffset: 0 },
  ]);
  const named = b.struct(undefined, 4, [{ name: "c", type: int, bitOffset: 0 }]);
  const state = b.enumType("task_state", 4, [{ name: "TASK_RUNNING", value: 0 }, { name: "TASK_DEAD", value: 64 }]);
  b.enumType(undefined, 4, [{ name: "BPF_F_INGRESS", value: 1 }, { name: "TASK_DEAD", value: 2 }]);
  const big = b.enum64("big", 8, [{ name: "BIG_MAX", value: 0xffffffffffffffffn }, { name: "BIG_ONE", value: 1n }]);
  const cb = b.funcProto(int, [{ name: "", type: b.ptr(task) }, { name: "", type: uint }]);
  const atomic = b.typedef("atomic_t", b.struct(undefined, 4, [{ name: "counter", type: int, bitOffset: 0 }]));
  b.set(task, {
    kind: 4, name: "task_struct", size: 160,
    members: [
      { name: "pid", type: pid, bitOffset: 0, bitfieldSize: 0 },
      { name: "flags", type: u32, bitOffset: 32, bitfieldSize: 0 },
      { name: "on_cpu", type: uint, bitOffset: 64, bitfieldSize: 1 },
      { name: "in_iowait", type: uint, bitOffset: 65, bitfieldSize: 1 },
      { name: "parent", type: b.ptr(task), bitOffset: 128, bitfieldSize: 0 },
      { name: "tasks", type: listHead, bitOffset: 192, bitfieldSize: 0 },
      { name: "comm", type: b.arrayOf(char, 16), bitOffset: 320, bitfieldSize: 0 },
      { name: "", type: anonUnion, bitOffset: 448, bitfieldSize: 0 },
      { name: "named", type: named, bitOffset: 512, bitfieldSize: 0 },
      { name: "stack", type: b.ptr(0), bitOffset: 576, bitfieldSize: 0 },
      { name: "name", type: b.ptr(b.const(char)), bitOffset: 640, bitfieldSize: 0 },
      { name: "files", type: b.ptr(file), bitOffset: 704, bitfieldSize: 0 },
      { name: "cnt", type: b.ptr(int), bitOffset: 768, bitfieldSize: 0 },
      { name: "fn", type: b.ptr(cb), bitOffset: 832, bitfieldSize: 0 },
      { name: "state", type: state, bitOffset: 896, bitfieldSize: 0 },
      { name: "usage", type: atomic, bitOffset: 928, bitfieldSize: 0 },
      { name: "running", type: boolTd, bitOffset: 960, bitfieldSize: 0 },
      { name: "id", type: b.const(u8), bitOffset: 968, bitfieldSize: 0 },
      { name: "wide", type: i128, bitOffset: 1024, bitfieldSize: 0 },
      { name: "load", type: dbl, bitOffset: 1152, bitfieldSize: 0 },
      { name: "magic", type: big, bitOffset: 1216, bitfieldSize: 0 },
    ],
  });
  // Collisions: two C names with one PascalCase name, a struct and a union of one name, duplicates.
  b.struct("sk_buff", 8, [{ name: "len", type: uint, bitOffset: 0 }]);
  b.struct("__sk_buff", 4, [{ name: "len", type: uint, bitOffset: 0 }]);
  b.struct("workspace", 4, [{ name: "a", type: uint, bitOffset: 0 }]);
  b.union("workspace", 4, [{ name: "b", type: uint, bitOffset: 0 }]);
  b.struct("workspace", 4, [{ name: "c", type: uint, bitOffset: 0 }]);
  b.struct("bpf_iter__task", 8, [{ name: "task", type: b.ptr(task), bitOffset: 0 }]);
  b.struct("bpf_iter_task", 8, [{ name: "__opaque", type: b.arrayOf(ulong, 1), bitOffset: 0 }]);
  const fwdOnly = b.fwd("never_defined");
  b.struct("holder", 8, [{ name: "p", type: b.ptr(fwdOnly), bitOffset: 0 }]);
  const ta = b.struct("TransportAddress", 4, [{ name: "v", type: uint, bitOffset: 0 }]);
  b.typedef("TransportAddress", ta);
  b.typedef("string", int); // a reserved TypeScript name
  // A kfunc, a traced function, a tracepoint.
  const acquire = b.func("bpf_task_acquire", b.funcProto(b.ptr(task), [{ name: "p", type: b.ptr(task) }]), 1);
  b.declTag("bpf_kfunc", acquire);
  const lookup = b.funcProto(int, [
    { name: "name__str", type: b.ptr(b.const(char)) },
    { name: "p__nullable", type: b.ptr(task) },
    { name: "new", type: uint },
    { name: "", type: 0 },
  ]);
  b.declTag("bpf_kfunc", b.func("bpf_lookup", lookup, 1));
  b.func("do_exit", b.funcProto(0, [{ name: "code", type: ulong }]), 1);
  const voidp = b.ptr(0);
  const tpProto = b.funcProto(0, [{ name: "", type: voidp }, { name: "", type: boolTd }, { name: "", type: b.ptr(task) }, { name: "", type: b.ptr(task) }]);
  b.typedef("btf_trace_sched_switch", b.ptr(tpProto));
  const stubProto = b.funcProto(0, [{ name: "__data", type: voidp }, { name: "preempt", type: boolTd }, { name: "prev", type: b.ptr(task) }, { name: "next", type: b.ptr(task) }]);
  b.func("__probestub_sched_switch", stubProto, 0);
  return b.encode();
}

const SAMPLE = parseBtf(sample());

describe("pascalCase", () => {
  it("capitalises words and drops leading underscores", () => {
    expect(pascalCase("task_struct")).toBe("TaskStruct");
    expect(pascalCase("__sk_buff")).toBe("SkBuff");
    expect(pascalCase("sock_common")).toBe("SockCommon");
    expect(pascalCase("xdp_md")).toBe("XdpMd");
    expect(pascalCase("bpf_nf_ctx")).toBe("BpfNfCtx");
    expect(pascalCase("ZSTD_MatchState_t")).toBe("ZSTDMatchStateT");
    expect(pascalCase("in6_addr")).toBe("In6Addr");
  });

  it("keeps a double underscore inside a name as one `_`", () => {
    expect(pascalCase("bpf_iter__task")).toBe("BpfIter_Task");
    expect(pascalCase("bpf_iter_task")).toBe("BpfIterTask");
  });
});

describe("brands", () => {
  it("parse and resolve to type ids, duplicates numbered in id order", () => {
    expect(parseBrand("struct workspace___2")).toEqual({ kind: "struct", name: "workspace", ordinal: 2 });
    expect(parseBrand("typedef atomic_t")).toEqual({ kind: "typedef", name: "atomic_t", ordinal: 1 });
    expect(parseBrand("enum x")).toBeUndefined();
    const index = new BrandIndex(SAMPLE.types);
    const id = index.resolve("struct task_struct")!;
    expect(SAMPLE.types[id]).toMatchObject({ name: "task_struct" });
    expect(SAMPLE.types[index.resolve("union workspace___2")!]).toMatchObject({ kind: 5, name: "workspace" });
    expect(SAMPLE.types[index.resolve("struct workspace___3")!]).toMatchObject({ kind: 4, name: "workspace" });
    expect(index.resolve("struct workspace___2")).toBeUndefined(); // the second `workspace` is the union
    expect(SAMPLE.types[index.resolve("struct never_defined")!]).toMatchObject({ kind: 7 });
  });

  it("flattenMembers lifts anonymous members with parent-relative offsets", () => {
    const index = new BrandIndex(SAMPLE.types);
    const flat = flattenMembers(SAMPLE.types, index.resolve("struct task_struct")!);
    const by = Object.fromEntries(flat.map((m) => [m.name, m]));
    expect(by.x).toMatchObject({ bitOffset: 448, viaAnonymous: true });
    expect(by.b).toMatchObject({ bitOffset: 480, viaAnonymous: true, path: [7, 1, 1] });
    expect(by.pid).toMatchObject({ bitOffset: 0, viaAnonymous: false, path: [0] });
    expect(by.in_iowait).toMatchObject({ bitOffset: 65, bitfieldSize: 1 });
    expect(by.id!.readonly).toBe(true);
  });
});

describe("generateVmlinux on a hand-built table", () => {
  const full = generateVmlinux(SAMPLE).text;

  it("maps every kind as README.md's table says", () => {
    const t = decl(full, "TaskStruct");
    expect(t).toContain(' * @btf struct task_struct');
    expect(t).toContain('  readonly "@btf": "struct task_struct";');
    const field = (name: string) => new RegExp(`\\n  (?:readonly )?${name}: (.*);`).exec(t)?.[1];
    expect(field("pid")).toBe("pid_t");
    expect(field("flags")).toBe("u32"); // `typedef … u32` is tsbpf's u32
    expect(field("on_cpu")).toBe("u32");
    expect(field("parent")).toBe("TaskStruct"); // pointer to struct: the interface
    expect(field("tasks")).toBe("ListHead"); // embedded struct: the interface too
    expect(field("comm")).toBe("FixedArray<u8, 16>");
    expect(field("x")).toBe("u64"); // flattened from the anonymous union
    expect(field("a")).toBe("u32"); // … and from the anonymous struct inside it
    expect(t).toContain("\n  named: {\n    /** @offset 0 `int` */\n    c: i32;\n  };"); // anonymous struct type: inline
    expect(field("stack")).toBe("unknown");
    expect(field("name")).toBe("Ptr<u8>");
    expect(field("files")).toBe("File");
    expect(field("cnt")).toBe("Ptr<i32>");
    expect(field("fn")).toBe("(arg0: TaskStruct, arg1: u32) => i32");
    expect(field("state")).toBe("TaskState");
    expect(field("usage")).toBe("atomic_t");
    expect(field("running")).toBe("bool");
    expect(field("id")).toBe("__u8");
    expect(t).toContain("  readonly id: __u8;");
    expect(field("wide")).toBe("FixedArray<u64, 2>");
    expect(field("load")).toBe("unknown");
    expect(field("magic")).toBe("Big");
  });

  it("documents offsets, bitfields and C types", () => {
    const t = decl(full, "TaskStruct");
    expect(t).toContain("  /** @offset 4 `u32` */\n  flags: u32;");
    expect(t).toContain("  /** @offset 8 @bitOffset 65 @bitSize 1 `unsigned int` */\n  in_iowait: u32;");
    expect(t).toContain("  /** @offset 60 `unsigned int` (anonymous member) */\n  b: u32;");
    expect(t).toContain("  /** @offset 104 `int (*)(struct task_struct *, unsigned int)` */");
    expect(t).toContain("  /** @offset 80 `const char *` */");
    expect(t).toMatch(/^\/\*\*\n \* `struct task_struct`, 160 bytes\.\n/);
  });

  it("turns enums into an integer alias and constants; typedefs into aliases", () => {
    expect(decl(full, "TaskState")).toContain("export type TaskState = u32;\nexport declare const TASK_RUNNING = 0;\nexport declare const TASK_DEAD = 64;");
    expect(full).toContain("export declare const BPF_F_INGRESS = 1;");
    expect(full).toContain("/** `TASK_DEAD` of `anonymous enum` */\nexport declare const TASK_DEAD___2 = 2;");
    expect(full).toContain("export type Big = u64;\nexport declare const BIG_MAX = 0xffffffffffffffff;\nexport declare const BIG_ONE = 1;");
    expect(decl(full, "pid_t")).toContain("export type pid_t = i32;");
    expect(decl(full, "atomic_t")).toContain('  readonly "@btf": "typedef atomic_t";\n  /** @offset 0 `int` */\n  counter: i32;');
    expect(full).not.toMatch(/export type (u32|bool) /); // tsbpf's own
    expect(full).not.toMatch(/export type TransportAddress /); // `typedef struct TransportAddress TransportAddress`
    expect(full).toContain("export type string___2 = i32;");
  });

  it("resolves name collisions deterministically", () => {
    expect(decl(full, "SkBuff")).toContain('"@btf": "struct __sk_buff"'); // DSL.md's SkBuff
    expect(decl(full, "SkBuff___2")).toContain('"@btf": "struct sk_buff"');
    expect(decl(full, "Workspace")).toContain('"@btf": "struct workspace"');
    expect(decl(full, "Workspace___2")).toContain('"@btf": "union workspace___2"');
    expect(decl(full, "Workspace___3")).toContain('"@btf": "struct workspace___3"');
    expect(decl(full, "BpfIter_Task")).toContain('"@btf": "struct bpf_iter__task"');
    expect(decl(full, "BpfIterTask")).toContain('"@btf": "struct bpf_iter_task"');
    expect(decl(full, "NeverDefined")).toContain('"@btf": "struct never_defined"');
  });

  it("emits tracepoint argument tuples with the probe stub's names", () => {
    expect(decl(full, "SchedSwitchArgs")).toContain("export type SchedSwitchArgs = [preempt: bool, prev: TaskStruct, next: TaskStruct];");
  });

  it("emits function types for --funcs and --kfuncs", () => {
    const r = generateVmlinux(SAMPLE, { types: [], funcs: ["do_exit"], kfuncs: true }).text;
    expect(decl(r, "bpf_task_acquire")).toContain("export type bpf_task_acquire = (p: TaskStruct) => TaskStruct | null;");
    expect(decl(r, "bpf_task_acquire")).toContain("`struct task_struct *bpf_task_acquire(struct task_struct *p)` (kfunc)");
    expect(decl(r, "bpf_lookup")).toContain(
      "export type bpf_lookup = (name__str: string, p__nullable: TaskStruct | null, new_: u32, ...args: unknown[]) => i32;",
    );
    expect(decl(r, "do_exit")).toContain("export type do_exit = (code: u64) => void;");
    // The structs a function takes pointers to come with their members.
    expect(decl(r, "TaskStruct")).toContain("  pid: pid_t;");
    expect(check(r)).toEqual([]);
  });

  it("emits a requested subset and its closure, other structs behind pointers opaque", () => {
    const r = generateVmlinux(SAMPLE, { types: ["holder", "bpf_iter__task"] }).text;
    expect(decl(r, "TaskStruct")).toBe(
      "/**\n * `struct task_struct`: opaque here (emit it with `--types task_struct` for its members).\n" +
        ' * @btf struct task_struct\n */\nexport interface TaskStruct {\n  readonly "@btf": "struct task_struct";\n}',
    );
    expect(r).not.toContain("ListHead");
    const t = generateVmlinux(SAMPLE, { types: ["task_struct"] }).text;
    expect(decl(t, "ListHead")).toContain("next: ListHead;"); // embedded: in full
    expect(decl(t, "File")).not.toContain("f_flags"); // behind a pointer: opaque
    expect(t).not.toContain("SkBuff");
    // Names do not depend on the subset.
    expect(generateVmlinux(SAMPLE, { types: ["sk_buff"] }).text).toContain("export interface SkBuff___2 {");
    // Enumerators and TypeScript names select too.
    expect(generateVmlinux(SAMPLE, { types: ["BPF_F_INGRESS"] }).text).toContain("BPF_F_INGRESS = 1");
    expect(generateVmlinux(SAMPLE, { types: ["TaskStruct"] }).text).toContain("  pid: pid_t;");
  });

  it("reports unknown names", () => {
    expect(() => generateVmlinux(SAMPLE, { types: ["task_struct", "nope"] })).toThrow(VmlinuxNameError);
    expect(() => generateVmlinux(SAMPLE, { types: [], funcs: ["nope"] })).toThrow(/functions not found in the BTF: nope/);
    expect(() => generateVmlinux(SAMPLE, { tracepoints: ["nope"] })).toThrow(/tracepoints/);
  });

  it("is deterministic: same BTF and options, same bytes, whatever the option order", () => {
    expect(generateVmlinux(parseBtf(sample())).text).toBe(full);
    const a = generateVmlinux(SAMPLE, { types: ["task_struct", "holder"], funcs: ["do_exit"] }).text;
    const b = generateVmlinux(SAMPLE, { types: ["holder", "task_struct", "holder"], funcs: ["do_exit"] }).text;
    expect(a).toBe(b);
  });

  it("type-checks, and kernel types are nominal", () => {
    const program = `
import type { TaskStruct, File, SchedSwitchArgs, SkBuff, SkBuff___2 } from "./vmlinux.js";
import { TASK_DEAD, BIG_ONE } from "./vmlinux.js";
import type { i32, u32 } from "tsbpf";
declare const t: TaskStruct;
declare const f: File;
const pid: i32 = t.parent.pid;
const dead: u32 = TASK_DEAD + BIG_ONE;
const prev: TaskStruct = ([] as unknown as SchedSwitchArgs)[1];
function take(task: TaskStruct): i32 { return task.pid; }
take(t);
// @ts-expect-error a struct file is not a struct task_struct
take(f);
interface Mine { pid: i32 }
declare const mine: Mine;
// @ts-expect-error a look-alike user struct is not the kernel's
take(mine);
declare const skb: SkBuff;
// @ts-expect-error struct __sk_buff is not struct sk_buff
const kskb: SkBuff___2 = skb;
export { pid, dead, prev, kskb };
`;
    expect(check(full, program)).toEqual([]);
  });
});

describe("readBtfFile", () => {
  it("reads raw BTF, and the .BTF section of an ELF object", () => {
    const btf = sample();
    const elf = writeElf(
      { sections: [{ name: ".BTF", type: SHT_PROGBITS, flags: 0, data: btf, align: 4 }], symbols: [], relocations: [] },
      { libbpfChecks: false },
    );
    const dir = tmpProject({});
    fs.writeFileSync(path.join(dir, "raw.btf"), btf);
    fs.writeFileSync(path.join(dir, "prog.o"), elf);
    fs.writeFileSync(path.join(dir, "junk"), "hello");
    expect(readBtfFile(path.join(dir, "raw.btf"))).toEqual(btf);
    expect(readBtfFile(path.join(dir, "prog.o"))).toEqual(btf);
    expect(() => readBtfFile(path.join(dir, "junk"))).toThrow(/neither raw BTF/);
  });
});

describe("generated files are plain .d.ts text", () => {
  it("end with a newline and import only what they use", () => {
    const r = generateVmlinux(SAMPLE, { types: ["holder"] }).text;
    expect(r.endsWith("}\n")).toBe(true);
    expect(r).not.toContain("import type");
    expect(fs.existsSync(path.join(import.meta.dirname, "../../runtime-types/index.d.ts"))).toBe(true);
  });
});
