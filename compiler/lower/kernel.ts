/**
 * What tsbpf knows of the kernel's interface: helper ids (include/uapi/linux/bpf.h)
 * and kfunc prototypes as the kernel declares them, which become the BTF of the
 * extern FUNCs libbpf checks against vmlinux.
 */
import { I32, I64, OPAQUE, U32, U64, KERNEL_STRUCTS, type FuncType } from "../types/model.js";

export const HELPERS = {
  bpf_map_lookup_elem: 1,
  bpf_map_update_elem: 2,
  bpf_map_delete_elem: 3,
} as const;

const wqCallback: FuncType = { kind: "func", params: [OPAQUE, { kind: "ptr", target: I32 }, OPAQUE], ret: I32 };
const wq = KERNEL_STRUCTS.BpfWq!;

export const KFUNCS: Record<string, FuncType> = {
  bpf_wq_init: { kind: "func", params: [wq, OPAQUE, U32], ret: I32 },
  bpf_wq_set_callback_impl: { kind: "func", params: [wq, wqCallback, U32, OPAQUE], ret: I32 },
  bpf_wq_start: { kind: "func", params: [wq, U32], ret: I32 },
};

export { I64, U64 };
