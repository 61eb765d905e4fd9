/**
 * Program contexts: the UAPI structs the kernel hands each program type
 * (`struct __sk_buff`, `struct xdp_md`, …), with their layout computed from the
 * member lists below exactly as include/uapi/linux/bpf.h declares them. The
 * verifier rewrites context accesses, so only constant offsets are valid, and
 * `data`/`data_end`/`data_meta` loads yield packet pointers.
 */
import { U32, U64, U8, OPAQUE, layoutStruct, type StructType, type Type } from "../types/model.js";

/** A packet pointer field, loaded with the field's own width. */
const pkt = (role: "data" | "end" | "meta", size: 4 | 8): Type => ({ kind: "pkt", role, size });
const u32s = (n: number): Type => ({ kind: "array", elem: U32, length: n });

const SK_BUFF: [string, Type][] = [
  ["len", U32], ["pkt_type", U32], ["mark", U32], ["queue_mapping", U32], ["protocol", U32],
  ["vlan_present", U32], ["vlan_tci", U32], ["vlan_proto", U32], ["priority", U32],
  ["ingress_ifindex", U32], ["ifindex", U32], ["tc_index", U32], ["cb", u32s(5)], ["hash", U32],
  ["tc_classid", U32], ["data", pkt("data", 4)], ["data_end", pkt("end", 4)], ["napi_id", U32],
  ["family", U32], ["remote_ip4", U32], ["local_ip4", U32], ["remote_ip6", u32s(4)], ["local_ip6", u32s(4)],
  ["remote_port", U32], ["local_port", U32], ["data_meta", pkt("meta", 4)], ["flow_keys", OPAQUE],
  ["tstamp", U64], ["wire_len", U32], ["gso_segs", U32], ["sk", OPAQUE], ["gso_size", U32],
  ["tstamp_type", U8], ["hwtstamp", U64],
];

const XDP_MD: [string, Type][] = [
  ["data", pkt("data", 4)], ["data_end", pkt("end", 4)], ["data_meta", pkt("meta", 4)],
  ["ingress_ifindex", U32], ["rx_queue_index", U32], ["egress_ifindex", U32],
];

const BPF_SOCK_ADDR: [string, Type][] = [
  ["user_family", U32], ["user_ip4", U32], ["user_ip6", u32s(4)], ["user_port", U32], ["family", U32],
  ["type", U32], ["protocol", U32], ["msg_src_ip4", U32], ["msg_src_ip6", u32s(4)], ["sk", OPAQUE],
];

const SK_MSG_MD: [string, Type][] = [
  ["data", pkt("data", 8)], ["data_end", pkt("end", 8)], ["family", U32], ["remote_ip4", U32],
  ["local_ip4", U32], ["remote_ip6", u32s(4)], ["local_ip6", u32s(4)], ["remote_port", U32],
  ["local_port", U32], ["size", U32], ["sk", OPAQUE],
];

const BPF_NF_CTX: [string, Type][] = [["state", OPAQUE], ["skb", OPAQUE]];

const layout = (cname: string, members: [string, Type][]) =>
  layoutStruct(cname, members.map(([name, type]) => ({ name, type })), true);

/** Context type name (as runtime-types declares it) → its kernel struct. */
export const CONTEXTS: Record<string, StructType> = {
  SkBuff: layout("__sk_buff", SK_BUFF),
  XdpMd: layout("xdp_md", XDP_MD),
  BpfSockAddr: layout("bpf_sock_addr", BPF_SOCK_ADDR),
  SkMsgMd: layout("sk_msg_md", SK_MSG_MD),
  BpfNfCtx: layout("bpf_nf_ctx", BPF_NF_CTX),
};

/** Contexts whose programs see packet data (and so have `header<T>()`). */
export function hasPacket(ctx: string): boolean {
  return ctx === "SkBuff" || ctx === "XdpMd" || ctx === "SkMsgMd";
}
