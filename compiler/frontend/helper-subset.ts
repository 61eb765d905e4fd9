/**
 * runtime-types/helpers.d.ts declares all ~200 BPF helpers with the kernel's
 * documentation: 188 KB that TypeScript would parse and bind on every build,
 * most of a cold build's front-end time, for the handful a program calls.
 * A build type-checks against a copy of the file in which every helper the
 * user's files never name is blanked out — replaced by spaces, newlines kept,
 * so every remaining declaration keeps its offset, line and text. Whatever the
 * program does with the names it uses then type-checks and lowers exactly as
 * against the whole file; project.ts goes back to the whole file whenever the
 * subset leaves any TypeScript error, so diagnostics are the whole file's too.
 */

/** Every helper is named bpf_…: a name the user's text never contains cannot be used. */
const HELPER_NAME = /\bbpf_\w+/g;

/**
 * Forms that reach the module's exports without naming them (`import * as`,
 * `export *`, `import("tsbpf")`): a program using one checks against the whole file.
 */
const WHOLE_MODULE = /\*\s*(?:as\s+[\w$]+\s*)?from\s*["']tsbpf["']|import\s*\(\s*["']tsbpf["']/;

/** The helper names the user's texts mention, or undefined when they need the whole module. */
export function helperNamesUsed(texts: Iterable<string>): Set<string> | undefined {
  const names = new Set<string>();
  for (const text of texts) {
    if (WHOLE_MODULE.test(text)) return undefined;
    for (const m of text.matchAll(HELPER_NAME)) names.add(m[0]);
  }
  return names;
}

const blank = (s: string): string => s.replace(/[^\n]/g, " ");

/**
 * helpers.d.ts with the declarations (and their documentation comments) of
 * helpers not in `keep` blanked out. Relies on the generated layout
 * (scripts/gen-helpers.mjs): one declaration per line, `export declare function
 * name…`, its `/** … *\/` comment directly above; anything else is kept as is.
 */
export function helperSubset(text: string, keep: ReadonlySet<string>): string {
  const lines = text.split("\n");
  let docStart = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("/**")) docStart = i;
    const m = /^export declare function (\w+)/.exec(line);
    if (m) {
      if (!keep.has(m[1]!)) {
        const from = docStart >= 0 && lines[i - 1] === " */" ? docStart : i;
        for (let j = from; j <= i; j++) lines[j] = blank(lines[j]!);
      }
      docStart = -1;
    } else if (!line.startsWith(" *") && !line.startsWith("/**")) {
      docStart = -1;
    }
  }
  return lines.join("\n");
}
