// structOps declarations tsbpf rejects, with the code and the text each diagnostic points at.
// (The kernel's BTF gives tcp_congestion_ops' members: /sys/kernel/btf/vmlinux.)
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { tmpProject } from "../support/tmp.js";

const HEADER = `import { license, structOps, type u32 } from "tsbpf";
license("GPL");
interface TcpSock { readonly "@btf": "struct tcp_sock"; snd_cwnd: u32 }
function ss(sk: TcpSock): u32 { return sk.snd_cwnd; }
function undo(sk: TcpSock): u32 { return sk.snd_cwnd; }
function ca(sk: TcpSock, ack: u32, acked: u32): void {}
`;

function errors(body: string) {
  const dir = tmpProject({ "prog.ts": HEADER + body });
  const r = compile(path.join(dir, "prog.ts"));
  return r.diagnostics.map((d) => ({ code: d.code, at: (HEADER + body).slice(d.start, d.start + d.length) }));
}

describe.skipIf(!fs.existsSync("/sys/kernel/btf/vmlinux"))("structOps diagnostics", () => {
  it("accepts a complete declaration", () => {
    expect(errors(`export const x = structOps("tcp_congestion_ops", { ssthresh: ss, cong_avoid: ca, undo_cwnd: undo, name: "x" });\n`)).toEqual([]);
  });
  it("serves one member with one function", () => {
    expect(errors(`export const x = structOps("tcp_congestion_ops", { ssthresh: ss, cong_avoid: ca, undo_cwnd: ss });\n`))
      .toEqual([{ code: "TSBPF1006", at: "ss" }]);
  });
  it("names a struct the kernel has", () => {
    expect(errors(`export const x = structOps("no_such_ops", { ssthresh: ss });\n`)).toEqual([{ code: "TSBPF1006", at: '"no_such_ops"' }]);
  });
  it("sets members the struct has", () => {
    expect(errors(`export const x = structOps("tcp_congestion_ops", { ssthresh: ss, nope: ss });\n`)).toEqual([{ code: "TSBPF1006", at: "nope: ss" }]);
  });
  it("gives a function pointer a function with the member's arity and return", () => {
    expect(errors(`export const x = structOps("tcp_congestion_ops", { cong_avoid: ss });\n`)).toEqual([{ code: "TSBPF1006", at: "ss" }]);
    expect(errors(`export const x = structOps("tcp_congestion_ops", { ssthresh: 3 });\n`)).toEqual([{ code: "TSBPF1006", at: "3" }]);
  });
  it("fits the name in its char array", () => {
    expect(errors(`export const x = structOps("tcp_congestion_ops", { ssthresh: ss, name: "a_name_far_too_long" });\n`))
      .toEqual([{ code: "TSBPF1006", at: '"a_name_far_too_long"' }]);
  });
});
