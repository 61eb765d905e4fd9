/**
 * The shapes of the generated helper table (helpers.generated.ts, written by
 * scripts/gen-helpers.mjs from the kernel's include/uapi/linux/bpf.h).
 *
 * `CType` is the C type exactly as the helper documentation spells it, with the
 * kernel-internal context names replaced by their UAPI names (`struct sk_buff`
 * → `struct __sk_buff`, `xdp_buff` → `xdp_md`, `sk_msg_buff` → `sk_msg_md`, as
 * libbpf's bpf_helper_defs.h does). `ArgRole` says what the argument is to the
 * compiler, which the C type alone does not (`void *` is a map, a context,
 * memory, a socket or a callback depending on the helper).
 */

export type CType =
  | { kind: "void" }
  /** An integer; `name` is the C spelling (`u32`, `long`, `__be16`, `size_t`, `char`). */
  | { kind: "int"; name: string; size: 1 | 2 | 4 | 8; signed: boolean }
  /** A struct, by its C tag (`bpf_map`, `__sk_buff`, `task_struct`); only behind a pointer. */
  | { kind: "struct"; name: string }
  /** A pointer; `const` qualifies the pointee (`const void *`). */
  | { kind: "ptr"; const: boolean; to: CType }
  /** A function type, behind a pointer: a callback's prototype. */
  | { kind: "func"; ret: CType; params: readonly HelperParam[] };

/**
 * What an argument is to the compiler:
 * - `scalar`: an integer by value.
 * - `size`: an integer, the byte size of the memory argument `sizeOf`.
 * - `map`: a map (`struct bpf_map *`, or `void *map`/`void *ringbuf`); the
 *   compiler loads its address (`ld_imm64` with BPF_PSEUDO_MAP_FD).
 * - `ctx`: the program's context (`struct __sk_buff *skb`, `void *ctx`…).
 * - `mem`: memory the program owns (stack, map value, global, packet) that the
 *   helper reads (`readonly`) or writes; `size` names the argument giving its length.
 * - `intPtr`: a pointer to one integer the helper writes (`long *res`).
 * - `string`: a constant string (`const char *fmt`): a literal in .rodata.
 * - `kernel`: a pointer to a kernel object (`struct task_struct *`, a socket,
 *   `struct bpf_dynptr *`, `struct bpf_timer *`, `struct bpf_spin_lock *`…).
 * - `address`: an address as a value, which the helper dereferences safely
 *   (`const void *unsafe_ptr`, user pointers, per-CPU ksyms).
 * - `callback`: a static function, loaded with BPF_PSEUDO_FUNC; its type is a
 *   pointer to the callback's `func` prototype.
 * - `callbackCtx`: the pointer handed through to the callback (the stack, or NULL).
 */
export type ArgRole =
  | "scalar"
  | "size"
  | "map"
  | "ctx"
  | "mem"
  | "intPtr"
  | "string"
  | "kernel"
  | "address"
  | "callback"
  | "callbackCtx";

export interface HelperParam {
  name: string;
  type: CType;
  role: ArgRole;
  /** `mem`/`string`: the argument that gives this memory's size in bytes. */
  size?: string;
  /** `size`: the memory argument this one measures. */
  sizeOf?: string;
  /** `mem`: the helper only reads it. */
  readonly?: boolean;
  /** A pointer that may be NULL (PTR_MAYBE_NULL / *_OR_NULL in the kernel's func_proto). */
  nullable?: boolean;
}

export interface HelperProto {
  /** The C prototype as the documentation writes it. */
  proto: string;
  ret: CType;
  /** A pointer result that may be NULL (the documentation says so). */
  retNullable?: boolean;
  params: readonly HelperParam[];
  /** `...` after the fixed parameters (bpf_trace_printk). */
  variadic?: boolean;
  /** The Description text (RST as in bpf.h, dedented). */
  doc: string;
  /** The Return text. */
  returns: string;
}

export interface HelperInfo extends HelperProto {
  /** enum bpf_func_id: the `imm` of the BPF_CALL instruction. */
  id: number;
  /** Further documented prototypes of the same helper, one per program type (bpf_get_socket_cookie, bpf_sk_assign). */
  overloads?: readonly HelperProto[];
}

/** A C type as C spells it, for messages: `const void *`, `struct bpf_sock *`, `long (*)(u64, void *)`. */
export function formatCType(t: CType, inner = ""): string {
  const named = (base: string): string => (inner ? `${base} ${inner}` : base);
  switch (t.kind) {
    case "void":
      return named("void");
    case "int":
      return named(t.name);
    case "struct":
      return named(`struct ${t.name}`);
    case "ptr": {
      const star = t.to.kind === "func" ? `(*${inner})` : `*${inner}`;
      return t.const ? `const ${formatCType(t.to, star)}` : formatCType(t.to, star);
    }
    case "func": {
      const params = t.params.map((p) => formatCType(p.type)).join(", ");
      return formatCType(t.ret, `${inner}(${params || "void"})`);
    }
  }
}
