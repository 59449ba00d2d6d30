// node tools/bundle/run.mjs <entry.ts> [args…]: runs a repository TypeScript entry from its cached bundle, as
// `node --import tsx <entry.ts> [args…]` would, with the entry's own argv. This is the fast path: it checks
// that every file that went into the last bundle is byte-for-byte unchanged and imports it; otherwise
// build.ts rebuilds first. Plain JavaScript on purpose: a .ts file here would make Node load its type
// stripper (about 80 ms of the 500 ms budget) on every run. build.ts' Manifest describes the JSON read here.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import module from "node:module";
import { basename, extname, join, relative, resolve } from "node:path";
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
      sha1(read(join(import.meta.dirname, "run.mjs"))),
      sha1(read(join(import.meta.dirname, "build.ts"))),
    ].join("\0"),
  );
}

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
 * Imports `entry` (repository-relative) from its bundle, rebuilding the bundle first when any file that went
 * into it changed. Returns the module namespace.
 */
export async function load(root, entry) {
  const cache = cacheDir(root);
  // V8's code cache for the bundles: compiling the vendor modules is most of a cold start.
  module.enableCompileCache?.(join(cache, "v8"));
  const id = `${basename(entry, extname(entry))}-${sha1(`${root}\0${entry}`).slice(0, 8)}`;
  const env = environment(root);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(cache, `${id}.json`), "utf8"));
  } catch {
    manifest = undefined;
  }
  let file = current(root, manifest, env);
  if (!file) {
    const { build } = await import("./build.ts");
    manifest = await build(root, entry, id, env);
    file = join(cache, manifest.dir, manifest.file);
  }
  return import(pathToFileURL(file).href);
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const root = resolve(import.meta.dirname, "..", "..");
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) {
    console.error("usage: node tools/bundle/run.mjs <entry.ts> [args...]");
    process.exit(2);
  }
  // Older Node cannot load the TypeScript the bundler runs: say so in one line instead of a stack trace.
  const engines = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).engines?.node ?? "";
  const [major] = process.versions.node.split(".").map(Number);
  if (major < 24) {
    console.error(`stackwave needs Node ${engines} (this is ${process.version}): see "Getting Node 24" in README.md`);
    process.exit(1);
  }
  // The entry sees itself as the script, as it would when run directly.
  process.argv = [process.argv[0], resolve(entry), ...args];
  await load(root, relative(root, resolve(entry)));
}
