/** BTF (.BTF) and BTF.ext (.BTF.ext) support: type table builder, encoders, decoder, bpftool-style printer. */
export * from "./kinds.js";
export * from "./types.js";
export * from "./builder.js";
export * from "./ext.js";
export * from "./parse.js";
export * from "./print.js";
