/** Reading BTF for `tsbpf vmlinux`: a raw BTF file (/sys/kernel/btf/*) or an ELF object with a .BTF section. */
import * as fs from "node:fs";
import { readElf } from "../elf/reader.js";

export const DEFAULT_BTF = "/sys/kernel/btf/vmlinux";

/** The raw `.BTF` bytes of a file: itself when it starts with the BTF magic, else its ELF `.BTF` section. */
export function readBtfFile(file: string): Uint8Array {
  const bytes = new Uint8Array(fs.readFileSync(file));
  if (bytes.length >= 2 && bytes[0] === 0x9f && bytes[1] === 0xeb) return bytes;
  if (bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) {
    const sec = readElf(bytes).sections.find((s) => s.name === ".BTF");
    if (!sec) throw new Error(`${file}: ELF file without a .BTF section`);
    return sec.data;
  }
  throw new Error(`${file}: neither raw BTF (magic 0xeb9f) nor an ELF object`);
}
