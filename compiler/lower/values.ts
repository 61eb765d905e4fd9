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
  | { k: "ref"; base: Base; off: number; t: StructType | ArrayType | KStructType }
  | { k: "map"; symbol: string; t: MapType }
  | { k: "func"; decl: FunctionDeclaration; t: FuncType }
  /** A kfunc declared with kfunc<Sig>("name"). */
  | { k: "kfunc"; name: string; t: FuncType; weak: boolean }
  | { k: "null" }
  | { k: "void" };

/** A place that can be assigned. */
export type LVal =
  | { k: "var"; reg: VReg; t: Type }
  | { k: "mem"; base: Base; off: number; t: Type };

/** How a name is bound in a scope. */
export type Binding =
  | { k: "val"; val: Val }
  | { k: "var"; reg: VReg; t: Type };
