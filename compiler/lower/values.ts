/**
 * What an expression lowers to. Scalars and pointers live in vregs (or are
 * immediates); struct and array values are references to memory, as objects are
 * in JavaScript; maps and functions are compile-time values that specialise the
 * code that uses them.
 */
import type { Base, VReg } from "../ir/ir.js";
import type { ArrayType, BoolType, FuncType, IntType, KStructType, MapType, StructType, Type } from "../types/model.js";
import type { FunctionDeclaration } from "ts-morph";

export type Val =
  | { k: "imm"; value: bigint; t: IntType | BoolType }
  /** `owned`: a fresh temporary nobody else writes (safe to bind without a copy). */
  | { k: "reg"; reg: VReg; t: Type; owned: boolean }
  /** `core`: a kernel object reached from a kernel pointer, whose accesses are CO-RE relocated. */
  | { k: "ref"; base: Base; off: number; t: StructType | ArrayType | KStructType; core?: CorePath }
  | { k: "map"; symbol: string; t: MapType }
  | { k: "func"; decl: FunctionDeclaration; t: FuncType }
  /** A kfunc declared with kfunc<Sig>("name"). */
  | { k: "kfunc"; name: string; t: FuncType; weak: boolean }
  | { k: "null" }
  | { k: "void" };

/** A place that can be assigned. */
export type LVal =
  | { k: "var"; reg: VReg; t: Type }
  | { k: "mem"; base: Base; off: number; t: Type; core?: CorePath; bitfield?: Bitfield };

/**
 * A CO-RE access path so far: the root kernel struct (a KernelBtf id) and the
 * raw access indices from it ([0, 12, 3] for "0:12:3"). `off` of the value
 * that carries it is the build machine's offset of that access from the root.
 */
export interface CorePath { root: number; access: number[] }

/** A kernel bitfield: `bitOffset` from the base, `bits` wide, in a storage unit of `unit` bytes (its C type's size). */
export interface Bitfield { bitOffset: number; bits: number; unit: number }

/** How a name is bound in a scope. */
export type Binding =
  | { k: "val"; val: Val }
  | { k: "var"; reg: VReg; t: Type };
