/**
 * Module level: reads the entry file's top-level declarations (license, maps,
 * globals, programs, functions) and lowers every program, then every subprogram
 * the programs reach (callbacks and called functions), into a ModuleIR.
 */
import { Node, SyntaxKind } from "../frontend/ts-morph.js";
import type { ArrowFunction, Expression, FunctionDeclaration, SourceFile, VariableDeclaration } from "ts-morph";
import { Codes, CompileError, diag, type Diagnostic } from "../diagnostics.js";
import { isRuntimeFile } from "../frontend/project.js";
import type { DataSection, GlobalDef, MapDef, ModuleIR, ProgramDef, SubprogramDef, KfuncDef, StructOpsDef } from "../ir/module.js";
import { I8, I32, I64, OPAQUE, isScalar, sizeOf, type FuncType, type MapType, type Type } from "../types/model.js";
import { FunctionLowerer } from "./function.js";
import { KernelBtf } from "./kernel-btf.js";
import { wrap } from "./literals.js";
import { spanOf } from "./span.js";
import { checkFunctionDeclaration, unsupportedModuleStatement } from "./subset.js";
import { lowerStructOps } from "./struct-ops.js";
import { MAP_CLASSES, TypeResolver, builtinName, isLocalStorage, mapTypeArity, resolveAlias } from "./types.js";
import type { Val } from "./values.js";

/** A map definition's compile-time type; a map of maps holds its inner prototype's type. */
function mapTypeOf(m: MapDef): MapType {
  return { kind: "map", mapKind: m.mapKind, key: m.key, value: m.inner ? mapTypeOf(m.inner) : m.value };
}

/** libbpf section names of the program factories (libbpf's SEC() rules). */
const PROGRAM_SECTIONS: Record<string, (arg?: string) => string> = {
  socket: () => "socket",
  tc: () => "tc",
  action: () => "action",
  xdp: () => "xdp",
  cgroupSkb: (d) => `cgroup_skb/${d}`,
  cgroupSockAddr: (h) => `cgroup/${h}`,
  lwtIn: () => "lwt_in",
  lwtOut: () => "lwt_out",
  lwtXmit: () => "lwt_xmit",
  lwtSeg6local: () => "lwt_seg6local",
  skSkb: (k) => `sk_skb/${k}`,
  netfilter: () => "netfilter",
  lsm: (h) => `lsm/${h}`,
  fentry: (f) => `fentry/${f}`,
  fexit: (f) => `fexit/${f}`,
  tpBtf: (t) => `tp_btf/${t}`,
  syscall: () => "syscall",
  program: (s) => s!,
};
/** The context each factory's program receives (runtime-types names). */
const PROGRAM_CONTEXTS: Record<string, string> = {
  socket: "SkBuff", tc: "SkBuff", action: "SkBuff", cgroupSkb: "SkBuff", lwtIn: "SkBuff", lwtOut: "SkBuff",
  lwtXmit: "SkBuff", lwtSeg6local: "SkBuff", skSkb: "SkBuff", xdp: "XdpMd", cgroupSockAddr: "BpfSockAddr",
  netfilter: "BpfNfCtx", syscall: "SyscallCtx", lsm: "TracingCtx", fentry: "TracingCtx", fexit: "TracingCtx",
  tpBtf: "TracingCtx",
};

/** Factories whose programs may take the traced function's arguments (libbpf's BPF_PROG convention). */
const TRACING_FACTORIES = new Set(["fentry", "fexit", "tpBtf", "lsm"]);

/** Factories whose first argument is a string naming the attach point. */
const NAMED_FACTORIES = new Set(["cgroupSkb", "cgroupSockAddr", "skSkb", "lsm", "fentry", "fexit", "tpBtf", "program"]);

interface GlobalInfo { def: GlobalDef; decl: VariableDeclaration }

export class ModuleContext {
  readonly types = new TypeResolver(() => this.kernel());
  private kernelBtf: KernelBtf | undefined;

  /** The kernel's BTF, read on first use (layouts of `@btf` types). */
  kernel(): KernelBtf {
    return (this.kernelBtf ??= KernelBtf.load(this.btfPath));
  }
  readonly diagnostics: Diagnostic[] = [];
  private maps = new Map<Node, MapDef>();
  private globals = new Map<Node, GlobalInfo>();
  private functions = new Set<Node>();
  private subprograms = new Map<FunctionDeclaration, string>();
  private subprogramQueue: FunctionDeclaration[] = [];
  private kfuncs = new Map<string, KfuncDef>();
  private license: string | undefined;

  constructor(private readonly entry: SourceFile, readonly relFile: string, private readonly btfPath?: string) {}

  /** Runs `f`, turning a CompileError into a diagnostic; returns undefined on error. */
  private guard<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (err) {
      if (err instanceof CompileError) {
        // A declaration outside the subset is reported again at each use: once is enough.
        const d = err.diagnostic;
        if (!this.diagnostics.some((x) => x.code === d.code && x.file === d.file && x.start === d.start)) this.diagnostics.push(d);
        return undefined;
      }
      throw err;
    }
  }

  lower(): ModuleIR {
    const programs: { decl: VariableDeclaration; call: import("ts-morph").CallExpression; factory: string }[] = [];
    const structOpsDecls: { decl: VariableDeclaration; call: import("ts-morph").CallExpression }[] = [];
    for (const s of this.entry.getStatements()) {
      this.guard(() => {
        if (Node.isImportDeclaration(s)) {
          if (s.getModuleSpecifierValue() === "tsbpf") return;
          // Declaration files (e.g. the output of `tsbpf vmlinux`) give types and constants.
          if (s.getModuleSpecifierSourceFile()?.isDeclarationFile()) return;
          throw new CompileError(diag(Codes.ModuleImport,
            "Imports come from \"tsbpf\" or from declaration files (such as `tsbpf vmlinux` output); code in other modules is not supported yet.", spanOf(s)));
        }
        if (Node.isInterfaceDeclaration(s) || Node.isTypeAliasDeclaration(s)) return;
        if (Node.isClassDeclaration(s)) {
          this.types.struct(s); // checks it is a field-only class
          return;
        }
        if (Node.isFunctionDeclaration(s)) {
          this.functions.add(s);
          checkFunctionDeclaration(s);
          return;
        }
        if (Node.isExpressionStatement(s)) return this.moduleCall(s.getExpression());
        if (Node.isVariableStatement(s)) {
          const isConst = s.getDeclarationKind() === "const";
          for (const d of s.getDeclarations()) {
            this.guard(() => {
              const init = d.getInitializer();
              if (init && Node.isNewExpression(init)) return this.declareMap(d, init);
              if (init && Node.isCallExpression(init) && builtinName(init.getExpression()) === "kfunc") {
                return this.declareKfunc(d, init);
              }
              if (init && Node.isCallExpression(init)) {
                const factory = builtinName(init.getExpression());
                if (factory && factory in PROGRAM_SECTIONS) {
                  programs.push({ decl: d, call: init, factory });
                  return;
                }
                if (factory === "structOps") {
                  structOpsDecls.push({ decl: d, call: init });
                  return;
                }
              }
              this.declareGlobal(d, isConst);
            });
          }
          return;
        }
        if (Node.isEmptyStatement(s)) return;
        unsupportedModuleStatement(s);
        throw new CompileError(diag(Codes.UnsupportedSyntax, "Only declarations belong at module level: put statements inside a program.", spanOf(s)));
      });
    }
    if (this.license === undefined) {
      this.diagnostics.push(diag(Codes.BadLicense, 'No license: add license("GPL") — the work-queue kfuncs are GPL-only.',
        { file: this.entry.getFilePath(), text: this.entry.getFullText(), start: 0, length: 0 }));
    }
    if (programs.length === 0 && structOpsDecls.length === 0 && this.diagnostics.length === 0) {
      this.diagnostics.push(diag(Codes.NoPrograms, "No programs: declare one with `export const NAME = tc((ctx) => …)` or another factory.",
        { file: this.entry.getFilePath(), text: this.entry.getFullText(), start: 0, length: 0 }));
    }
    const progDefs: ProgramDef[] = [];
    for (const p of programs) {
      const def = this.guard(() => this.lowerProgram(p.decl, p.call, p.factory));
      if (def) progDefs.push(def);
    }
    const structOps: StructOpsDef[] = [];
    const structOpsPrograms = new Map<FunctionDeclaration, ProgramDef>();
    for (const s of structOpsDecls) {
      const r = this.guard(() => lowerStructOps(this, s.decl, s.call, structOpsPrograms));
      if (r) {
        progDefs.push(...r.programs);
        structOps.push(r.def);
      }
    }
    const subs: SubprogramDef[] = [];
    for (let i = 0; i < this.subprogramQueue.length; i++) {
      const decl = this.subprogramQueue[i]!;
      const def = this.guard(() => this.lowerSubprogram(decl));
      if (def) subs.push(def);
    }
    this.checkRecursion(progDefs, subs);
    return {
      file: this.relFile,
      license: this.license ?? "",
      maps: [...this.maps.values()],
      globals: [...[...this.globals.values()].map((g) => g.def), ...this.stringGlobals],
      programs: progDefs,
      subprograms: subs,
      kfuncs: [...this.kfuncs.values()],
      kernelTypes: this.kernelBtf?.types,
      ...(structOps.length ? { structOps } : {}),
    };
  }

  /** BPF has no recursion: a cycle of BPF-to-BPF calls is reported at the function that closes it. */
  private checkRecursion(programs: ProgramDef[], subs: SubprogramDef[]): void {
    const callees = new Map<string, string[]>();
    for (const f of [...programs, ...subs]) {
      callees.set(f.name, f.fn.blocks.flatMap((b) => b.insns.flatMap((i) => (i.op === "call" && i.target.kind === "local" ? [i.target.name] : []))));
    }
    const byName = new Map(subs.map((s) => [s.name, s]));
    const state = new Map<string, "visiting" | "done">();
    const visit = (name: string, path: string[]): void => {
      if (state.get(name) === "done") return;
      if (state.get(name) === "visiting") {
        const cycle = path.slice(path.indexOf(name));
        const sub = byName.get(name);
        this.diagnostics.push(diag(Codes.Recursion,
          `'${name}' calls itself${cycle.length > 1 ? ` (through ${cycle.slice(1).map((c) => `'${c}'`).join(", ")})` : ""}: recursion is not possible in BPF.`,
          sub?.span));
        return;
      }
      state.set(name, "visiting");
      for (const c of callees.get(name) ?? []) visit(c, [...path, name]);
      state.set(name, "done");
    };
    for (const p of programs) visit(p.name, []);
  }

  private moduleCall(e: Expression): void {
    if (Node.isCallExpression(e) && builtinName(e.getExpression()) === "license") {
      const arg = e.getArguments()[0];
      if (!arg || !Node.isStringLiteral(arg)) {
        throw new CompileError(diag(Codes.BadLicense, "license() takes a string literal, e.g. license(\"GPL\").", spanOf(e)));
      }
      if (this.license !== undefined) throw new CompileError(diag(Codes.BadLicense, "license() is given twice.", spanOf(e)));
      this.license = arg.getLiteralValue();
      return;
    }
    throw new CompileError(diag(Codes.UnsupportedSyntax, "Only license(…) may be called at module level.", spanOf(e)));
  }

  private declareMap(d: VariableDeclaration, init: import("ts-morph").NewExpression): void {
    const cls = builtinName(init.getExpression());
    const mapKind = cls ? MAP_CLASSES[cls] : undefined;
    if (!mapKind) throw new CompileError(diag(Codes.BadMapDeclaration, "'new' creates BPF maps only (ArrayMap, HashMap, …).", spanOf(init)));
    const parent = d.getVariableStatement();
    if (!parent || parent.getDeclarationKind() !== "const") {
      throw new CompileError(diag(Codes.BadMapDeclaration, "A map must be declared with const.", spanOf(d)));
    }
    const targs = init.getTypeArguments();
    const arity = mapTypeArity(mapKind);
    if (targs.length !== arity) {
      const want = arity === 2 ? "<K, V>" : arity === 1 ? "<V>" : "no type arguments";
      throw new CompileError(diag(Codes.BadMapDeclaration, `new ${cls}(…) takes ${want}.`, spanOf(init)));
    }
    const ofMaps = mapKind === "array_of_maps" || mapKind === "hash_of_maps";
    const inner = ofMaps ? this.innerPrototype(targs[1]!) : undefined;
    const resolved = (ofMaps ? targs.slice(0, 1) : targs).map((t) => this.types.resolve(t));
    for (const [i, t] of resolved.entries()) {
      if (!isScalar(t) && t.kind !== "struct" && t.kind !== "array") {
        throw new CompileError(diag(Codes.BadMapDeclaration, "Map keys and values are integers, structs or arrays.", spanOf(targs[i]!)));
      }
    }
    const storage = isLocalStorage(mapKind);
    // Local storage is keyed by its owner object; BTF says `int` (the fd user space passes).
    const key = arity === 2 ? resolved[0] : storage ? I32 : undefined;
    const value = ofMaps ? undefined : arity === 2 ? resolved[1] : arity === 1 ? resolved[0] : undefined;
    const opts = init.getArguments()[0];
    if (opts === undefined && storage) {
      // `new TaskStorage<V>()`: nothing to set.
    } else if (!opts || !Node.isObjectLiteralExpression(opts)) {
      throw new CompileError(diag(Codes.BadMapDeclaration, "Map options are an object literal: { maxEntries, flags?, pinning?, numaNode? }.", spanOf(init)));
    }
    const def: MapDef = { name: d.getName(), mapKind, key, value, maxEntries: 0, flags: 0, inner };
    for (const p of opts?.getProperties() ?? []) {
      if (!Node.isPropertyAssignment(p)) throw new CompileError(diag(Codes.BadMapDeclaration, "Map options are plain `name: value` pairs.", spanOf(p)));
      const name = p.getName();
      if (name === "values" && ofMaps) {
        def.values = this.innerValues(p.getInitializerOrThrow(), inner!);
        continue;
      }
      const v = Number(this.constant(p.getInitializerOrThrow()));
      if (name === "maxEntries") def.maxEntries = v;
      else if (name === "flags") def.flags = v;
      else if (name === "pinning") def.pinning = v;
      else if (name === "numaNode") def.numaNode = v;
      else throw new CompileError(diag(Codes.BadMapDeclaration, `Unknown map option '${name}'.`, spanOf(p)));
    }
    if (storage) {
      if (def.maxEntries !== 0) throw new CompileError(diag(Codes.BadMapDeclaration, "Local storage maps have no maxEntries: one value per owner object.", spanOf(opts!)));
    } else if (def.maxEntries <= 0 && mapKind !== "perf_event_array") {
      throw new CompileError(diag(Codes.BadMapDeclaration, "maxEntries must be a positive constant.", spanOf(opts ?? init)));
    }
    if (def.values && def.values.length > def.maxEntries) {
      throw new CompileError(diag(Codes.BadMapDeclaration, `values has ${def.values.length} slots; maxEntries is ${def.maxEntries}.`, spanOf(opts!)));
    }
    // The kernel requires BPF_F_NO_PREALLOC for LPM tries and local storage; C code always sets it.
    if (mapKind === "lpm_trie" || storage) def.flags |= 1;
    // The kernel reads numa_node only under BPF_F_NUMA_NODE; libbpf passes both through as given.
    if (def.numaNode !== undefined) def.flags |= 4;
    this.maps.set(d, def);
  }

  /** The map a map of maps' `typeof inner` names: its definition is the inner-map prototype. */
  private innerPrototype(t: import("ts-morph").TypeNode): MapDef {
    const decl = Node.isTypeQuery(t) ? resolveAlias(t.getExprName().getSymbol())?.getDeclarations()[0] : undefined;
    const m = decl && this.maps.get(decl);
    if (!m) throw new CompileError(diag(Codes.BadMapDeclaration, "The value type of a map of maps is 'typeof inner', for a map declared above.", spanOf(t)));
    if (m.mapKind === "array_of_maps" || m.mapKind === "hash_of_maps") {
      throw new CompileError(diag(Codes.BadMapDeclaration, "Maps of maps nest one level only.", spanOf(t)));
    }
    return m;
  }

  /** `values: [a, null, b]`: slots libbpf fills with the inner maps at load (`.values = { [0] = &a, [2] = &b }`). */
  private innerValues(e: Expression, inner: MapDef): (string | null)[] {
    if (!Node.isArrayLiteralExpression(e)) {
      throw new CompileError(diag(Codes.BadMapDeclaration, "values is an array literal of maps (or null for an empty slot).", spanOf(e)));
    }
    return e.getElements().map((x) => {
      if (x.getKind() === SyntaxKind.NullKeyword) return null;
      const decl = Node.isIdentifier(x) ? resolveAlias(x.getSymbol())?.getDeclarations()[0] : undefined;
      const m = decl && this.maps.get(decl);
      if (!m) throw new CompileError(diag(Codes.BadMapDeclaration, "Each slot is a map declared above, or null.", spanOf(x)));
      if (m.mapKind !== inner.mapKind) {
        throw new CompileError(diag(Codes.BadMapDeclaration, `'${m.name}' is not a map of the inner prototype's kind (${inner.mapKind}).`, spanOf(x)));
      }
      return m.name;
    });
  }

  private kfuncDecls = new Map<Node, { name: string; t: FuncType; weak: boolean }>();

  /** `const f = kfunc<(…) => R>("kernel_name", { weak? })` */
  private declareKfunc(d: VariableDeclaration, init: import("ts-morph").CallExpression): void {
    const sig = init.getTypeArguments()[0];
    const nameArg = init.getArguments()[0];
    if (!sig || !nameArg || !Node.isStringLiteral(nameArg)) {
      throw new CompileError(diag(Codes.BadArgument, 'Declare a kfunc as kfunc<(args) => ret>("kernel_name").', spanOf(init)));
    }
    const t = this.types.resolve(sig);
    if (t.kind !== "func") throw new CompileError(diag(Codes.BadArgument, "kfunc<…> takes a function type.", spanOf(sig)));
    let weak = false;
    const opts = init.getArguments()[1];
    if (opts) {
      if (!Node.isObjectLiteralExpression(opts)) throw new CompileError(diag(Codes.BadArgument, "kfunc options are { weak?: boolean }.", spanOf(opts)));
      for (const p of opts.getProperties()) {
        if (!Node.isPropertyAssignment(p) || p.getName() !== "weak") throw new CompileError(diag(Codes.BadArgument, "kfunc options are { weak?: boolean }.", spanOf(p)));
        weak = this.constant(p.getInitializerOrThrow()) !== 0n;
      }
    }
    this.kfuncDecls.set(d, { name: nameArg.getLiteralValue(), t, weak });
  }

  private declareGlobal(d: VariableDeclaration, isConst: boolean): void {
    const tn = d.getTypeNode();
    const init = d.getInitializer();
    if (!tn) throw new CompileError(diag(Codes.UnsupportedType, "A global needs a type annotation, e.g. `let hits: u64 = 0`.", spanOf(d)));
    const type = this.types.resolve(tn);
    if (!isScalar(type)) {
      throw new CompileError(diag(Codes.UnsupportedType, "Globals of this type are not supported yet: use integers.", spanOf(tn)));
    }
    const value = init ? wrap(this.constant(init), type) : 0n;
    const bytes = new Uint8Array(sizeOf(type));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number((BigInt.asUintN(64, value) >> BigInt(8 * i)) & 0xffn);
    const section: DataSection = isConst ? ".rodata" : value === 0n ? ".bss" : ".data";
    this.globals.set(d, { decl: d, def: { name: d.getName(), type, section, init: bytes } });
  }

  /** Compile-time integer expressions at module level (initialisers, map options). */
  constant(e: Expression): bigint {
    if (Node.isParenthesizedExpression(e)) return this.constant(e.getExpression());
    if (Node.isNumericLiteral(e) || Node.isBigIntLiteral(e)) {
      return BigInt(e.getText().replace(/_/g, "").replace(/n$/, "").replace(/^0([0-7]+)$/, "0o$1"));
    }
    if (Node.isTrueLiteral(e)) return 1n;
    if (Node.isFalseLiteral(e)) return 0n;
    if (Node.isPrefixUnaryExpression(e)) {
      const v = this.constant(e.getOperand());
      if (e.getOperatorToken() === SyntaxKind.MinusToken) return -v;
      if (e.getOperatorToken() === SyntaxKind.TildeToken) return ~v;
      if (e.getOperatorToken() === SyntaxKind.PlusToken) return v;
    }
    if (Node.isBinaryExpression(e)) {
      const a = this.constant(e.getLeft()), b = this.constant(e.getRight());
      switch (e.getOperatorToken().getKind()) {
        case SyntaxKind.PlusToken: return a + b;
        case SyntaxKind.MinusToken: return a - b;
        case SyntaxKind.AsteriskToken: return a * b;
        case SyntaxKind.BarToken: return a | b;
        case SyntaxKind.AmpersandToken: return a & b;
        case SyntaxKind.LessThanLessThanToken: return a << b;
        case SyntaxKind.GreaterThanGreaterThanToken: return a >> b;
      }
    }
    if (Node.isIdentifier(e)) {
      const decl = resolveAlias(e.getSymbol())?.getDeclarations()[0];
      if (decl && Node.isVariableDeclaration(decl)) {
        const init = decl.getInitializer();
        const g = this.globals.get(decl);
        if (init && (isRuntimeFile(decl.getSourceFile().getFilePath()) || decl.getSourceFile().isDeclarationFile() || g?.def.section === ".rodata")) return this.constant(init);
      }
    }
    throw new CompileError(diag(Codes.NotConstant, "A compile-time constant is needed here.", spanOf(e)));
  }

  /** What a module-level name means inside a function: a global's memory, a map, a function, a constant. */
  globalRef(decl: Node): { k: "global"; symbol: string; t: Type } | { k: "val"; val: Val } | undefined {
    const g = this.globals.get(decl);
    if (g) return { k: "global", symbol: g.def.name, t: g.def.type };
    const kf = this.kfuncDecls.get(decl);
    if (kf) return { k: "val", val: { k: "kfunc", name: kf.name, t: kf.t, weak: kf.weak } };
    const m = this.maps.get(decl);
    if (m) return { k: "val", val: { k: "map", symbol: m.name, t: mapTypeOf(m) } };
    if (Node.isFunctionDeclaration(decl) && this.functions.has(decl)) {
      return { k: "val", val: { k: "func", decl, t: this.functionType(decl) } };
    }
    if (Node.isVariableDeclaration(decl) && (isRuntimeFile(decl.getSourceFile().getFilePath()) || decl.getSourceFile().isDeclarationFile())) {
      const init = decl.getInitializer();
      if (init) return { k: "val", val: { k: "imm", value: this.constant(init), t: I32 } };
    }
    return undefined;
  }

  functionType(decl: FunctionDeclaration): FuncType {
    checkFunctionDeclaration(decl);
    const ret = decl.getReturnTypeNode();
    if (!ret) throw new CompileError(diag(Codes.UnsupportedType, `Function '${decl.getName()}' needs a return type annotation.`, spanOf(decl.getNameNode() ?? decl)));
    return {
      kind: "func",
      params: decl.getParameters().map((p) => this.types.annotation(p)),
      ret: this.types.resolve(ret),
    };
  }

  /** Functions that are struct_ops programs: they cannot also be called. */
  readonly structOpsFunctions = new Set<FunctionDeclaration>();

  isSubprogram(decl: FunctionDeclaration): boolean {
    return this.subprograms.has(decl);
  }

  requireSubprogram(decl: FunctionDeclaration): string {
    if (this.structOpsFunctions.has(decl)) {
      throw new CompileError(diag(Codes.BadProgram, `'${decl.getName()}' is a struct_ops program: it cannot also be called.`, spanOf(decl.getNameNode() ?? decl)));
    }
    let name = this.subprograms.get(decl);
    if (!name) {
      name = decl.getName() ?? "anon";
      this.subprograms.set(decl, name);
      this.subprogramQueue.push(decl);
    }
    return name;
  }

  private strings = new Map<string, string>();

  /** A NUL-terminated string constant in .rodata (printk formats); returns its symbol. */
  internString(text: string): string {
    let name = this.strings.get(text);
    if (!name) {
      name = `__tsbpf_str.${this.strings.size}`;
      this.strings.set(text, name);
      const bytes = new TextEncoder().encode(text + "\0");
      const t: Type = { kind: "array", elem: I8, length: bytes.length };
      this.stringGlobals.push({ name, type: t, section: ".rodata", init: bytes, local: true });
    }
    return name;
  }
  private stringGlobals: GlobalDef[] = [];

  requireKfunc(name: string, type: FuncType, weak = false): void {
    if (!this.kfuncs.has(name)) this.kfuncs.set(name, { name, type, weak });
  }

  private lowerProgram(d: VariableDeclaration, call: import("ts-morph").CallExpression, factory: string): ProgramDef {
    const args = call.getArguments();
    let attach: string | undefined;
    let fnArg: Node | undefined = args[0];
    if (NAMED_FACTORIES.has(factory)) {
      const a = args[0];
      if (!a || !Node.isStringLiteral(a)) {
        throw new CompileError(diag(Codes.BadProgram, `${factory}() takes a string literal first.`, spanOf(call)));
      }
      attach = a.getLiteralValue();
      fnArg = args[1];
    }
    if (!fnArg || !(Node.isArrowFunction(fnArg) || Node.isFunctionExpression(fnArg))) {
      throw new CompileError(diag(Codes.BadProgram, `${factory}() takes the program as an arrow function.`, spanOf(call)));
    }
    const fn = fnArg as ArrowFunction;
    const retNode = fn.getReturnTypeNode();
    const ret: Type = retNode ? this.types.resolve(retNode) : I32;
    if (ret.kind !== "int" && ret.kind !== "bool") {
      throw new CompileError(diag(Codes.BadProgram, "A program returns an integer.", spanOf(retNode ?? fn)));
    }
    const tracing = TRACING_FACTORIES.has(factory);
    const typedArgs = tracing && fn.getParameters().some((p) => p.getTypeNode() !== undefined);
    if (fn.getParameters().length > 1 && !typedArgs) {
      throw new CompileError(diag(Codes.BadProgram, "A program takes one parameter, its context (tracing programs: their typed arguments).", spanOf(fn)));
    }
    const annotated = tracing ? undefined : fn.getParameters()[0]?.getTypeNode();
    const ctx: Type = annotated ? this.types.resolve(annotated) : { kind: "ctx", name: PROGRAM_CONTEXTS[factory] ?? "unknown" };
    const fl = new FunctionLowerer(this, d.getName(), ret, d);
    const ir = typedArgs
      ? fl.lowerTracingBody(fn, fn.getParameters().map((p) => this.types.annotation(p)))
      : fl.lowerBody(fn, [ctx]);
    const params = [{ name: "ctx", type: OPAQUE as Type }]; // `void *ctx`, as clang's programs declare it
    return { span: spanOf(d), name: d.getName(), section: PROGRAM_SECTIONS[factory]!(attach), fn: ir, params, ret };
  }

  private lowerSubprogram(decl: FunctionDeclaration): SubprogramDef {
    const t = this.functionType(decl);
    // In a subprogram, maps and callbacks arrive as run-time pointers.
    const runtime = t.params.map((p): Type => (p.kind === "map" ? OPAQUE : p));
    for (const [i, p] of runtime.entries()) {
      if (p.kind === "func") {
        throw new CompileError(diag(Codes.BadCallback, "A function called at run time cannot take a callback parameter.", spanOf(decl.getParameters()[i]!)));
      }
    }
    const fl = new FunctionLowerer(this, this.subprograms.get(decl)!, t.ret, decl);
    const ir = fl.lowerBody(decl, runtime);
    return {
      span: spanOf(decl.getNameNode() ?? decl),
      name: ir.name,
      fn: ir,
      params: decl.getParameters().map((p, i) => ({ name: p.getName(), type: runtime[i]! })),
      ret: t.ret,
    };
  }
}

export { I64 };
export type { MapType };
