// The bundle cache's fast path, shared by run.mjs (the command) and the pre-commit hook (which loads the
// generators' bundle from its own): import a repository TypeScript entry from its cached bundle when every
// file that went into it is byte-for-byte unchanged, else let build.ts rebuild it first. Plain JavaScript on
// purpose: a .ts file here would make Node load its type stripper (about 80 ms) on every run. build.ts'
// Manifest describes the JSON read here.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import module from "node:module";
import { basename, extname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** Bumped when the cache's layout or the build options change, so old entries are never reused. */
const format = 1;

const sha1 = (text) => createHash("sha1").update(text).digest("hex");
const read = (path) => (existsSync(path) ? readFileSync(path) : "");

/** Where bundles live: inside node_modules, so a bare import from a bundle resolves like one from the repository. */
export const cacheDir = (root) => join(root, "node_modules", ".cache", "stackwave-bundle");

/** Everything besides the inputs that a bundle depends on: Node, esbuild, the installed packages, the bundler. */
export function environment(root) {
  // node_modules/.package-lock.json is what npm actually installed; package-lock.json when it is absent.
  const lock = join(root, "node_modules", ".package-lock.json");
  return sha1(
    [
      String(format),
      process.version,
      sha1(read(join(root, "node_modules", "esbuild", "package.json"))),
      sha1(read(existsSync(lock) ? lock : join(root, "package-lock.json"))),
      sha1(read(join(import.meta.dirname, "load.mjs"))),
      sha1(read(join(import.meta.dirname, "run.mjs"))),
      sha1(read(join(import.meta.dirname, "build.ts"))),
    ].join("\0"),
  );
}

/** The cache name of `entry`'s bundle in this checkout: `<id>.json` is its manifest. */
export const bundleId = (root, entry) => `${basename(entry, extname(entry))}-${sha1(`${root}\0${entry}`).slice(0, 8)}`;

/** The manifest's bundle when every recorded input still has the content it was built from. */
function current(root, manifest, env) {
  if (!manifest || manifest.environment !== env) return undefined;
  for (const [path, hash] of Object.entries(manifest.inputs)) {
    let text;
    try {
      text = readFileSync(join(root, path));
    } catch {
      return undefined;
    }
    if (sha1(text) !== hash) return undefined;
  }
  const file = join(cacheDir(root), manifest.dir, manifest.file);
  return existsSync(file) ? file : undefined;
}

/**
 * build.ts as JavaScript, kept in the cache per environment (which hashes build.ts): importing the .ts itself
 * makes Node load its type stripper, about 80 ms of every rebuild, and the pre-commit hook rebuilds the
 * generators' bundle on every generator edit. esbuild, which the build loads anyway, strips the types.
 */
async function builder(cache, env) {
  const name = `build-${env.slice(0, 16)}.mjs`;
  const file = join(cache, name);
  if (!existsSync(file)) {
    const esbuild = await import("esbuild");
    const source = readFileSync(join(import.meta.dirname, "build.ts"), "utf8");
    const { code } = await esbuild.transform(source, { loader: "ts", format: "esm", target: "node24", sourcefile: "build.ts" });
    mkdirSync(cache, { recursive: true });
    // Older environments' copies only: another process may be importing this one's right now.
    for (const old of readdirSync(cache).filter((f) => /^build-[0-9a-f]+\.mjs$/.test(f) && f !== name))
      rmSync(join(cache, old), { force: true });
    writeFileSync(`${file}.${process.pid}`, code);
    renameSync(`${file}.${process.pid}`, file);
  }
  return import(pathToFileURL(file).href);
}

/**
 * Imports `entry` (repository-relative) from its bundle, rebuilding the bundle first when any file that went
 * into it changed. Returns the module namespace.
 */
export async function load(root, entry) {
  const cache = cacheDir(root);
  // V8's code cache for the bundles: compiling the vendor modules is most of a cold start.
  module.enableCompileCache?.(join(cache, "v8"));
  const id = bundleId(root, entry);
  const env = environment(root);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(cache, `${id}.json`), "utf8"));
  } catch {
    manifest = undefined;
  }
  let file = current(root, manifest, env);
  if (!file) {
    const { build } = await builder(cache, env);
    manifest = await build(root, entry, id, env);
    file = join(cache, manifest.dir, manifest.file);
  }
  return import(pathToFileURL(file).href);
}
