/** `tsbpf vmlinux`: BTF → TypeScript declarations (see README.md). */
export { generateVmlinux, btfDigest, VmlinuxNameError, CONTEXT_STRUCTS } from "./generate.js";
export type { VmlinuxOptions, VmlinuxResult, VmlinuxStats } from "./generate.js";
export { readBtfFile, DEFAULT_BTF } from "./input.js";
export {
  BTF_BRAND, BrandIndex, parseBrand, formatBrand, flattenMembers, resolveType, skipModifiers,
} from "./layout.js";
export type { Brand, BrandKind, FlatMember } from "./layout.js";
export { pascalCase, NameTable } from "./names.js";
export { CTypePrinter } from "./ctype.js";
export { typecheckFiles, CHECK_OPTIONS } from "./check.js";
