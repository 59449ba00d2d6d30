// kustomize build for the generated tree, offline. Folders that reference upstream files by URL are
// built from a copy whose URLs point at the same files fetched through the Go module proxy.
// buildAll() builds many folders from one copy, two at a time, and each distinct kustomization once: a
// build is keyed by every file it can read (its folder, the folders and files its kustomization files
// name, and the kustomize binary), and its output is kept under that key in node_modules/.cache, so an
// unchanged folder is never built twice, in one run or across runs.
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { promisify } from "node:util";
import yaml from "js-yaml";
import { repoRoot } from "../../generators/paths.js";
import { prometheusOperator } from "../../generators/versions.js";
import { findTool } from "../cache/which.js";

/**
 * `kustomize build` with the pinned standalone kustomize (v5.7.1, built into the tool cache). No
 * `kubectl kustomize` fallback: kubectl embeds an older kustomize, and checks must build what CI builds.
 */
export function kustomizeCommand(): [string, ...string[]] {
  const kustomize = findTool("kustomize");
  if (kustomize) return [kustomize, "build"];
  throw new Error("kustomize not found: build the pinned v5.7.1 into the tool cache with npx tsx tools/cache/build.ts (bash .ci/run does)");
}

/** Upstream URL prefixes and the Go module that ships the same files. */
const mirrors = [
  {
    prefix: /^https:\/\/raw\.githubusercontent\.com\/prometheus-operator\/prometheus-operator\/(v[\w.-]+)\/(.+)$/,
    module: prometheusOperator.goModule,
  },
];

const moduleDirs = new Map<string, string>();
/** The module's source folder from the Go module cache, downloading it through the proxy when needed. */
function moduleDir(module: string, version: string): string {
  const key = `${module}@${version}`;
  let dir = moduleDirs.get(key);
  if (!dir) {
    const out = execFileSync("go", ["mod", "download", "-json", key], { encoding: "utf8", cwd: tmpdir() });
    dir = (JSON.parse(out) as { Dir: string }).Dir;
    moduleDirs.set(key, dir);
  }
  return dir;
}

/** The local file for an upstream URL, or undefined when no mirror knows it. */
export function localFor(url: string): string | undefined {
  for (const mirror of mirrors) {
    const match = mirror.prefix.exec(url);
    if (match) return join(moduleDir(mirror.module, match[1]!), match[2]!);
  }
  return undefined;
}

function kustomizations(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return kustomizations(path);
    return entry.name === "kustomization.yaml" ? [path] : [];
  });
}

/** An upstream URL with no local copy: the build cannot run offline (check.ts skips it outside CI). */
export class NoLocalCopy extends Error {}

/** The tree's kustomization files with every upstream URL replaced by its local file, by repo-relative path. */
function localizedKustomizations(): Map<string, string> {
  const out = new Map<string, string>();
  for (const top of ["base", "overlays", "clusters"]) {
    if (!existsSync(join(repoRoot, top))) continue;
    for (const file of kustomizations(join(repoRoot, top))) {
      const text = readFileSync(file, "utf8");
      if (!text.includes("https://")) continue;
      const path = file.slice(repoRoot.length + 1);
      out.set(
        path,
        text.replace(/^(\s*-\s+)(https:\/\/\S+)$/gm, (_line, lead: string, url: string) => {
          let local: string | undefined;
          try {
            local = localFor(url);
          } catch (error) {
            throw new NoLocalCopy(`${path}: no local copy of ${url}: ${(error as Error).message.split("\n")[0]}`);
          }
          if (!local || !existsSync(local)) throw new NoLocalCopy(`${path}: no local copy of ${url}`);
          return `${lead}${local}`;
        }),
      );
    }
  }
  return out;
}

/** Checks that every upstream URL has a local copy (fetching the modules once); throws NoLocalCopy naming the first that has none. */
export function localizedTree(): void {
  localizedKustomizations();
}

/** A temp copy of base/, overlays/ and clusters/ whose upstream URLs point at local files; `remove` deletes it. */
function localizedCopy(): { root: string; remove: () => void } {
  const rewritten = localizedKustomizations();
  const root = mkdtempSync(join(tmpdir(), "stackwave-kustomize-"));
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    for (const top of ["base", "overlays", "clusters"])
      if (existsSync(join(repoRoot, top))) cpSync(join(repoRoot, top), join(root, top), { recursive: true });
    for (const [path, text] of rewritten) writeFileSync(join(root, path), text);
  } catch (error) {
    remove();
    throw error;
  }
  return { root, remove };
}

/**
 * Runs `fn` on a temp copy of base/, overlays/ and clusters/ whose upstream URLs point at local files. The
 * copy is removed however `fn` ends, so no stackwave-kustomize-* folder outlives the call.
 */
export function withLocalizedTree<T>(fn: (root: string) => T): T {
  const { root, remove } = localizedCopy();
  try {
    return fn(root);
  } finally {
    remove();
  }
}

const sha1 = (text: string | Buffer) => createHash("sha1").update(text).digest("hex");
const outputCache = join(repoRoot, "node_modules", ".cache", "stackwave-kustomize");

function filesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesIn(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Every string anywhere in a YAML document: the paths a kustomization names are among them. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

/**
 * What a build of `folder` (in the localized copy at `root`) can read, as `path sha1` lines: every file of
 * the folder (named relative to it, so two identical folders share a key), and, followed from each
 * kustomization file, every existing folder or file it names outside the folder (named from `root`, or
 * absolute for the module cache's upstream files). A string that is not a path only adds nothing.
 */
export function buildKey(root: string, folder: string, tool: string): string {
  return buildInputs(root, folder, tool).key;
}

/** buildKey's key, and how many bytes of input the build reads (a build's cost grows with it). */
function buildInputs(root: string, folder: string, tool: string): { key: string; bytes: number } {
  const lines = new Set<string>();
  const seen = new Set<string>();
  let bytes = 0;
  const hash = (file: string) => {
    const content = readFileSync(file);
    bytes += content.length;
    return sha1(content);
  };
  const visit = (dir: string, top: boolean) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    for (const file of filesIn(dir)) {
      const name = top
        ? relative(join(root, folder), file)
        : isAbsolute(relative(root, file)) || relative(root, file).startsWith("..")
          ? file
          : relative(root, file);
      lines.add(`${name.split(sep).join("/")} ${hash(file)}`);
      if (!/^kustomization\.ya?ml$/.test(file.split(sep).pop()!)) continue;
      for (const ref of strings(yaml.load(readFileSync(file, "utf8")))) {
        if (ref.includes("\n") || /^[a-z]+:\/\//.test(ref)) continue;
        const target = resolve(dirname(file), ref);
        if (target.startsWith(join(root, folder) + sep) || !existsSync(target)) continue;
        if (statSync(target).isDirectory()) visit(target, false);
        else lines.add(`${relative(root, target).startsWith("..") ? target : relative(root, target)} ${hash(target)}`);
      }
    }
  };
  visit(join(root, folder), true);
  const { size, mtimeMs } = statSync(tool);
  return { key: sha1([`${tool} ${size} ${mtimeMs}`, ...[...lines].sort()].join("\n")), bytes };
}

const run = promisify(execFile);

/** Keeps a build's output under its key (one rename, so a concurrent reader never sees half a file). */
function keep(key: string, output: string): void {
  mkdirSync(outputCache, { recursive: true });
  const file = join(outputCache, `${key}.yaml`);
  writeFileSync(`${file}.tmp-${process.pid}`, output);
  renameSync(`${file}.tmp-${process.pid}`, file);
}

/** `kustomize build` of `dir`, or the output a build with the same key left in the cache. */
async function buildOnce(tool: string, args: readonly string[], dir: string, key: string, cache: boolean): Promise<string> {
  const file = join(outputCache, `${key}.yaml`);
  if (cache && existsSync(file)) return readFileSync(file, "utf8");
  const { stdout } = await run(tool, [...args, "--load-restrictor", "LoadRestrictionsNone", dir], {
    encoding: "utf8",
    maxBuffer: 256 * 2 ** 20,
  });
  if (cache) keep(key, stdout);
  return stdout;
}

export interface BuildAllOptions {
  /** Reuse and keep outputs in node_modules/.cache/stackwave-kustomize; default true (false: build everything). */
  readonly cache?: boolean;
  /** Builds at a time; default 2 (the machines here have two cores). */
  readonly jobs?: number;
}

/** What buildAll did for each folder: its rendered YAML, or kustomize's error. */
export type BuildResult = { readonly ok: true; readonly yaml: string } | { readonly ok: false; readonly error: string };

/**
 * Builds `folders` offline from one localized copy of the tree. Folders with the same key share one build.
 * Throws NoLocalCopy when an upstream URL has no local copy; a failing build is reported in its result.
 */
export async function buildAll(folders: readonly string[], options: BuildAllOptions = {}): Promise<Map<string, BuildResult>> {
  const [tool, ...args] = kustomizeCommand();
  const cache = options.cache ?? true;
  const { root, remove } = localizedCopy();
  try {
    const byKey = new Map<string, { folder: string; bytes: number }>();
    const inputs = new Map(folders.map((folder) => [folder, buildInputs(root, folder, tool)] as const));
    for (const [folder, { key, bytes }] of inputs) if (!byKey.has(key)) byKey.set(key, { folder, bytes });
    // Largest first, so the long builds (the CRDs) start at once and the small ones fill in around them.
    const queue = [...byKey].sort(([, a], [, b]) => b.bytes - a.bytes).map(([key, { folder }]) => [key, folder] as const);
    const outputs = new Map<string, BuildResult>();
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [key, folder] = next;
        try {
          outputs.set(key, { ok: true, yaml: await buildOnce(tool, args, join(root, folder), key, cache) });
        } catch (error) {
          const failed = error as { stderr?: string; message: string };
          outputs.set(key, { ok: false, error: (failed.stderr || failed.message).trim() });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.jobs ?? 2) }, worker));
    return new Map(folders.map((folder) => [folder, outputs.get(inputs.get(folder)!.key)!]));
  } finally {
    remove();
  }
}

/** Rendered YAML of a generated folder such as `overlays/local/apps`, built offline (through buildAll's cache). */
export function build(folder: string): string {
  const [tool, ...args] = kustomizeCommand();
  return withLocalizedTree((root) => {
    const key = buildKey(root, folder, tool);
    const file = join(outputCache, `${key}.yaml`);
    if (existsSync(file)) return readFileSync(file, "utf8");
    const out = execFileSync(tool, [...args, "--load-restrictor", "LoadRestrictionsNone", join(root, folder)], {
      encoding: "utf8",
      maxBuffer: 256 * 2 ** 20,
    });
    keep(key, out);
    return out;
  });
}

/** Every folder `npm run check` builds: each overlay and each cluster's apps folder. */
export function buildableFolders(): string[] {
  const list = (dir: string) => (existsSync(join(repoRoot, dir)) ? readdirSync(join(repoRoot, dir)).sort() : []);
  return [
    ...list("overlays").flatMap((env) => list(`overlays/${env}`).map((layer) => `overlays/${env}/${layer}`)),
    ...list("clusters").map((cluster) => `clusters/${cluster}/apps`),
  ];
}
