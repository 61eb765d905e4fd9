// The generated helper table (compiler/kernel/helpers.generated.ts) and the
// helper declarations of the `tsbpf` module (runtime-types/helpers.d.ts):
// ids agree with libbpf's bpf_helper_defs.h and the installed UAPI header,
// the declarations type-check together with index.d.ts (and with types that
// `tsbpf vmlinux` generates), and regenerating gives byte-identical files.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { CType, HelperParam, HelperProto } from "../../compiler/kernel/ctype.js";
import { formatCType } from "../../compiler/kernel/ctype.js";
import { DECLARED_IN_INDEX, HELPERS, MAX_HELPER_ID } from "../../compiler/kernel/helpers.generated.js";
import { typecheckFiles } from "../../compiler/vmlinux/check.js";
import { parseBtf } from "../../compiler/btf/parse.js";
import { DEFAULT_BTF, generateVmlinux, readBtfFile } from "../../compiler/vmlinux/index.js";
import * as gen from "../../scripts/gen-helpers.mjs";
import { REPO, tmpProject } from "../support/tmp.js";

const LIBBPF_DEFS = "/usr/include/bpf/bpf_helper_defs.h";
const UAPI_BPF_H = "/usr/include/linux/bpf.h";
const RUNTIME = path.join(REPO, "runtime-types");
const HELPERS_DTS = fs.readFileSync(path.join(RUNTIME, "helpers.d.ts"), "utf8");
const INDEX_DTS = fs.readFileSync(path.join(RUNTIME, "index.d.ts"), "utf8");

const declared = (text: string): Set<string> =>
  new Set([...text.matchAll(/^export declare function (\w+)/gm)].map((m) => m[1]!));

/** Every prototype of every helper (overloads included). */
const allProtos = (): [string, HelperProto][] =>
  Object.entries(HELPERS).flatMap(([name, h]) => [[name, h] as [string, HelperProto], ...(h.overloads ?? []).map((o) => [name, o] as [string, HelperProto])]);

describe("helper table", () => {
  it("has every helper of the UAPI, ids 1…211 without gaps", () => {
    const ids = Object.values(HELPERS).map((h) => h.id).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 211 }, (_, i) => i + 1));
    expect(MAX_HELPER_ID).toBe(211);
  });

  it("has the well-known ids", () => {
    const known: Record<string, number> = {
      bpf_map_lookup_elem: 1, bpf_map_update_elem: 2, bpf_map_delete_elem: 3, bpf_probe_read: 4,
      bpf_ktime_get_ns: 5, bpf_trace_printk: 6, bpf_get_prandom_u32: 7, bpf_get_smp_processor_id: 8,
      bpf_tail_call: 12, bpf_get_current_pid_tgid: 14, bpf_get_current_comm: 16, bpf_redirect: 23,
      bpf_perf_event_output: 25, bpf_skb_load_bytes: 26, bpf_redirect_map: 51, bpf_map_push_elem: 87,
      bpf_map_pop_elem: 88, bpf_map_peek_elem: 89, bpf_spin_lock: 93, bpf_probe_read_kernel: 113,
      bpf_ringbuf_output: 130, bpf_ringbuf_reserve: 131, bpf_ringbuf_submit: 132, bpf_ringbuf_discard: 133,
      bpf_get_current_task_btf: 158, bpf_for_each_map_elem: 164, bpf_timer_init: 169, bpf_timer_set_callback: 170,
      bpf_timer_start: 171, bpf_timer_cancel: 172, bpf_trace_vprintk: 177, bpf_find_vma: 180, bpf_loop: 181,
      bpf_kptr_xchg: 194, bpf_dynptr_from_mem: 197, bpf_user_ringbuf_drain: 209, bpf_cgrp_storage_get: 210,
      bpf_cgrp_storage_delete: 211,
    };
    for (const [name, id] of Object.entries(known)) expect(HELPERS[name]?.id, name).toBe(id);
  });

  it.skipIf(!fs.existsSync(LIBBPF_DEFS))("agrees with libbpf's bpf_helper_defs.h on ids and arity", () => {
    const defs = fs.readFileSync(LIBBPF_DEFS, "utf8");
    const re = /^static .*?\(\s*\*\s*(?:const\s+)?(bpf_\w+)\)\((.*)\)\s*=\s*\(void \*\)\s*(\d+);$/gm;
    let n = 0;
    for (const m of defs.matchAll(re)) {
      const [, name, args, id] = m;
      const h = HELPERS[name!];
      expect(h, `${name} is in bpf_helper_defs.h`).toBeDefined();
      expect(h!.id, name).toBe(Number(id));
      const arity = args === "void" ? 0 : args!.split(",").filter((a) => a.trim() !== "...").length;
      expect(h!.params.length, `${name} arity`).toBe(arity);
      n++;
    }
    expect(n).toBeGreaterThan(200);
  });

  it.skipIf(!fs.existsSync(UAPI_BPF_H))("agrees with the installed <linux/bpf.h>, and the generator reads it", () => {
    const text = fs.readFileSync(UAPI_BPF_H, "utf8");
    const ids = gen.parseMapper(text);
    expect(ids.size).toBeGreaterThan(200);
    for (const [name, id] of ids) expect(HELPERS[name]?.id, name).toBe(id);
    // The older header (Debian's linux-libc-dev may stop at 209) parses too, with the same prototypes
    // (parameter names have changed over time, their number has not).
    const old = gen.buildModel(text);
    expect(old.length).toBe(ids.size);
    for (const h of old) expect(h.params.length, h.name).toBe(HELPERS[h.name]!.params.length);
  });

  it("describes each argument consistently", () => {
    const ptr = (t: CType): t is Extract<CType, { kind: "ptr" }> => t.kind === "ptr";
    for (const [name, p] of allProtos()) {
      const byName = new Map(p.params.map((q) => [q.name, q] as [string, HelperParam]));
      for (const q of p.params) {
        const where = `${name}(${q.name})`;
        if (q.role === "scalar" || q.role === "size") expect(q.type.kind, where).toBe("int");
        else expect(ptr(q.type), where).toBe(true);
        if (q.role === "size") expect(byName.get(q.sizeOf!)?.size, where).toBe(q.name);
        if (q.size) expect(byName.get(q.size)?.role, where).toBe("size");
        if (q.role === "callback") {
          expect(ptr(q.type) && q.type.to.kind === "func", where).toBe(true);
          expect(p.params.some((r) => r.role === "callbackCtx") || name === "bpf_timer_set_callback", where).toBe(true);
        }
        if (q.role === "map") expect(formatCType(q.type), where).toMatch(/^(struct bpf_map|void) \*$/);
      }
      expect(p.doc.length, name).toBeGreaterThan(0);
      expect(p.returns.length, name).toBeGreaterThan(0);
    }
    const cb = HELPERS.bpf_loop!.params[1]!;
    expect(formatCType(cb.type)).toBe("long (*)(u64, void *)");
    expect(formatCType(HELPERS.bpf_timer_set_callback!.params[1]!.type)).toBe("int (*)(void *, void *, void *)");
    expect(HELPERS.bpf_map_lookup_elem!.retNullable).toBe(true);
    expect(HELPERS.bpf_get_current_task_btf!.retNullable).toBeUndefined();
    expect(HELPERS.bpf_get_socket_cookie!.overloads).toHaveLength(3);
    expect(HELPERS.bpf_trace_printk!.variadic).toBe(true);
    expect(HELPERS.bpf_trace_printk!.params.map((q) => q.role)).toEqual(["string", "size"]);
    expect(HELPERS.bpf_skb_store_bytes!.params.map((q) => q.role)).toEqual(["ctx", "scalar", "mem", "size", "scalar"]);
    // The documentation's kernel-internal context names become the UAPI ones.
    expect(formatCType(HELPERS.bpf_skb_store_bytes!.params[0]!.type)).toBe("struct __sk_buff *");
    expect(formatCType(HELPERS.bpf_xdp_adjust_head!.params[0]!.type)).toBe("struct xdp_md *");
  });
});

describe("runtime-types/helpers.d.ts", () => {
  it("declares every helper that index.d.ts does not, and nothing twice", () => {
    const mine = declared(HELPERS_DTS);
    const index = declared(INDEX_DTS);
    for (const name of DECLARED_IN_INDEX) {
      expect(index.has(name), `${name} is declared in index.d.ts`).toBe(true);
      expect(mine.has(name), `${name} is left out of helpers.d.ts`).toBe(false);
    }
    for (const name of Object.keys(HELPERS)) {
      expect(mine.has(name) || index.has(name), `${name} is declared`).toBe(true);
      expect(mine.has(name) && index.has(name), `${name} is declared once`).toBe(false);
    }
    expect(mine.has("bpf_printk")).toBe(true);
    // The types helpers.d.ts exports would be shadowed by index.d.ts's own exports of the same name.
    for (const m of HELPERS_DTS.matchAll(/^export (?:type|interface) (\w+)/gm)) {
      expect(INDEX_DTS).not.toMatch(new RegExp(`^export (declare )?(type|interface|class|function|const) ${m[1]}\\b`, "m"));
    }
  });

  it("type-checks (strict, tsbpf's lib.d.ts) with index.d.ts and vmlinux declarations", () => {
    const bytes = fs.existsSync(DEFAULT_BTF) ? readBtfFile(DEFAULT_BTF) : undefined;
    const vmlinux = bytes
      ? generateVmlinux(parseBtf(bytes), { types: ["task_struct", "vm_area_struct", "bpf_dynptr", "bpf_sock"] }).text
      : `import type { i32, u32 } from "tsbpf";
export interface TaskStruct { readonly "@btf": "struct task_struct"; pid: i32 }
export interface VmAreaStruct { readonly "@btf": "struct vm_area_struct" }
export interface BpfDynptr { readonly "@btf": "struct bpf_dynptr" }
export interface BpfSock { readonly "@btf": "struct bpf_sock"; state: u32 }
`;
    const program = `import {
  license, tc, ArrayMap, RingBuf, zeroed, BpfSpinLock,
  bpf_ringbuf_reserve, bpf_ringbuf_submit, bpf_skb_load_bytes, bpf_skb_store_bytes, bpf_probe_read_kernel,
  bpf_get_current_comm, bpf_trace_printk, bpf_printk, bpf_strtol, bpf_strncmp, bpf_find_vma,
  bpf_user_ringbuf_drain, bpf_sk_fullsock, bpf_get_socket_cookie, bpf_spin_lock, bpf_spin_unlock,
  bpf_get_current_task_btf, bpf_task_storage_get, bpf_tail_call, bpf_redirect_map, bpf_csum_diff,
  bpf_map_lookup_percpu_elem, bpf_dynptr_from_mem, bpf_map_lookup_elem, bpf_ktime_get_ns,
  type i32, type i64, type u8, type u32, type u64, type Ptr, type FixedArray, type SkBuff, type MemoryRef, type BtfStruct,
} from "tsbpf";
import type { TaskStruct, VmAreaStruct, BpfDynptr, BpfSock } from "./vmlinux.js";

license("GPL");

interface Event { pid: u32; comm: FixedArray<u8, 16> }
interface Counter { n: u64; lock: BpfSpinLock }
interface Ctx { found: u32 }

export const rb = new RingBuf({ maxEntries: 4096 });
export const counters = new ArrayMap<u32, Counter>({ maxEntries: 1 });
export const storage = new ArrayMap<u32, u64>({ maxEntries: 1 });

function onVma(task: TaskStruct, vma: VmAreaStruct, ctx: Ctx): i64 {
  ctx.found = 1;
  return 0;
}
function onSample(dynptr: BpfDynptr, ctx: Ctx): i64 {
  return 0;
}

export const prog = tc((skb: SkBuff): i64 => {
  const e = bpf_ringbuf_reserve<Event>(rb, 20, 0);
  if (e === null) return 0;
  e.pid = 1;
  bpf_get_current_comm(e.comm, 16);
  bpf_ringbuf_submit(e, 0);

  const bytes = zeroed<{ b: FixedArray<u8, 4> }>();
  bpf_skb_load_bytes(skb, 0, bytes, 4);
  bpf_skb_store_bytes(skb, 0, bytes, 4, 0);
  const ip: u32 = 0x0a000001;
  bpf_skb_store_bytes(skb, 26, ip, 4, 0);            // a read-only argument takes a value
  bpf_csum_diff(null, 0, bytes, 4, 0);

  bpf_trace_printk("x=%d\\n", 6, 1, 2n);
  bpf_printk("%d %d", 1, bpf_ktime_get_ns());
  const res: Ptr<i64> = zeroed<{ value: i64 }>();
  bpf_strtol("42", 2, 0, res);
  bpf_strncmp(bytes, 4, "abcd");

  const task = bpf_get_current_task_btf();
  const t = task as TaskStruct;
  const ctx = zeroed<Ctx>();
  bpf_find_vma(t, 0, onVma, ctx, 0);
  bpf_find_vma(task, 0, onVma, null, 0);
  bpf_user_ringbuf_drain(rb, onSample, ctx, 0);
  const v = bpf_task_storage_get<Ptr<u64>>(storage, t, null, 0);
  if (v !== null) v.value += 1;

  const c = counters.lookup(0);
  if (c !== null) {
    bpf_spin_lock(c.lock);
    c.n += 1;
    bpf_spin_unlock(c.lock);
  }
  const p = bpf_map_lookup_percpu_elem<Counter>(counters, 0, 1);
  const q = bpf_map_lookup_elem(counters, 0);
  const sk = skb as unknown as BpfSock;
  const full = bpf_sk_fullsock(sk);
  if (full !== null) bpf_get_socket_cookie(skb);
  const d = zeroed<BpfDynptr>();
  bpf_dynptr_from_mem(bytes, 4, 0, d);
  bpf_tail_call(skb, rb, 0);
  bpf_redirect_map(rb, 0, 0);

  // @ts-expect-error the format is a string
  bpf_trace_printk(1, 4);
  // @ts-expect-error a kernel object, not any object
  bpf_sk_fullsock({});
  // @ts-expect-error memory the helper writes is a reference
  bpf_skb_load_bytes(skb, 0, 42, 4);
  // @ts-expect-error the size is required
  bpf_get_current_comm(bytes);
  // @ts-expect-error a map, not a number
  bpf_redirect_map(3, 0, 0);
  // @ts-expect-error the callback's context type must match
  bpf_find_vma(t, 0, onVma, zeroed<Event>(), 0);
  const m: MemoryRef = e;
  const b: BtfStruct<"task_struct"> = t;
  return 0;
});
`;
    const index = `${INDEX_DTS}\nexport * from "./helpers.js";\n`;
    const dir = tmpProject({
      "rt/index.d.ts": index,
      "rt/helpers.d.ts": HELPERS_DTS,
      "vmlinux.d.ts": vmlinux,
      "prog.ts": program,
    });
    try {
      const errors = typecheckFiles([path.join(dir, "prog.ts")], { paths: { tsbpf: [path.join(dir, "rt/index.d.ts")] } });
      expect(errors).toEqual([]);
      // helpers.d.ts imported on its own checks too.
      const alone = typecheckFiles([path.join(dir, "rt/helpers.d.ts")], { paths: { tsbpf: [path.join(dir, "rt/index.d.ts")] } });
      expect(alone).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("scripts/gen-helpers.mjs", () => {
  it("regenerates byte-identical files", () => {
    const data = fs.readFileSync(gen.DEFAULT_INPUT, "utf8");
    const a = gen.generate(data);
    const b = gen.generate(data);
    expect(a.table).toBe(b.table);
    expect(a.dts).toBe(b.dts);
    expect(a.table).toBe(fs.readFileSync(path.join(REPO, gen.TABLE_PATH), "utf8"));
    expect(a.dts).toBe(HELPERS_DTS);
    const out = tmpProject({});
    try {
      execFileSync(process.execPath, [path.join(REPO, "scripts/gen-helpers.mjs"), "--out-dir", out], { stdio: "pipe" });
      for (const p of [gen.TABLE_PATH, gen.DTS_PATH]) {
        expect(fs.readFileSync(path.join(out, p)).equals(fs.readFileSync(path.join(REPO, p))), p).toBe(true);
      }
      execFileSync(process.execPath, [path.join(REPO, "scripts/gen-helpers.mjs"), "--check"], { stdio: "pipe" });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it("records where its data comes from", () => {
    const data = fs.readFileSync(gen.DEFAULT_INPUT, "utf8");
    expect(gen.originOf(data)).toMatch(/include\/uapi\/linux\/bpf\.h/);
    expect(HELPERS_DTS).toContain(gen.originOf(data));
  });
});
