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
 * `export *`, `import("tsbpf")`) or add to them (`declare module "tsbpf"`): a
 * program using one checks against the whole file.
 */
const WHOLE_MODULE = /\*\s*(?:as\s+[\w$]+\s*)?from\s*["']tsbpf["']|import\s*\(\s*["']tsbpf["']|declare\s+module\s*["']tsbpf["']/;

/** The helper names the user's texts mention, or undefined when they need the whole module. */
export function helperNamesUsed(texts: Iterable<string>): Set<string> | undefined {
  const names = new Set<string>();
  for (const text of texts) {
    if (WHOLE_MODULE.test(text)) return undefined;
    for (const m of text.matchAll(HELPER_NAME)) names.add(m[0]);
  }
  return names;
}

/** Where each helper's declarations (with their comments) lie in one helpers.d.ts text. */
interface Layout {
  text: string;
  /** The text with everything but newlines turned to spaces. */
  blank: string;
  /** [name, start, end) of each declaration, in order. */
  decls: [string, number, number][];
}

let cached: Layout | undefined;

/**
 * Relies on the generated layout (scripts/gen-helpers.mjs): one declaration per
 * line, `export declare function name…`, its `/** … *\/` comment directly
 * above; anything else is kept as is.
 */
function layoutOf(text: string): Layout {
  if (cached?.text === text) return cached;
  const decls: [string, number, number][] = [];
  let offset = 0;
  let docStart = -1;
  let prev = "";
  for (const line of text.split("\n")) {
    const end = offset + line.length;
    if (line.startsWith("/**")) docStart = offset;
    const m = /^export declare function (\w+)/.exec(line);
    if (m) {
      decls.push([m[1]!, docStart >= 0 && prev === " */" ? docStart : offset, end]);
      docStart = -1;
    } else if (!line.startsWith(" *") && !line.startsWith("/**")) {
      docStart = -1;
    }
    prev = line;
    offset = end + 1;
  }
  cached = { text, blank: text.replace(/[^\n]/g, " "), decls };
  return cached;
}

/** helpers.d.ts with the declarations (and documentation comments) of helpers not in `keep` blanked out. */
export function helperSubset(text: string, keep: ReadonlySet<string>): string {
  const { blank, decls } = layoutOf(text);
  const parts: string[] = [];
  let at = 0;
  for (const [name, start, end] of decls) {
    if (keep.has(name)) continue;
    parts.push(text.slice(at, start), blank.slice(start, end));
    at = end;
  }
  parts.push(text.slice(at));
  return parts.join("");
}
