/**
 * `tsbpf init <dir> [--template name]`: a ready project from templates/<name>/:
 * the program under src/, a vitest test that drives it in the kernel through
 * its generated skeleton, a README, and the files made here — package.json
 * (tsbpf as a dev dependency, `build`/`test`/`watch`/`check`/`verify` scripts,
 * the `"tsbpf"` build configuration), tsconfig.json for the tests and
 * src/tsconfig.json that makes editors see the program as tsbpf does.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { shown, UsageError } from "../output.js";

/** templates/<name>/template.json */
export interface TemplateManifest {
  description: string;
  /** Entry files, relative to the project. */
  entries: string[];
}

function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "templates"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error("tsbpf: templates/ not found next to the compiler");
    dir = up;
  }
}

export function templatesDir(): string {
  return path.join(packageRoot(), "templates");
}

export function templateNames(): string[] {
  return fs
    .readdirSync(templatesDir(), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(templatesDir(), d.name, "template.json")))
    .map((d) => d.name)
    .sort();
}

export function readManifest(name: string): TemplateManifest {
  return JSON.parse(fs.readFileSync(path.join(templatesDir(), name, "template.json"), "utf8")) as TemplateManifest;
}

/**
 * How the new project depends on tsbpf: this package's own directory (`file:`)
 * when it is a checkout rather than an installed package, so the project
 * installs offline against the compiler that made it; else its version.
 */
export function defaultTsbpfSpec(): string {
  const root = packageRoot();
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
  return root.split(path.sep).includes("node_modules") ? `^${pkg.version}` : `file:${root}`;
}

function packageName(dir: string): string {
  const base = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9._~-]+/g, "-").replace(/^[._-]+/, "");
  return base || "bpf-project";
}

export interface InitOptions {
  template?: string;
  /** The dependency specifier for tsbpf (default: defaultTsbpfSpec()). */
  tsbpf?: string;
  force?: boolean;
}

/** The files of a new project, by relative path. */
export function projectFiles(dir: string, opts: InitOptions = {}): Map<string, string> {
  const template = opts.template ?? "wq";
  const names = templateNames();
  if (!names.includes(template)) throw new UsageError(`unknown template '${template}' (templates: ${names.join(", ")})`);
  const manifest = readManifest(template);
  const own = JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { devDependencies?: Record<string, string> };
  const dev = own.devDependencies ?? {};
  const name = packageName(dir);
  const files = new Map<string, string>();

  const src = path.join(templatesDir(), template);
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(src, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (r !== "template.json") files.set(r, fs.readFileSync(path.join(src, r), "utf8").replaceAll("{{name}}", name));
    }
  };
  walk("");

  const entry = manifest.entries[0]!;
  const object = `dist/${path.basename(entry).replace(/\.ts$/, "")}.bpf.o`;
  const pkg = {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    description: manifest.description,
    scripts: {
      build: "tsbpf build",
      watch: "tsbpf build --watch",
      check: "tsbpf check",
      asm: "tsbpf build --emit asm",
      verify: `tsbpf verify ${entry}`,
      typecheck: "tsc -p src && tsc -p .",
      pretest: "tsbpf build",
      test: "vitest run",
    },
    tsbpf: { entries: manifest.entries, outDir: "dist", skeleton: true },
    devDependencies: {
      "@types/node": dev["@types/node"] ?? "^20.0.0",
      tsbpf: opts.tsbpf ?? defaultTsbpfSpec(),
      typescript: dev.typescript ?? "~5.9.3",
      vitest: dev.vitest ?? "^4.1.12",
    },
  };
  files.set("package.json", JSON.stringify(pkg, null, 2) + "\n");
  // The tests and the generated skeleton: Node-side TypeScript.
  files.set(
    "tsconfig.json",
    JSON.stringify(
      {
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: ["node"] },
        include: ["test", "dist/*.skel.ts"],
      },
      null,
      2,
    ) + "\n",
  );
  // The BPF program: what tsbpf itself sees — tsbpf's lib only, no Node or DOM globals.
  files.set(
    "src/tsconfig.json",
    JSON.stringify(
      {
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, noLib: true, types: [] },
        include: ["*.ts", "../node_modules/tsbpf/runtime-types/lib.d.ts"],
      },
      null,
      2,
    ) + "\n",
  );
  files.set(".gitignore", "node_modules/\ndist/\n");
  files.set("README.md", (files.get("README.md") ?? `# ${name}\n`).trimEnd() + "\n" + commonReadme(object, entry));
  return files;
}

function commonReadme(object: string, entry: string): string {
  return `
## Develop

\`\`\`sh
npm install
npm run build        # ${object} and its typed skeleton (dist/*.skel.ts)
sudo npm test        # builds, loads the object into the kernel, runs the tests
npm run watch        # rebuilds on every change
npm run check        # type-check and apply tsbpf's rules, writing nothing
npm run asm          # also writes the disassembly next to the object, TypeScript lines interleaved
sudo npm run verify  # load it; a verifier rejection is shown at its TypeScript line
npm run typecheck    # what your editor sees: src/ with tsbpf's types only, test/ with Node's
\`\`\`

The \`"tsbpf"\` field of package.json says what \`tsbpf build\` compiles
(\`entries\`), where the objects go (\`outDir\`) and that a skeleton is wanted.
\`${entry}\` is TypeScript with C semantics: see tsbpf's docs/DSL.md for the language.
Loading programs needs root (or CAP_BPF and friends).
`;
}

export function init(dir: string, opts: InitOptions): number {
  const files = projectFiles(dir, opts);
  const root = path.resolve(dir);
  if (fs.existsSync(root) && fs.readdirSync(root).length > 0 && !opts.force) {
    const clash = [...files.keys()].filter((f) => fs.existsSync(path.join(root, f)));
    if (clash.length) throw new UsageError(`${shown(root)} already has ${clash.join(", ")} (use --force to overwrite)`);
  }
  for (const [rel, text] of files) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  const cd = shown(root);
  process.stderr.write(
    `Created ${cd} from the '${opts.template ?? "wq"}' template. Next:\n\n` +
      `  cd ${cd}\n  npm install\n  npm run build     # dist/: the object and its typed skeleton\n  sudo npm test     # loads it into the kernel and runs it\n\n`,
  );
  return 0;
}

export function register(program: Command, setExitCode: (code: number) => void): void {
  program
    .command("init")
    .description("create a project: the program, its test, package.json and tsconfig")
    .argument("[dir]", "directory of the new project (created if needed)")
    .option("-t, --template <name>", "wq, xdp-counter, tc-filter or ringbuf-events", "wq")
    .option("--tsbpf <specifier>", "how the project depends on tsbpf (default: this copy, as file:…)")
    .option("--force", "overwrite existing files")
    .option("--list", "list the templates and exit")
    .action((dir: string | undefined, opts: InitOptions & { list?: boolean }) => {
      if (opts.list) {
        for (const n of templateNames()) process.stdout.write(`${n.padEnd(16)} ${readManifest(n).description}\n`);
        setExitCode(0);
        return;
      }
      if (dir === undefined) throw new UsageError("init: name the new project's directory (tsbpf init my-prog --template xdp-counter)");
      setExitCode(init(dir, opts));
    });
}
