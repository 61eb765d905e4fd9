#!/usr/bin/env node
/**
 * Generates tsbpf's view of the BPF helpers from the kernel UAPI header.
 *
 *   node scripts/gen-helpers.mjs                  regenerate both outputs from scripts/data/bpf-helpers.h
 *   node scripts/gen-helpers.mjs --check          exit 1 if an output is not what the data generates
 *   node scripts/gen-helpers.mjs --out-dir DIR    write DIR/compiler/kernel/… and DIR/runtime-types/… instead
 *   node scripts/gen-helpers.mjs --input FILE     read another header (a full include/uapi/linux/bpf.h works)
 *   node scripts/gen-helpers.mjs --extract FILE --origin TEXT
 *                                                 refresh scripts/data/bpf-helpers.h from a full bpf.h
 *
 * Outputs:
 *   compiler/kernel/helpers.generated.ts   HELPERS: name → { id, proto, ret, params (C types and roles), doc, returns }
 *   runtime-types/helpers.d.ts             `export declare function bpf_xxx(…)` for the `tsbpf` module
 *
 * What the header gives: each helper's id (the ___BPF_FUNC_MAPPER list) and its C
 * prototype and documentation (the "Start of BPF helper function descriptions"
 * comment). What it does not give, and this file adds by hand in small tables
 * below: which `void *` is a map, a context, a callback, memory or a kernel
 * object (from the parameter names, as bpf_doc.py does), which pointer arguments
 * may be NULL (the kernel's func_proto arg types: PTR_MAYBE_NULL / *_OR_NULL),
 * and the one callback prototype the documentation leaves out
 * (bpf_timer_set_callback).
 *
 * Plain Node ESM, no dependencies, so it runs without a build step. The output
 * depends only on the input text: the same header always gives byte-identical files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_INPUT = path.join(ROOT, "scripts/data/bpf-helpers.h");
export const TABLE_PATH = "compiler/kernel/helpers.generated.ts";
export const DTS_PATH = "runtime-types/helpers.d.ts";

// ---------------------------------------------------------------------------
// Hand-maintained knowledge the header does not carry.

/**
 * Helpers that runtime-types/index.d.ts declares by hand with typed generic
 * signatures (map key/value types, callback types, BpfTimer methods…). They stay
 * in the table but are not emitted into helpers.d.ts, so no name is declared twice.
 */
export const DECLARED_IN_INDEX = [
  "bpf_map_lookup_elem",
  "bpf_map_update_elem",
  "bpf_map_delete_elem",
  "bpf_ktime_get_ns",
  "bpf_get_prandom_u32",
  "bpf_get_smp_processor_id",
  "bpf_get_current_pid_tgid",
  "bpf_get_current_uid_gid",
  "bpf_get_numa_node_id",
  "bpf_ktime_get_boot_ns",
  "bpf_timer_init",
  "bpf_timer_set_callback",
  "bpf_timer_start",
  "bpf_timer_cancel",
  "bpf_jiffies64",
  "bpf_loop",
  "bpf_for_each_map_elem",
  "bpf_ktime_get_coarse_ns",
  "bpf_ktime_get_tai_ns",
];

/** The kernel-internal struct names the documentation uses for program contexts → their UAPI names (as libbpf's bpf_doc.py maps them). */
const UAPI_STRUCT = {
  sk_buff: "__sk_buff",
  xdp_buff: "xdp_md",
  sk_msg_buff: "sk_msg_md",
};

/** Context structs (UAPI names) → the type runtime-types/index.d.ts declares for them; null: no runtime type, use the BTF brand. */
const CONTEXT_STRUCTS = {
  __sk_buff: "SkBuff",
  xdp_md: "XdpMd",
  sk_msg_md: "SkMsgMd",
  bpf_sock_addr: "BpfSockAddr",
  bpf_sock_ops: null,
  bpf_sysctl: null,
  pt_regs: null,
  bpf_perf_event_data: null,
  sk_reuseport_md: null,
  bpf_sk_lookup: null,
};

/** `void *` parameters that are the program context whatever their name says. */
const CONTEXT_VOID_NAMES = new Set(["ctx", "bpf_socket", "skb"]);
/** `void *` parameters that are maps. */
const MAP_VOID_NAMES = new Set(["map", "ringbuf"]);
/** `void *` parameters that point to kernel objects (sockets, an inode, a kptr), not program memory. */
const KERNEL_VOID_NAMES = new Set(["sk", "sock", "tp", "ptr", "inode"]);
/** Parameters that carry an address as a value (ARG_ANYTHING): kernel or user pointers the helper dereferences safely. */
const ADDRESS_NAMES = new Set(["unsafe_ptr", "user_ptr", "percpu_ptr", "bpf_probe_write_user.dst"]);
/** Kernel objects that live inside map values; runtime-types declares classes for them. */
const OBJECT_STRUCTS = { bpf_timer: "BpfTimer", bpf_spin_lock: "BpfSpinLock", bpf_wq: "BpfWq" };
/** Structs the program owns and passes by reference with an implied size (packet headers). */
const MEM_STRUCTS = new Set(["iphdr", "ipv6hdr", "tcphdr"]);
/**
 * Memory parameters the helper only reads although the prototype lacks `const`
 * (`helper.param`). Only TypeScript uses this: such a parameter also takes an
 * integer value, which the compiler copies to a stack slot.
 */
const READONLY_NAMES = new Set([
  "bpf_skb_set_tunnel_key.key", "bpf_skb_set_tunnel_opt.opt", "bpf_perf_event_output.data", "bpf_setsockopt.optval",
  "bpf_sock_map_update.key", "bpf_bind.addr", "bpf_sock_hash_update.key", "bpf_msg_redirect_hash.key",
  "bpf_sk_redirect_hash.key", "bpf_lwt_push_encap.hdr", "bpf_lwt_seg6_action.param", "bpf_sk_select_reuseport.key",
  "bpf_sk_lookup_tcp.tuple", "bpf_sk_lookup_udp.tuple", "bpf_skc_lookup_tcp.tuple", "bpf_tcp_check_syncookie.iph",
  "bpf_tcp_check_syncookie.th", "bpf_sk_storage_get.value", "bpf_tcp_gen_syncookie.iph", "bpf_tcp_gen_syncookie.th",
  "bpf_skb_output.data", "bpf_xdp_output.data", "bpf_ringbuf_output.data", "bpf_inode_storage_get.value",
  "bpf_snprintf_btf.ptr", "bpf_seq_printf_btf.ptr", "bpf_redirect_neigh.params", "bpf_task_storage_get.value",
  "bpf_btf_find_by_name_kind.name", "bpf_xdp_store_bytes.buf", "bpf_dynptr_write.src",
  "bpf_tcp_raw_gen_syncookie_ipv4.iph", "bpf_tcp_raw_gen_syncookie_ipv4.th", "bpf_tcp_raw_gen_syncookie_ipv6.iph",
  "bpf_tcp_raw_gen_syncookie_ipv6.th", "bpf_tcp_raw_check_syncookie_ipv4.iph", "bpf_tcp_raw_check_syncookie_ipv4.th",
  "bpf_tcp_raw_check_syncookie_ipv6.iph", "bpf_tcp_raw_check_syncookie_ipv6.th", "bpf_cgrp_storage_get.value",
  "bpf_csum_diff.from", "bpf_csum_diff.to", "bpf_snprintf.data",
]);

/**
 * Pointer arguments that may be NULL: the kernel's func_proto arg types with
 * PTR_MAYBE_NULL or an *_OR_NULL type (include/linux/bpf.h, net/core/filter.c,
 * kernel/bpf/*). `name/N` selects the N-th prototype of a helper documented
 * more than once. Callback contexts are always nullable and are not listed.
 */
const NULLABLE = {
  bpf_csum_diff: ["from", "to"],
  bpf_seq_printf: ["data"],
  bpf_snprintf: ["str", "data"],
  bpf_trace_vprintk: ["data"],
  bpf_sk_storage_get: ["sk", "value"],
  bpf_sk_storage_delete: ["sk"],
  bpf_inode_storage_get: ["inode", "value"],
  bpf_inode_storage_delete: ["inode"],
  bpf_task_storage_get: ["task", "value"],
  bpf_task_storage_delete: ["task"],
  bpf_cgrp_storage_get: ["cgroup", "value"],
  bpf_cgrp_storage_delete: ["cgroup"],
  "bpf_get_socket_cookie/3": ["sk"],
  bpf_get_netns_cookie: ["ctx"],
  "bpf_sk_assign/1": ["sk"],
  bpf_kptr_xchg: ["ptr"],
};

/**
 * Callback prototypes the documentation does not spell out (the others are
 * parsed from the `long (\*callback_fn)(…);` line of their description).
 * bpf_timer_set_callback: the verifier calls it as `cb(map, key, value)`
 * (set_timer_callback_state in kernel/bpf/verifier.c).
 */
const CALLBACK_PROTOS = {
  bpf_timer_set_callback: "int (*callback_fn)(void *map, void *key, void *value)",
};

/** Fixed-width and C integer types, by the names the documentation uses. */
const INT_TYPES = {
  char: [1, false], // the kernel builds with -funsigned-char
  u8: [1, false], s8: [1, true], __u8: [1, false], __s8: [1, true],
  u16: [2, false], s16: [2, true], __u16: [2, false], __s16: [2, true], __be16: [2, false],
  u32: [4, false], s32: [4, true], __u32: [4, false], __s32: [4, true], __be32: [4, false], __wsum: [4, false],
  u64: [8, false], s64: [8, true], __u64: [8, false], __s64: [8, true], __be64: [8, false],
  int: [4, true], "unsigned int": [4, false],
  long: [8, true], "unsigned long": [8, false], "long long": [8, true], "unsigned long long": [8, false],
  size_t: [8, false],
};

const TS_RESERVED = new Set(("break case catch class const continue debugger default delete do else enum export " +
  "extends false finally for function if import in instanceof new null return super switch this throw true try " +
  "typeof var void while with implements interface let package private protected public static yield").split(" "));

// ---------------------------------------------------------------------------
// Parsing the header.

/** Expands tabs (8 columns) in the text after ` *`, which occupies columns 0–1. */
function expandTabs(s, startCol = 2) {
  let out = "";
  let col = startCol;
  for (const ch of s) {
    if (ch === "\t") {
      const n = 8 - (col % 8);
      out += " ".repeat(n);
      col += n;
    } else {
      out += ch;
      col++;
    }
  }
  return out;
}

const indentOf = (s) => s.length - s.trimStart().length;

/** The text of a Description/Return block: dedented, trailing spaces and blank edges removed. */
function blockText(lines) {
  const trimmed = lines.map((l) => l.replace(/\s+$/, ""));
  while (trimmed.length && trimmed[0] === "") trimmed.shift();
  while (trimmed.length && trimmed[trimmed.length - 1] === "") trimmed.pop();
  const base = Math.min(...trimmed.filter((l) => l !== "").map(indentOf));
  const out = [];
  for (const l of trimmed) {
    if (l === "" && out[out.length - 1] === "") continue; // one blank line between paragraphs
    out.push(l === "" ? "" : l.slice(base));
  }
  return out.join("\n");
}

/** `{ name → id }` from the ___BPF_FUNC_MAPPER list (with ids, kernel ≥ 6.1) or the older __BPF_FUNC_MAPPER (ids by position). */
export function parseMapper(text) {
  const lines = text.split("\n");
  let start = lines.findIndex((l) => /^#define ___BPF_FUNC_MAPPER\(/.test(l));
  if (start < 0) start = lines.findIndex((l) => /^#define __BPF_FUNC_MAPPER\(FN\)/.test(l));
  if (start < 0) throw new Error("no ___BPF_FUNC_MAPPER / __BPF_FUNC_MAPPER definition in the input");
  const ids = new Map();
  let position = 0;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i];
    for (const m of line.matchAll(/\bFN\((\w+)(?:,\s*(\d+))?/g)) {
      const id = m[2] !== undefined ? Number(m[2]) : position;
      if (id !== position) throw new Error(`helper ${m[1]} has id ${id}, expected ${position} (the list must be dense)`);
      ids.set(`bpf_${m[1]}`, id);
      position++;
    }
    if (!line.trimEnd().endsWith("\\")) break;
  }
  ids.delete("bpf_unspec");
  return ids;
}

/**
 * The documented prototypes, in order: `{ proto, ret, name, args, description, returns }`.
 * A helper documented several times (one prototype per program type, e.g.
 * bpf_get_socket_cookie) appears several times.
 */
export function parseDocs(text) {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.includes("Start of BPF helper function descriptions:"));
  if (start < 0) throw new Error("no 'Start of BPF helper function descriptions:' comment in the input");
  const body = [];
  for (let i = start + 1; i < lines.length; i++) {
    if (/^\s*\*\//.test(lines[i])) break;
    const m = /^\s?\*(.*)$/.exec(lines[i]);
    if (!m) throw new Error(`unexpected line ${i + 1} in the helper documentation: ${lines[i]}`);
    body.push(expandTabs(m[1]));
  }
  const entries = [];
  let cur = null;
  let section = null;
  const nextNonBlank = (i) => {
    for (let j = i + 1; j < body.length; j++) if (body[j].trim()) return body[j].trim();
    return "";
  };
  for (let i = 0; i < body.length; i++) {
    const line = body[i];
    const proto = /^ ((\S.*?)\b(bpf_\w+)\((.*)\))\s*$/.exec(line);
    if (proto && nextNonBlank(i) === "Description") {
      const [, full, ret, name, args] = proto;
      cur = { proto: full, name, ret: ret.trim(), args, description: [], returns: [] };
      entries.push(cur);
      section = null;
      continue;
    }
    if (!cur) continue;
    if (indentOf(line) > 1 && line.trim() === "Description") section = cur.description;
    else if (indentOf(line) > 1 && line.trim() === "Return") section = cur.returns;
    else if (section) section.push(line);
    else if (line.trim()) throw new Error(`text outside Description/Return for ${cur.name}: ${line}`);
  }
  for (const e of entries) {
    e.description = blockText(e.description);
    e.returns = blockText(e.returns);
  }
  return entries;
}

/** A C declaration (`const void *key`, `u64 flags`, `struct bpf_sock *`) → { name, type }. */
export function parseDecl(text, withName) {
  const tokens = text.match(/\.\.\.|\*|[A-Za-z_]\w*/g) ?? [];
  let name = "";
  if (withName) {
    if (tokens.length < 2 || !/^[A-Za-z_]/.test(tokens[tokens.length - 1])) throw new Error(`no parameter name in '${text}'`);
    name = tokens.pop();
  }
  let stars = 0;
  while (tokens[tokens.length - 1] === "*") {
    tokens.pop();
    stars++;
  }
  if (tokens.includes("*")) throw new Error(`unsupported declarator '${text}'`);
  const isConst = tokens[0] === "const";
  if (isConst) tokens.shift();
  let type;
  if (tokens.length === 1 && tokens[0] === "void") type = { kind: "void" };
  else if (tokens[0] === "struct" && tokens.length === 2) type = { kind: "struct", name: UAPI_STRUCT[tokens[1]] ?? tokens[1] };
  else {
    const cname = tokens.join(" ");
    const int = INT_TYPES[cname];
    if (!int) throw new Error(`unknown C type '${cname}' in '${text}'`);
    type = { kind: "int", name: cname, size: int[0], signed: int[1] };
  }
  if (isConst && stars === 0) throw new Error(`const scalar in '${text}'`);
  for (let s = 0; s < stars; s++) type = { kind: "ptr", const: s === 0 && isConst, to: type };
  return { name, type };
}

/** `long (*callback_fn)(u64 index, void *ctx)` → a function CType. */
function parseCallbackProto(text) {
  const m = /^(.*?)\(\s*\*\s*(\w+)\s*\)\s*\((.*)\)\s*;?\s*$/.exec(text.trim());
  if (!m) throw new Error(`cannot parse callback prototype '${text}'`);
  const ret = parseDecl(m[1], false).type;
  const params = splitArgs(m[3]).map((a) => parseDecl(a, true));
  return { kind: "func", ret, params };
}

function splitArgs(args) {
  const parts = args.split(",").map((a) => a.trim());
  if (parts.length === 1 && (parts[0] === "void" || parts[0] === "")) return [];
  return parts;
}

// ---------------------------------------------------------------------------
// Roles: what each argument is to the compiler.

const isInt = (t) => t.kind === "int";
const isPtr = (t) => t.kind === "ptr";
const pointee = (t) => (t.kind === "ptr" ? t.to : undefined);
const structName = (t) => (t.kind === "ptr" && t.to.kind === "struct" ? t.to.name : undefined);
const SIZE_NAME = /(size|len|sz)$|^size_of_/;
/** The `helper.param` entries of the tables above that matched a parameter (to catch typos). */
const used = new Set();

/**
 * Roles of a parameter list. `overload` is the prototype's index, or -1 for the
 * parameters of a callback (which NULLABLE does not describe).
 */
function assignRoles(helper, overload, params, callbackType) {
  const nullable = new Set(overload < 0 ? [] : [...(NULLABLE[helper] ?? []), ...(NULLABLE[`${helper}/${overload}`] ?? [])]);
  const has = (set, p) => {
    if (set.has(`${helper}.${p.name}`)) used.add(`${helper}.${p.name}`);
    return set.has(p.name) || set.has(`${helper}.${p.name}`);
  };
  const hasQualified = (set, p) => set.has(`${helper}.${p.name}`) && !!used.add(`${helper}.${p.name}`);
  let sawCallback = false;
  const out = params.map((p) => ({ name: p.name, type: p.type, role: "scalar" }));
  for (let i = 0; i < out.length; i++) {
    const p = out[i];
    if (p.role === "size") continue; // the length of the memory argument before it
    const next = out[i + 1];
    const sized = next && isInt(next.type) && SIZE_NAME.test(next.name);
    const t = p.type;
    const target = pointee(t);
    const sname = structName(t);
    if (p.name === "callback_fn") {
      if (!callbackType) throw new Error(`${helper}: no prototype for callback_fn`);
      p.type = { kind: "ptr", const: false, to: callbackType };
      p.role = "callback";
      sawCallback = true;
    } else if (isInt(t)) {
      p.role = "scalar";
    } else if (!isPtr(t)) {
      throw new Error(`${helper}: parameter ${p.name} is neither an integer nor a pointer`);
    } else if (p.name === "callback_ctx" || (sawCallback && p.name === "ctx")) {
      p.role = "callbackCtx";
      p.nullable = true;
    } else if (sname === "bpf_map" || (target.kind === "void" && MAP_VOID_NAMES.has(p.name))) {
      p.role = "map";
    } else if ((sname && sname in CONTEXT_STRUCTS) || (target.kind === "void" && CONTEXT_VOID_NAMES.has(p.name))) {
      p.role = "ctx";
    } else if (has(ADDRESS_NAMES, p)) {
      p.role = "address";
    } else if (sname && sname in OBJECT_STRUCTS) {
      p.role = "kernel";
    } else if (target.kind === "int" && target.name === "char" && t.const && (p.name === "fmt" || !sized)) {
      p.role = "string";
      if (sized) p.size = next.name;
    } else if (sized) {
      p.role = "mem";
      p.size = next.name;
    } else if (target.kind === "int") {
      p.role = "intPtr";
    } else if (sname && MEM_STRUCTS.has(sname)) {
      p.role = "mem";
    } else if (target.kind === "void" && !KERNEL_VOID_NAMES.has(p.name)) {
      p.role = "mem";
    } else {
      p.role = "kernel";
    }
    if (p.role === "mem" && (t.const || hasQualified(READONLY_NAMES, p))) p.readonly = true;
    if (p.size) {
      next.role = "size";
      next.sizeOf = p.name;
    }
    if (nullable.has(p.name)) {
      if (!isPtr(p.type)) throw new Error(`${helper}: nullable ${p.name} is not a pointer`);
      p.nullable = true;
      nullable.delete(p.name);
    }
  }
  if (nullable.size) throw new Error(`${helper}: NULLABLE names unknown parameters ${[...nullable].join(", ")}`);
  return out;
}

/** Pointers the documentation says may come back NULL. */
function returnsNull(ret, returns) {
  return ret.kind === "ptr" && /\bNULL\b/.test(returns);
}

// ---------------------------------------------------------------------------
// The model.

export function buildModel(text) {
  const ids = parseMapper(text);
  const docs = parseDocs(text);
  const byName = new Map();
  for (const d of docs) {
    if (!ids.has(d.name)) throw new Error(`documented helper ${d.name} is not in the FUNC_MAPPER list`);
    const list = byName.get(d.name) ?? [];
    list.push(d);
    byName.set(d.name, list);
  }
  for (const name of ids.keys()) if (!byName.has(name)) throw new Error(`helper ${name} has no documented prototype`);
  for (const name of DECLARED_IN_INDEX) if (!ids.has(name)) throw new Error(`DECLARED_IN_INDEX names unknown helper ${name}`);
  used.clear();
  const helpers = [];
  for (const [name, id] of [...ids].sort((a, b) => a[1] - b[1])) {
    const protos = byName.get(name).map((d, overload) => {
      const args = splitArgs(d.args);
      const variadic = args[args.length - 1] === "...";
      if (variadic) args.pop();
      let callbackType;
      if (args.some((a) => /\bcallback_fn$/.test(a))) {
        const m = /^\s*(.*\(\\?\*callback_fn\)\(.*\));?\s*$/m.exec(d.description);
        const src = m ? m[1].replace(/\\\*/g, "*") : CALLBACK_PROTOS[name];
        if (!src) throw new Error(`${name}: no callback prototype in the documentation nor in CALLBACK_PROTOS`);
        callbackType = parseCallbackProto(src);
      }
      const ret = parseDecl(d.ret, false).type;
      const params = assignRoles(name, overload, args.map((a) => parseDecl(a, true)), callbackType);
      if (callbackType) {
        // The callback's own parameters get roles too (its context is the helper's callback_ctx).
        callbackType.params = assignRoles(name, -1, callbackType.params, undefined).map((p) =>
          p.name === "ctx" || p.name === "callback_ctx" ? { name: p.name, type: p.type, role: "callbackCtx" } : p,
        );
      }
      const proto = { proto: d.proto.replace(/\s+/g, " "), ret, retNullable: returnsNull(ret, d.returns), params };
      if (variadic) proto.variadic = true;
      proto.doc = d.description;
      proto.returns = d.returns;
      return proto;
    });
    const [first, ...rest] = protos;
    const nullable = Object.keys(NULLABLE).filter((k) => k.split("/")[0] === name);
    for (const k of nullable) if (!byName.get(name)[Number(k.split("/")[1] ?? 0)]) throw new Error(`NULLABLE: ${k} has no such prototype`);
    const h = { name, id, ...first };
    if (rest.length) h.overloads = rest;
    helpers.push(h);
  }
  for (const entry of [...READONLY_NAMES, ...ADDRESS_NAMES]) {
    const [helper] = entry.split(".");
    if (entry.includes(".") && ids.has(helper) && !used.has(entry)) throw new Error(`${entry} matches no parameter`);
  }
  return helpers;
}

// ---------------------------------------------------------------------------
// helpers.generated.ts

function lit(v) {
  if (Array.isArray(v)) return `[${v.map(lit).join(", ")}]`;
  if (v && typeof v === "object") {
    const fields = Object.entries(v).map(([k, x]) => `${/^[A-Za-z_]\w*$/.test(k) ? k : JSON.stringify(k)}: ${lit(x)}`);
    return `{ ${fields.join(", ")} }`;
  }
  return JSON.stringify(v);
}

function emitProto(p, indent) {
  const pad = " ".repeat(indent);
  const out = [];
  out.push(`${pad}proto: ${JSON.stringify(p.proto)},`);
  out.push(`${pad}ret: ${lit(p.ret)},`);
  if (p.retNullable) out.push(`${pad}retNullable: true,`);
  if (p.params.length === 0) out.push(`${pad}params: [],`);
  else {
    out.push(`${pad}params: [`);
    for (const q of p.params) out.push(`${pad}  ${lit(q)},`);
    out.push(`${pad}],`);
  }
  if (p.variadic) out.push(`${pad}variadic: true,`);
  out.push(`${pad}doc: ${JSON.stringify(p.doc)},`);
  out.push(`${pad}returns: ${JSON.stringify(p.returns)},`);
  return out;
}

export function emitTable(helpers, origin) {
  const out = [];
  out.push("// Generated by scripts/gen-helpers.mjs from scripts/data/bpf-helpers.h — do not edit.");
  out.push(`// Source: ${origin}`);
  out.push("// Regenerate with `npm run gen:helpers`.");
  out.push("");
  out.push('import type { HelperInfo } from "./ctype.js";');
  out.push("");
  out.push("/** Every helper of the kernel UAPI, by its C name (bpf_ prefix included); ids as in enum bpf_func_id. */");
  out.push("export const HELPERS: Readonly<Record<string, HelperInfo>> = {");
  for (const h of helpers) {
    out.push(`  ${h.name}: {`);
    out.push(`    id: ${h.id},`);
    out.push(...emitProto(h, 4));
    if (h.overloads) {
      out.push("    overloads: [");
      for (const o of h.overloads) {
        out.push("      {");
        out.push(...emitProto(o, 8));
        out.push("      },");
      }
      out.push("    ],");
    }
    out.push("  },");
  }
  out.push("};");
  out.push("");
  out.push("/** The helper names, in id order. */");
  out.push("export type HelperName =");
  helpers.forEach((h, i) => out.push(`  | ${JSON.stringify(h.name)}${i === helpers.length - 1 ? ";" : ""}`));
  out.push("");
  out.push("/** The highest helper id (enum bpf_func_id's __BPF_FUNC_MAX_ID - 1). */");
  out.push(`export const MAX_HELPER_ID = ${Math.max(...helpers.map((h) => h.id))};`);
  out.push("");
  out.push("/** Helpers runtime-types/index.d.ts declares by hand (typed generics); runtime-types/helpers.d.ts leaves them out. */");
  out.push(`export const DECLARED_IN_INDEX: readonly HelperName[] = ${lit(DECLARED_IN_INDEX)};`);
  out.push("");
  return out.join("\n");
}

// ---------------------------------------------------------------------------
// helpers.d.ts

function intAlias(t) {
  return `${t.signed ? "i" : "u"}${t.size * 8}`;
}

const pascal = (s) => s.split("_").filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join("");

/** The TypeScript type of a kernel pointer `struct X *` / `void *`. */
function kernelTs(t) {
  const s = structName(t);
  if (s && s in OBJECT_STRUCTS) return OBJECT_STRUCTS[s];
  if (s) return `BtfStruct<${JSON.stringify(s)}>`;
  return "object";
}

function ctxTs(t) {
  const s = structName(t);
  if (!s) return "unknown";
  return CONTEXT_STRUCTS[s] ?? `BtfStruct<${JSON.stringify(s)}>`;
}

const orNull = (ts, p) => (p.nullable ? `${ts} | null` : ts);

/** Type parameters a declaration needs, collected while mapping its types. */
class Generics {
  constructor() {
    this.list = [];
  }
  add(name, constraint, dflt) {
    if (!this.list.some((g) => g.name === name)) this.list.push({ name, constraint, dflt });
    return name;
  }
  toString() {
    if (!this.list.length) return "";
    return `<${this.list.map((g) => `${g.name} extends ${g.constraint}${g.dflt ? ` = ${g.dflt}` : ""}`).join(", ")}>`;
  }
}

function paramTs(helper, p, gen, inCallback) {
  const t = p.type;
  switch (p.role) {
    case "scalar":
    case "size":
      return intAlias(t);
    case "map":
      return "AnyMap";
    case "ctx":
      return ctxTs(t);
    case "mem":
      if (t.to.kind === "int" && t.to.name === "char" && p.readonly) return orNull("string | ReadonlyMemory", p);
      return orNull(p.readonly ? "ReadonlyMemory" : "MemoryRef", p);
    case "intPtr":
      return orNull(`Ptr<${intAlias(t.to)}>`, p);
    case "string":
      return "string";
    case "address":
      return "Address";
    case "kernel": {
      const ts = kernelTs(t);
      // In a callback's parameters a kernel type is a type parameter, so that a
      // callback declared with the full vmlinux interface (TaskStruct) fits.
      if (inCallback && ts !== "object") return gen.add(pascal(p.name), ts);
      return orNull(ts, p);
    }
    case "callbackCtx":
      return inCallback ? gen.add("C", "object") : `${gen.add("C", "object")} | null`;
    case "callback": {
      const f = t.to;
      const params = f.params.map((q) => `${tsName(q.name)}: ${paramTs(helper, q, gen, true)}`);
      return `(${params.join(", ")}) => ${retTs(f.ret, false, gen)}`;
    }
    default:
      throw new Error(`${helper}: no TypeScript mapping for role ${p.role}`);
  }
}

function retTs(t, nullable, gen) {
  let ts;
  if (t.kind === "void") ts = "void";
  else if (t.kind === "int") ts = intAlias(t);
  else if (t.kind === "ptr" && t.to.kind === "void") ts = gen.add("T", "object", "MemoryRef");
  else if (t.kind === "ptr" && t.to.kind === "struct") ts = kernelTs(t);
  else throw new Error(`no TypeScript mapping for return type ${JSON.stringify(t)}`);
  return nullable ? `${ts} | null` : ts;
}

const tsName = (n) => (TS_RESERVED.has(n) ? `${n}_` : n);

/** RST as the kernel writes it → text a JSDoc comment can hold (Markdown-ish, as editors render it). */
function jsdocText(s) {
  return s
    .replace(/\\ /g, "") // RST's escaped space joins `**bpf_foo**\ ()`
    .replace(/``([^`]+)``/g, "`$1`")
    .replace(/\*\//g, "*\\/");
}

function jsdoc(lines, indent = "") {
  const out = [`${indent}/**`];
  for (const l of lines) out.push(l ? `${indent} * ${l}` : `${indent} *`);
  out.push(`${indent} */`);
  return out;
}

function declaration(h, p, overloadIndex) {
  const gen = new Generics();
  const ret = retTs(p.ret, p.retNullable, gen);
  const params = p.params.map((q) => `${tsName(q.name)}: ${paramTs(h.name, q, gen, false)}`);
  if (p.variadic) params.push("...args: (number | bigint)[]");
  const doc = [`\`${p.proto}\``, "", `BPF helper ${h.id} (\`BPF_FUNC_${h.name.slice(4)}\`)${overloadIndex ? `, prototype ${overloadIndex + 1}` : ""}.`];
  if (p.doc) doc.push("", ...jsdocText(p.doc).split("\n"));
  if (p.returns) {
    const r = jsdocText(p.returns).split("\n");
    doc.push("", `@returns ${r[0]}`, ...r.slice(1));
  }
  return [...jsdoc(doc), `export declare function ${h.name}${gen}(${params.join(", ")}): ${ret};`];
}

const DTS_PREAMBLE = `/**
 * Every BPF helper of the kernel UAPI as a function of the \`tsbpf\` module, under
 * its C name, so C code ports line by line. Generated by scripts/gen-helpers.mjs
 * from scripts/data/bpf-helpers.h — do not edit; the documentation comments are
 * the kernel's (include/uapi/linux/bpf.h).
 *
 * Helpers that index.d.ts declares with typed generic signatures (map helpers,
 * bpf_loop, bpf_for_each_map_elem, bpf_timer_*, the clock helpers…) are not
 * repeated here.
 *
 * How C parameter types read in TypeScript:
 *
 * - integers (\`u32\`, \`long\`, \`__be16\`, \`size_t\`…) → \`u32\`, \`i64\`, \`u16\`, \`u64\`… by size and signedness;
 * - \`struct bpf_map *\` → \`AnyMap\` (a map \`const\`);
 * - the program context → \`SkBuff\`, \`XdpMd\`, \`SkMsgMd\`, \`BpfSockAddr\`, or \`BtfStruct<"bpf_sock_ops">\`…
 *   for the contexts this module has no type for, or \`unknown\` where the helper takes \`void *ctx\`;
 * - memory the program owns, which the helper reads or writes (\`void *dst, u32 size\`) → \`MemoryRef\`:
 *   a struct value, a \`Ptr<T>\` or a \`FixedArray\`, passed by reference (the compiler passes its
 *   address); memory the helper only reads → \`ReadonlyMemory\`, which also takes an integer value
 *   (the compiler copies it to a stack slot, as \`&x\` in C);
 * - \`T *\` to one integer the helper writes (\`long *res\`) → \`Ptr<T>\`;
 * - \`const char *fmt\` → \`string\`: a string literal only (the compiler places it in .rodata);
 * - kernel objects (\`struct task_struct *\`, \`struct bpf_sock *\`, \`struct bpf_dynptr *\`…) →
 *   \`BtfStruct<"task_struct">\`, which every type \`tsbpf vmlinux\` generates for that struct
 *   satisfies (\`TaskStruct\` carries the brand \`"@btf": "struct task_struct"\`); a returned one can
 *   be narrowed with \`as TaskStruct\`. Sockets passed as \`void *sk\` → \`object\`;
 * - addresses the helper dereferences safely (\`const void *unsafe_ptr\`) → \`Address\`;
 * - callbacks → function types; the callback's context is the type parameter \`C\`;
 * - \`void *\` results → the type parameter \`T\` (\`bpf_ringbuf_reserve<Event>(rb, 16, 0)\`, as C
 *   converts \`void *\`), and \`| null\` wherever the kernel documents a NULL result.
 */
`;

const DTS_TYPES = `/** Memory the program owns (stack, map value, global, packet), by reference: a struct value, a \`Ptr<T>\` or a \`FixedArray\`. */
export type MemoryRef = object;
/** Memory a helper only reads: a reference, or an integer value the compiler copies to a stack slot. */
export type ReadonlyMemory = MemoryRef | number | bigint;
/** An address as a value: a \`u64\` read from kernel or user memory, or a reference. */
export type Address = number | bigint | object;
/**
 * A pointer to the kernel's \`struct Name\`. Declarations generated by \`tsbpf vmlinux\`
 * carry the same \`"@btf"\` brand, so \`TaskStruct\` is a \`BtfStruct<"task_struct">\`.
 */
export interface BtfStruct<Name extends string> {
  readonly "@btf": \`struct \${Name}\`;
}
`;

const PRINTK = `/**
 * libbpf's \`bpf_printk(fmt, args…)\` (bpf_helpers.h) — a macro, not a helper: the
 * format must be a string literal (the compiler places it in .rodata, as libbpf's
 * macro does) and the arguments integers. With up to three arguments it calls
 * bpf_trace_printk (helper 6); with more (up to twelve) it stores them in a
 * \`u64\` array on the stack and calls bpf_trace_vprintk (helper 177, kernel 5.16+).
 * The output goes to /sys/kernel/tracing/trace_pipe.
 *
 * @returns the number of bytes written, or a negative error.
 */
export declare function bpf_printk(fmt: string, ...args: (number | bigint | boolean)[]): i64;
`;

export function emitDts(helpers, origin) {
  const body = [];
  const excluded = new Set(DECLARED_IN_INDEX);
  for (const h of helpers) {
    if (excluded.has(h.name)) continue;
    body.push("");
    body.push(...declaration(h, h, 0));
    (h.overloads ?? []).forEach((o, i) => body.push(...declaration(h, o, i + 1)));
  }
  body.push("");
  body.push(PRINTK);
  const text = body.join("\n");
  const names = ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "Ptr", "AnyMap", "SkBuff", "XdpMd", "SkMsgMd",
    "BpfSockAddr", "BpfTimer", "BpfSpinLock", "BpfWq"].filter((n) => new RegExp(`\\b${n}\\b`).test(text));
  return [
    DTS_PREAMBLE,
    `// Source: ${origin}`,
    "",
    `import type { ${names.join(", ")} } from "./index.js";`,
    "",
    DTS_TYPES,
    `// ${helpers.length - excluded.size} helpers (ids 1–${Math.max(...helpers.map((h) => h.id))}; ${excluded.size} more are declared in index.d.ts).`,
    text,
  ].join("\n");
}

// ---------------------------------------------------------------------------
// Data file and command line.

const DATA_BANNER = "/* tsbpf: BPF helper interface data for scripts/gen-helpers.mjs. */";

/** The origin line recorded in the data file. */
export function originOf(text) {
  const m = /^\/\* Origin: (.*?) \*\/$/m.exec(text);
  return m ? m[1] : "a bpf.h given with --input";
}

/** Cuts the helper documentation and the FUNC_MAPPER list out of a full bpf.h, verbatim. */
function extract(full, origin) {
  const lines = full.split("\n");
  const docStart = lines.findIndex((l) => l.startsWith("/* The description below is an attempt at providing documentation"));
  const mapper = lines.findIndex((l) => /^#define ___?BPF_FUNC_MAPPER\(/.test(l));
  if (docStart < 0 || mapper < 0 || mapper < docStart) throw new Error("not a bpf.h with helper documentation");
  let end = mapper;
  while (lines[end].trimEnd().endsWith("\\")) end++;
  const excerpt = lines.slice(docStart, end + 1).join("\n");
  return [
    "/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */",
    DATA_BANNER,
    `/* Origin: ${origin} */`,
    "/* Verbatim excerpt of include/uapi/linux/bpf.h: the helper documentation comment and the FUNC_MAPPER list. */",
    "",
    excerpt,
    "",
  ].join("\n");
}

export function generate(text) {
  const helpers = buildModel(text);
  const origin = originOf(text);
  return { helpers, table: emitTable(helpers, origin), dts: emitDts(helpers, origin) };
}

function main(argv) {
  const opt = { input: DEFAULT_INPUT, outDir: ROOT, check: false, extract: undefined, origin: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--input") opt.input = path.resolve(value());
    else if (a === "--out-dir") opt.outDir = path.resolve(value());
    else if (a === "--check") opt.check = true;
    else if (a === "--extract") opt.extract = path.resolve(value());
    else if (a === "--origin") opt.origin = value();
    else throw new Error(`unknown argument ${a}`);
  }
  if (opt.extract) {
    if (!opt.origin) throw new Error("--extract needs --origin 'where the header comes from'");
    const data = extract(fs.readFileSync(opt.extract, "utf8"), opt.origin);
    buildModel(data); // refuse data the generator cannot read
    fs.writeFileSync(DEFAULT_INPUT, data);
    console.log(`wrote ${path.relative(process.cwd(), DEFAULT_INPUT)}`);
    return 0;
  }
  const { helpers, table, dts } = generate(fs.readFileSync(opt.input, "utf8"));
  const outputs = [[TABLE_PATH, table], [DTS_PATH, dts]];
  if (opt.check) {
    const stale = outputs.filter(([p, t]) => {
      const file = path.join(opt.outDir, p);
      return !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== t;
    });
    for (const [p] of stale) console.error(`${p} is out of date: run npm run gen:helpers`);
    return stale.length ? 1 : 0;
  }
  for (const [p, t] of outputs) {
    const file = path.join(opt.outDir, p);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, t);
    fs.renameSync(tmp, file);
  }
  console.log(`${helpers.length} helpers (max id ${Math.max(...helpers.map((h) => h.id))}) → ${TABLE_PATH}, ${DTS_PATH}`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(`gen-helpers: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
  }
}
