// The slow path of load.mjs: bundle a repository TypeScript entry with esbuild into the cache, and record
// every file that went in (the manifest load.mjs checks). See README.md for the layout.
//
// Two layers, so that editing a generator rebuilds only the small one:
//   - local: the repository's own modules reachable from the entry, bundled with code splitting (a dynamic
//     import() of a local module stays a chunk of its own, loaded only when called);
//   - vendor: every package the local code imports statically, bundled once per environment and set of imports.
// Packages imported dynamically (typescript, esbuild) are left to Node, as written.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import module from "node:module";
import { basename, dirname, extname, join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";

/** What a build recorded: the files that went in and where the result is. */
export interface Manifest {
  /** load.mjs' environment(): Node, esbuild, the lockfile and the bundler's own files; any change rebuilds everything. */
  readonly environment: string;
  /** Repository-relative path → sha1 of the exact text esbuild was given. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Folder (under the cache) holding the entry and its chunks. */
  readonly dir: string;
  /** The entry's file in `dir`. */
  readonly file: string;
}

const sha1 = (text: string | Buffer) => createHash("sha1").update(text).digest("hex");

/** Where bundles live (load.mjs' cacheDir): inside node_modules, so a bare import from a bundle resolves like one from the repository. */
const cacheDir = (root: string) => join(root, "node_modules", ".cache", "stackwave-bundle");

/** Writes `files` (name → content) as the folder `dir`, all at once: a reader sees the old folder or the new one. */
function writeDir(dir: string, files: ReadonlyMap<string, string | Uint8Array>): void {
  if (existsSync(dir)) return; // content-addressed: an existing folder already holds the same files
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const [name, content] of files) {
    mkdirSync(dirname(join(tmp, name)), { recursive: true });
    writeFileSync(join(tmp, name), content);
  }
  try {
    renameSync(tmp, dir);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw error; // otherwise a concurrent build wrote the same folder first
  }
}

type Esbuild = typeof import("esbuild");

const loaders = { ".ts": "ts", ".mts": "ts", ".cts": "ts", ".js": "js", ".mjs": "js", ".cjs": "js", ".json": "json" } as const;

/**
 * @kubernetes-models/validate compiles RE2 (WebAssembly) at start-up for the few schema patterns JavaScript
 * cannot express; PrometheusRule's needs it only when a rule group sets partial_response_strategy. This
 * stand-in builds the same RE2 on the first test(), so runs that never reach such a field skip the compile.
 */
const lazyRe2 = `import { createRequire } from "node:module";
const load = () => createRequire(import.meta.url)("re2-wasm").RE2;
export default class LazyRE2 {
  #args; #re;
  constructor(...args) { this.#args = args; }
  test(text) { this.#re ??= new (load())(...this.#args); return this.#re.test(text); }
}`;

interface Vendor {
  /** Its folder under the cache. */
  readonly name: string;
  /** Each specifier's file in the folder. */
  readonly files: Readonly<Record<string, string>>;
}

/**
 * One vendor entry: the package's exports by name, the names Node itself would give an import of it (for a
 * CommonJS package, the ones its lexer finds, plus `default` for module.exports), so the local bundle imports
 * the same bindings either way. A CommonJS package is required rather than imported: esbuild would copy
 * every property of module.exports into a namespace object first, on every run.
 */
function reexport(spec: string, names: readonly string[], commonJS: boolean): string {
  const quoted = (name: string) => JSON.stringify(name);
  if (!commonJS) return `export { ${names.map((name) => `${quoted(name)} as ${quoted(name)}`).join(", ")} } from ${quoted(spec)};\n`;
  const locals = names.map((name, i) => `const v${i} = ${name === "default" || name === "module.exports" ? "m" : `m[${quoted(name)}]`};`);
  const list = names.map((name, i) => `v${i} as ${quoted(name)}`).join(", ");
  return `const m = require(${quoted(spec)});\n${locals.join("\n")}\nexport { ${list} };\n`;
}

/** Whether Node loads `spec` (as the repository imports it) as CommonJS: by extension, else by its package's "type". */
function isCommonJS(spec: string): boolean {
  const url = import.meta.resolve(spec);
  if (url.endsWith(".cjs")) return true;
  if (url.endsWith(".mjs")) return false;
  const pkg = module.findPackageJSON(url);
  return !pkg || (JSON.parse(readFileSync(pkg, "utf8")) as { type?: string }).type !== "module";
}

/** The vendor folder for `specifiers`, built unless it exists. */
async function buildVendor(esbuild: Esbuild, root: string, env: string, specifiers: readonly string[]): Promise<Vendor> {
  const name = `vendor-${sha1([env, ...specifiers].join("\n")).slice(0, 16)}`;
  const dir = join(cacheDir(root), name);
  const mapFile = join(dir, "map.json");
  if (existsSync(mapFile)) return { name, files: JSON.parse(readFileSync(mapFile, "utf8")) as Record<string, string> };
  // Node's view of each package's exports: import it here once per vendor build. This file sits in the
  // repository (or, bundled, under its node_modules), so the import resolves as the generators' would.
  const exportNames = await Promise.all(specifiers.map(async (spec) => Object.keys((await import(spec)) as object).sort()));
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: specifiers.map((_spec, i) => ({ in: `vendor-entry:${i}`, out: `e${i}` })),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node24",
    outdir: join(dir, "out"),
    outExtension: { ".js": ".mjs" },
    write: false,
    logLevel: "silent",
    // CommonJS packages inside an ES module bundle still call require().
    banner: {
      js: 'import { createRequire as __stackwaveRequire } from "node:module"; const require = __stackwaveRequire(import.meta.url);',
    },
    plugins: [
      {
        name: "vendor",
        setup(build) {
          build.onResolve({ filter: /^vendor-entry:/ }, (args) => ({ path: args.path, namespace: "vendor-entry" }));
          build.onLoad({ filter: /.*/, namespace: "vendor-entry" }, (args) => {
            const i = Number(args.path.slice("vendor-entry:".length));
            return { contents: reexport(specifiers[i]!, exportNames[i]!, isCommonJS(specifiers[i]!)), loader: "js", resolveDir: root };
          });
          build.onResolve({ filter: /^@kubernetes-models\/validate\/runtime\/re2(\.js)?$/ }, () => ({ path: "re2", namespace: "lazy" }));
          build.onLoad({ filter: /.*/, namespace: "lazy" }, () => ({ contents: lazyRe2, loader: "js", resolveDir: root }));
        },
      },
    ],
  });
  const files = new Map<string, string | Uint8Array>(result.outputFiles.map((f) => [relative(dir, f.path), f.contents]));
  const map = Object.fromEntries(specifiers.map((spec, i) => [spec, `out/e${i}.mjs`]));
  files.set("map.json", JSON.stringify(map));
  writeDir(dir, files);
  return { name, files: map };
}

const vendorPrefix = "stackwave-vendor:";

async function bundle(root: string, entry: string, id: string, env: string): Promise<Manifest> {
  const esbuild = (await import("esbuild")) as Esbuild;
  const inputs: Record<string, string> = {};
  const packages = new Set<string>();
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [{ in: entry, out: basename(entry, extname(entry)) }],
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node24",
    outdir: join(cacheDir(root), "out"),
    chunkNames: "chunk-[hash]",
    outExtension: { ".js": ".mjs" },
    write: false,
    sourcemap: "linked",
    sourcesContent: false,
    logLevel: "silent",
    plugins: [
      {
        name: "stackwave",
        setup(b) {
          // Bare specifiers: static imports go to the vendor bundle, dynamic ones stay Node's (see the header).
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (module.isBuiltin(args.path)) return { path: args.path, external: true };
            if (args.kind === "dynamic-import") return { path: args.path, external: true };
            packages.add(args.path);
            return { path: `${vendorPrefix}${args.path}`, external: true };
          });
          // Local files: record exactly what is bundled, and keep import.meta.url naming the source file,
          // which generators use to find their own path (headers of generated files, repoRoot).
          b.onLoad({ filter: /\.[cm]?[jt]s$|\.json$/ }, (args) => {
            const path = relative(root, args.path);
            if (path.startsWith(`..${sep}`) || path.split(sep).includes("node_modules")) return undefined;
            const text = readFileSync(args.path, "utf8");
            inputs[path.split(sep).join("/")] = sha1(text);
            const url = JSON.stringify(pathToFileURL(args.path).href);
            const contents = text
              .replace(/\bimport\.meta\.url\b/g, url)
              .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path))
              .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)));
            return { contents, loader: loaders[extname(args.path) as keyof typeof loaders] ?? "js" };
          });
        },
      },
    ],
  });
  const vendor = packages.size > 0 ? await buildVendor(esbuild, root, env, [...packages].sort()) : { name: "", files: {} };
  const outDir = join(cacheDir(root), "out");
  const texts = new Map(result.outputFiles.map((f) => [relative(outDir, f.path), f.text]));
  const contentKey = sha1([...texts].map(([name, text]) => `${name}\0${text}`).join("\0")).slice(0, 16);
  const dir = `${id}-${contentKey}`;
  const files = new Map<string, string>();
  for (const [name, text] of texts)
    files.set(
      name,
      !name.endsWith(".mjs")
        ? text
        : text.replace(/(["'])stackwave-vendor:([^"']+)\1/g, (_m, quote: string, spec: string) => {
            return `${quote}../${vendor.name}/${vendor.files[spec]}${quote}`;
          }),
    );
  writeDir(join(cacheDir(root), dir), files);
  return { environment: env, inputs, dir, file: `${basename(entry, extname(entry))}.mjs` };
}

/** Replaces `path` with `text` in one rename. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Removes this entry's older bundles (vendor folders stay: they change only with the lockfile or the imports). */
function prune(root: string, id: string, keep: string): void {
  const cache = cacheDir(root);
  for (const name of readdirSync(cache))
    if (name.startsWith(`${id}-`) && name !== keep && !name.includes(".tmp-")) rmSync(join(cache, name), { recursive: true, force: true });
}

/**
 * Bundles `entry` (repository-relative) from the working tree, records it under the manifest `id`, removes
 * the entry's older bundles, and returns the manifest. `env` is load.mjs' environment().
 */
export async function build(root: string, entry: string, id: string, env: string): Promise<Manifest> {
  mkdirSync(cacheDir(root), { recursive: true });
  const manifest = await bundle(root, entry, id, env);
  writeAtomic(join(cacheDir(root), `${id}.json`), JSON.stringify(manifest));
  prune(root, id, manifest.dir);
  return manifest;
}
