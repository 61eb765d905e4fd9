/**
 * The system libbpf (`libbpf.so.1`, 1.1 or newer) through koffi: the C calls
 * the loader makes, bound lazily so that importing the loader never fails on a
 * machine without libbpf (the first call reports why instead).
 *
 * libbpf's print callback is process-wide: the loader installs its own, which
 * hands libbpf's messages to the call in progress (so a failed load carries the
 * verifier log) and otherwise drops them, or prints them all on stderr when
 * TSBPF_LIBBPF_DEBUG is set.
 */
import koffi from "koffi";
import { constants as osConstants } from "node:os";

type Fn = (...args: any[]) => any;
type CType = ReturnType<typeof koffi.struct>;

export interface Libbpf {
  libbpf_set_print: Fn;
  bpf_object__open_file: Fn;
  bpf_object__open_mem: Fn;
  bpf_object__load: Fn;
  bpf_object__close: Fn;
  bpf_object__name: Fn;
  bpf_object__next_program: Fn;
  bpf_object__find_program_by_name: Fn;
  bpf_object__next_map: Fn;
  bpf_object__find_map_by_name: Fn;
  bpf_object__pin: Fn;
  bpf_object__unpin_maps: Fn;
  bpf_object__unpin_programs: Fn;
  bpf_program__name: Fn;
  bpf_program__section_name: Fn;
  bpf_program__type: Fn;
  bpf_program__expected_attach_type: Fn;
  bpf_program__set_type: Fn;
  bpf_program__set_expected_attach_type: Fn;
  bpf_program__set_autoload: Fn;
  bpf_program__autoload: Fn;
  bpf_program__fd: Fn;
  bpf_program__attach: Fn;
  bpf_program__attach_xdp: Fn;
  bpf_link__fd: Fn;
  bpf_link__destroy: Fn;
  bpf_link_create: Fn;
  bpf_map__name: Fn;
  bpf_map__fd: Fn;
  bpf_map__type: Fn;
  bpf_map__key_size: Fn;
  bpf_map__value_size: Fn;
  bpf_map__max_entries: Fn;
  bpf_map__map_flags: Fn;
  bpf_map__is_internal: Fn;
  bpf_map__initial_value: Fn;
  bpf_map__set_initial_value: Fn;
  bpf_map__attach_struct_ops: Fn;
  bpf_map_create: Fn;
  bpf_map_lookup_elem: Fn;
  bpf_map_update_elem: Fn;
  bpf_map_delete_elem: Fn;
  bpf_map_get_next_key: Fn;
  bpf_map_lookup_and_delete_elem: Fn;
  ring_buffer__new: Fn;
  ring_buffer__consume: Fn;
  ring_buffer__free: Fn;
  bpf_obj_get_info_by_fd: Fn;
  bpf_prog_test_run_opts: Fn;
  bpf_btf_load: Fn;
  btf__new: Fn;
  btf__load_into_kernel: Fn;
  btf__fd: Fn;
  btf__free: Fn;
  btf_ext__new: Fn;
  btf_ext__free: Fn;
  libbpf_num_possible_cpus: Fn;
  vsnprintf: Fn;
  strerror: Fn;
  close: Fn;
  OpenOpts: CType;
  TestRunOpts: CType;
  BtfLoadOpts: CType;
  SampleFn: CType;
}

interface CaptureLine { level: number; text: string }

/**
 * The bindings and the capture in progress, one set per process: koffi's type
 * names are process-wide (declaring one twice fails) and so is libbpf's print
 * callback, so every copy of this module a process loads (dist/ and the
 * TypeScript source under a test runner, or two installs of tsbpf) uses the
 * first one's.
 */
interface Shared { lib?: Libbpf; error?: string; capture?: CaptureLine[]; printBuf?: unknown }
const shared: Shared = ((globalThis as Record<symbol, Shared>)[Symbol.for("tsbpf.loader.libbpf")] ??= {});
const PRINT_BUF_SIZE = 1 << 24; // the verifier log is at most 16 MiB

/** The bindings; throws (with the reason) when libbpf.so.1 cannot be loaded. */
export function libbpf(): Libbpf {
  if (shared.lib) return shared.lib;
  if (shared.error) throw new Error(shared.error);
  try {
    const bpf = koffi.load("libbpf.so.1");
    const libc = koffi.load("libc.so.6");
    const OpenOpts = koffi.struct("tsbpf_loader_open_opts", {
      sz: "size_t",
      object_name: "const char *",
      relaxed_maps: "bool",
      pin_root_path: "const char *",
      kconfig: "const char *",
      btf_custom_path: "const char *",
      kernel_log_buf: "void *",
      kernel_log_size: "size_t",
      kernel_log_level: "uint32_t",
    });
    const TestRunOpts = koffi.struct("tsbpf_loader_test_run_opts", {
      sz: "size_t",
      data_in: "void *",
      data_out: "void *",
      data_size_in: "uint32_t",
      data_size_out: "uint32_t",
      ctx_in: "void *",
      ctx_out: "void *",
      ctx_size_in: "uint32_t",
      ctx_size_out: "uint32_t",
      retval: "uint32_t",
      repeat: "int",
      duration: "uint32_t",
      flags: "uint32_t",
      cpu: "uint32_t",
      batch_size: "uint32_t",
    });
    const BtfLoadOpts = koffi.struct("tsbpf_loader_btf_load_opts", {
      sz: "size_t",
      log_buf: "void *",
      log_level: "uint32_t",
      log_size: "uint32_t",
    });
    const PrintFn = koffi.proto("int tsbpf_loader_print_fn(int level, void *fmt, void *args)");
    const SampleFn = koffi.proto("int tsbpf_loader_sample_fn(void *ctx, void *data, size_t size)");
    const l: Libbpf = {
      libbpf_set_print: bpf.func("void *libbpf_set_print(tsbpf_loader_print_fn *fn)"),
      bpf_object__open_file: bpf.func("void *bpf_object__open_file(const char *path, tsbpf_loader_open_opts *opts)"),
      bpf_object__open_mem: bpf.func("void *bpf_object__open_mem(const void *buf, size_t size, tsbpf_loader_open_opts *opts)"),
      bpf_object__load: bpf.func("int bpf_object__load(void *obj)"),
      bpf_object__close: bpf.func("void bpf_object__close(void *obj)"),
      bpf_object__name: bpf.func("const char *bpf_object__name(void *obj)"),
      bpf_object__next_program: bpf.func("void *bpf_object__next_program(void *obj, void *prev)"),
      bpf_object__find_program_by_name: bpf.func("void *bpf_object__find_program_by_name(void *obj, const char *name)"),
      bpf_object__next_map: bpf.func("void *bpf_object__next_map(void *obj, void *prev)"),
      bpf_object__find_map_by_name: bpf.func("void *bpf_object__find_map_by_name(void *obj, const char *name)"),
      bpf_object__pin: bpf.func("int bpf_object__pin(void *obj, const char *path)"),
      bpf_object__unpin_maps: bpf.func("int bpf_object__unpin_maps(void *obj, const char *path)"),
      bpf_object__unpin_programs: bpf.func("int bpf_object__unpin_programs(void *obj, const char *path)"),
      bpf_program__name: bpf.func("const char *bpf_program__name(void *prog)"),
      bpf_program__section_name: bpf.func("const char *bpf_program__section_name(void *prog)"),
      bpf_program__type: bpf.func("int bpf_program__type(void *prog)"),
      bpf_program__expected_attach_type: bpf.func("int bpf_program__expected_attach_type(void *prog)"),
      bpf_program__set_type: bpf.func("int bpf_program__set_type(void *prog, int type)"),
      bpf_program__set_expected_attach_type: bpf.func("int bpf_program__set_expected_attach_type(void *prog, int type)"),
      bpf_program__set_autoload: bpf.func("int bpf_program__set_autoload(void *prog, bool autoload)"),
      bpf_program__autoload: bpf.func("bool bpf_program__autoload(void *prog)"),
      bpf_program__fd: bpf.func("int bpf_program__fd(void *prog)"),
      bpf_program__attach: bpf.func("void *bpf_program__attach(void *prog)"),
      bpf_program__attach_xdp: bpf.func("void *bpf_program__attach_xdp(void *prog, int ifindex)"),
      bpf_link__fd: bpf.func("int bpf_link__fd(void *link)"),
      bpf_link__destroy: bpf.func("int bpf_link__destroy(void *link)"),
      bpf_link_create: bpf.func("int bpf_link_create(int prog_fd, int target_fd, int attach_type, void *opts)"),
      bpf_map__name: bpf.func("const char *bpf_map__name(void *map)"),
      bpf_map__fd: bpf.func("int bpf_map__fd(void *map)"),
      bpf_map__type: bpf.func("int bpf_map__type(void *map)"),
      bpf_map__key_size: bpf.func("uint32_t bpf_map__key_size(void *map)"),
      bpf_map__value_size: bpf.func("uint32_t bpf_map__value_size(void *map)"),
      bpf_map__max_entries: bpf.func("uint32_t bpf_map__max_entries(void *map)"),
      bpf_map__map_flags: bpf.func("uint32_t bpf_map__map_flags(void *map)"),
      bpf_map__is_internal: bpf.func("bool bpf_map__is_internal(void *map)"),
      bpf_map__initial_value: bpf.func("void *bpf_map__initial_value(void *map, _Out_ size_t *psize)"),
      bpf_map__set_initial_value: bpf.func("int bpf_map__set_initial_value(void *map, const void *data, size_t size)"),
      bpf_map__attach_struct_ops: bpf.func("void *bpf_map__attach_struct_ops(void *map)"),
      bpf_map_create: bpf.func("int bpf_map_create(int type, const char *name, uint32_t key_size, uint32_t value_size, uint32_t max_entries, void *opts)"),
      bpf_map_lookup_elem: bpf.func("int bpf_map_lookup_elem(int fd, const void *key, _Out_ void *value)"),
      bpf_map_update_elem: bpf.func("int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)"),
      bpf_map_delete_elem: bpf.func("int bpf_map_delete_elem(int fd, const void *key)"),
      bpf_map_get_next_key: bpf.func("int bpf_map_get_next_key(int fd, const void *key, _Out_ void *next_key)"),
      bpf_map_lookup_and_delete_elem: bpf.func("int bpf_map_lookup_and_delete_elem(int fd, const void *key, _Out_ void *value)"),
      ring_buffer__new: bpf.func("void *ring_buffer__new(int map_fd, tsbpf_loader_sample_fn *sample_cb, void *ctx, void *opts)"),
      ring_buffer__consume: bpf.func("int ring_buffer__consume(void *rb)"),
      ring_buffer__free: bpf.func("void ring_buffer__free(void *rb)"),
      bpf_obj_get_info_by_fd: bpf.func("int bpf_obj_get_info_by_fd(int fd, _Inout_ void *info, _Inout_ uint32_t *info_len)"),
      bpf_prog_test_run_opts: bpf.func("int bpf_prog_test_run_opts(int prog_fd, _Inout_ tsbpf_loader_test_run_opts *opts)"),
      bpf_btf_load: bpf.func("int bpf_btf_load(const void *data, size_t size, tsbpf_loader_btf_load_opts *opts)"),
      btf__new: bpf.func("void *btf__new(const void *data, uint32_t size)"),
      btf__load_into_kernel: bpf.func("int btf__load_into_kernel(void *btf)"),
      btf__fd: bpf.func("int btf__fd(void *btf)"),
      btf__free: bpf.func("void btf__free(void *btf)"),
      btf_ext__new: bpf.func("void *btf_ext__new(const uint8_t *data, uint32_t size)"),
      btf_ext__free: bpf.func("void btf_ext__free(void *ext)"),
      libbpf_num_possible_cpus: bpf.func("int libbpf_num_possible_cpus(void)"),
      vsnprintf: libc.func("int vsnprintf(void *str, size_t size, void *fmt, void *ap)"),
      strerror: libc.func("const char *strerror(int errnum)"),
      close: libc.func("int close(int fd)"),
      OpenOpts,
      TestRunOpts,
      BtfLoadOpts,
      SampleFn,
    };
    const cb = koffi.register((level: number, fmt: unknown, args: unknown): number => {
      const buf = (shared.printBuf ??= koffi.alloc("char", PRINT_BUF_SIZE));
      const n = l.vsnprintf(buf, PRINT_BUF_SIZE, fmt, args) as number;
      if (n <= 0) return 0;
      const text = Buffer.from(koffi.view(buf, Math.min(n, PRINT_BUF_SIZE - 1))).toString("utf8");
      if (shared.capture) shared.capture.push({ level, text });
      else if (process.env.TSBPF_LIBBPF_DEBUG) process.stderr.write(`libbpf: ${text}`);
      return 0;
    }, koffi.pointer(PrintFn));
    l.libbpf_set_print(cb);
    shared.lib = l;
    return l;
  } catch (e) {
    shared.error = `cannot load libbpf.so.1 through koffi: ${(e as Error).message}`;
    throw new Error(shared.error);
  }
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([k, v]) => [v as number, k]));

/** "EPERM (Operation not permitted)" for 1 or -1. */
export function errnoString(err: number): string {
  const e = Math.abs(err);
  const name = ERRNO_NAMES.get(e) ?? `errno ${e}`;
  let msg = "";
  try {
    msg = libbpf().strerror(e) as string;
  } catch {
    /* name only */
  }
  return msg ? `${name} (${msg})` : name;
}

/** An error from a libbpf or bpf() call: `errno` is positive, `log` is what libbpf printed meanwhile. */
export class LibbpfError extends Error {
  constructor(message: string, readonly errno: number, readonly log = "") {
    super(message);
    this.name = "LibbpfError";
  }
}

/** libbpf 1.x returns -errno from failing calls. */
export function check(ret: number, what: string, log = ""): number {
  if (ret < 0) throw new LibbpfError(`${what} failed: ${errnoString(ret)}`, -ret, log);
  return ret;
}

/** Runs `fn` collecting libbpf's messages; returns them with the result or the error. */
export function withCapture<T>(fn: () => T): { value?: T; error?: unknown; log: string; warnings: string } {
  const lines: CaptureLine[] = [];
  const prev = shared.capture;
  shared.capture = lines;
  let value: T | undefined;
  let error: unknown;
  try {
    value = fn();
  } catch (e) {
    error = e;
  } finally {
    shared.capture = prev;
  }
  return { value, error, log: lines.map((l) => l.text).join(""), warnings: lines.filter((l) => l.level === 0).map((l) => l.text).join("") };
}

export { koffi };
