export * from "./constants.js";
export * from "./writer.js";
export * from "./reader.js";
