// Types of scripts/gen-helpers.mjs, for the tests that import it.
import type { HelperInfo } from "../compiler/kernel/ctype.js";

export declare const DEFAULT_INPUT: string;
export declare const TABLE_PATH: string;
export declare const DTS_PATH: string;
export declare const DECLARED_IN_INDEX: readonly string[];

/** `name → id` from the ___BPF_FUNC_MAPPER (or older __BPF_FUNC_MAPPER) list of a bpf.h. */
export declare function parseMapper(text: string): Map<string, number>;
export declare function parseDocs(text: string): {
  proto: string;
  name: string;
  ret: string;
  args: string;
  description: string;
  returns: string;
}[];
export declare function buildModel(text: string): (HelperInfo & { name: string })[];
export declare function originOf(text: string): string;
export declare function generate(text: string): {
  helpers: (HelperInfo & { name: string })[];
  table: string;
  dts: string;
};
