/** The IR of a whole object: what lowering hands to the optimiser and the backend. */
import type { IrFunction, Loc } from "./ir.js";
import type { Span } from "../diagnostics.js";
import type { BtfType } from "../btf/types.js";
import type { FuncType, MapKind, Type } from "../types/model.js";

export interface MapDef {
  name: string;
  mapKind: MapKind;
  /** Absent for maps without keys (queue, stack, bloom filter, ring buffer…). */
  key?: Type;
  /** Absent for ring buffers, perf event arrays and program arrays. */
  value?: Type;
  maxEntries: number;
  flags: number;
  pinning?: number;
  numaNode?: number;
  /** Maps of maps: the inner-map prototype (`__array(values, …)`) and the slots libbpf fills at load. */
  inner?: MapDef;
  values?: (string | null)[];
}

export type DataSection = ".bss" | ".data" | ".rodata";

export interface GlobalDef {
  name: string;
  type: Type;
  section: DataSection;
  /** Initial bytes (all zero for .bss). */
  init: Uint8Array;
  /** A compiler-made object (format strings): a local symbol and a static BTF VAR, as clang's statics. */
  local?: boolean;
}

export interface FuncParam { name: string; type: Type }

export interface ProgramDef {
  /** Where the program is declared, for diagnostics from later stages. */
  span?: Span;
  /** The program's symbol (the exported const's name). */
  name: string;
  /** libbpf section name, e.g. "tc", "cgroup_skb/ingress". */
  section: string;
  fn: IrFunction;
  params: FuncParam[];
  ret: Type;
}

export interface SubprogramDef {
  span?: Span;
  name: string;
  fn: IrFunction;
  params: FuncParam[];
  ret: Type;
}

export interface KfuncDef {
  /** The kernel's name of the kfunc. */
  name: string;
  type: FuncType;
  /** A weak extern: the object loads where the kernel lacks it. */
  weak?: boolean;
}

/**
 * A struct_ops map: a `.struct_ops` variable of a kernel struct type (libbpf's
 * `SEC(".struct_ops") struct tcp_congestion_ops NAME = {…}`).
 */
export interface StructOpsDef {
  /** The variable's (and so the map's) name. */
  name: string;
  /** The kernel BTF the struct comes from, and its type id there: the object's BTF copies it. */
  kernelTypes: readonly BtfType[];
  typeId: number;
  /** The variable's bytes (scalar members and char arrays filled in; function pointers 0). */
  data: Uint8Array;
  /** Function-pointer members: byte offset → the program symbol (an R_BPF_64_ABS64). */
  funcs: { offset: number; program: string }[];
}

export interface ModuleIR {
  /** The entry file's path relative to the project root, as line_info names it. */
  file: string;
  license: string;
  maps: MapDef[];
  globals: GlobalDef[];
  programs: ProgramDef[];
  /** Subprograms in .text: callbacks and functions called with BPF-to-BPF calls. */
  subprograms: SubprogramDef[];
  kfuncs: KfuncDef[];
  /** The kernel's BTF types (and local `___flavour` types), when programs access kernel structs: CO-RE roots index it. */
  kernelTypes?: readonly BtfType[];
  /** struct_ops maps (absent: none). */
  structOps?: StructOpsDef[];
  loc?: Loc;
}
