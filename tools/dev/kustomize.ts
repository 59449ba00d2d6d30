// kustomize build for the generated tree, offline. Folders that reference upstream files by URL are
// built from a copy whose URLs point at the same files fetched through the Go module proxy.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/**
 * Runs `fn` on a temp copy of base/, overlays/ and clusters/ whose upstream URLs point at local files. The
 * copy is removed however `fn` ends, so no stackwave-kustomize-* folder outlives the call.
 */
export function withLocalizedTree<T>(fn: (root: string) => T): T {
  const rewritten = localizedKustomizations();
  const root = mkdtempSync(join(tmpdir(), "stackwave-kustomize-"));
  try {
    for (const top of ["base", "overlays", "clusters"])
      if (existsSync(join(repoRoot, top))) cpSync(join(repoRoot, top), join(root, top), { recursive: true });
    for (const [path, text] of rewritten) writeFileSync(join(root, path), text);
    return fn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Rendered YAML of a generated folder such as `overlays/local/apps`, built offline. */
export function build(folder: string): string {
  const [tool, ...args] = kustomizeCommand();
  return withLocalizedTree((root) =>
    execFileSync(tool, [...args, "--load-restrictor", "LoadRestrictionsNone", join(root, folder)], {
      encoding: "utf8",
      maxBuffer: 256 * 2 ** 20,
    }),
  );
}

/** Every folder `npm run check` builds: each overlay and each cluster's apps folder. */
export function buildableFolders(): string[] {
  const list = (dir: string) => (existsSync(join(repoRoot, dir)) ? readdirSync(join(repoRoot, dir)).sort() : []);
  return [
    ...list("overlays").flatMap((env) => list(`overlays/${env}`).map((layer) => `overlays/${env}/${layer}`)),
    ...list("clusters").map((cluster) => `clusters/${cluster}/apps`),
  ];
}
