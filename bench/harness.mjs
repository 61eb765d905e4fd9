// The kernel harness for the benchmark: test/kernel/libbpf.ts (TypeScript,
// not part of dist/) transpiled on the fly with the `typescript` package into
// node_modules/.cache/tsbpf-bench/, so that its `import koffi` resolves to the
// project's own node_modules and its imports of the loader's sources to their
// build in dist/loader/ (run `npm run build` first). Re-transpiled whenever
// the source changes.

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CACHE = path.join(ROOT, "node_modules", ".cache", "tsbpf-bench");

/** `rel`'s relative import `spec` as the URL of its build in dist/ (only loader/ and compiler/ sources are built). */
function distUrl(rel, spec) {
  const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(rel), spec));
  if (!/^(loader|compiler)\//.test(target)) throw new Error(`${rel}: cannot import ${spec}: only loader/ and compiler/ are built into dist/`);
  return pathToFileURL(path.join(ROOT, "dist", target)).href;
}

/** Transpiles `rel` (a .ts file under the project root) and imports it; its relative imports go to dist/. */
async function importTs(rel) {
  const src = fs.readFileSync(path.join(ROOT, rel), "utf8");
  const hash = createHash("sha256").update(ts.version).update(src).digest("hex").slice(0, 16);
  const out = path.join(CACHE, `${path.basename(rel, ".ts")}.${hash}.mjs`);
  if (!fs.existsSync(out)) {
    const { outputText, diagnostics } = ts.transpileModule(src, {
      fileName: rel,
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    if (diagnostics?.length) throw new Error(`transpiling ${rel}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, "\n")}`);
    const text = outputText.replace(/(\bfrom\s*|\bimport\s*\(\s*)(["'])(\.\.?\/[^"']*)\2/g, (_, kw, q, spec) => `${kw}${q}${distUrl(rel, spec)}${q}`);
    fs.mkdirSync(CACHE, { recursive: true });
    const tmp = `${out}.${process.pid}`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, out);
  }
  return import(pathToFileURL(out).href);
}

/** { BpfObject, kernelAvailable, defaultEthPacket, BPF_PROG_TYPE, … } from test/kernel/libbpf.ts */
export const libbpf = await importTs("test/kernel/libbpf.ts");
