// The pre-commit hook's slow path (.githooks/pre-commit starts it only when generator, app or generated
// files are staged): refuse hand edits of generated files, type-check the staged generator files, work out
// which layers the staged files feed, regenerate only those, and stage the output.
//   node --import tsx tools/dev/precommit.ts            what the hook runs
//   node --import tsx tools/dev/precommit.ts --explain  print the plan, change nothing
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ts } from "ts-morph";
import { layerNames, type LayerName } from "../../generators/config.js";
import type { Layer } from "../../generators/layer.js";
import { images } from "../../generators/versions.js";
import { handEdits, isGenerated } from "./generated.js";
import { typeErrors } from "./typecheck.js";

/** What a commit needs regenerated, and why. */
export interface Plan {
  /** "full": every layer and clusters/; a list: only these layers' base and overlays; empty: nothing. */
  readonly scope: "full" | readonly LayerName[];
  /** One line per staged file that caused regeneration. */
  readonly reasons: readonly string[];
  /** Repository files the regeneration reads, so unstaged edits in them would leak into the commit. */
  readonly reads: readonly string[];
}

const entryOf = (layer: LayerName) => `generators/layers/${layer}.ts`;
/** The generator's entry: what it reaches without passing through a layer entry is cluster-level. */
const engineEntry = "generators/main.ts";

/**
 * Relative-import graph of generators/**: file → the repository files it imports (repo-relative).
 * TypeScript's pre-processor (through ts-morph) lists static, re-export and dynamic imports without
 * building an AST, which keeps the hook's slow path short.
 */
export function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const from of filesUnder(root, "generators").filter((f) => f.endsWith(".ts"))) {
    const abs = join(root, from);
    const { importedFiles } = ts.preProcessFile(readFileSync(abs, "utf8"), true, true);
    const targets = importedFiles
      .map((f) => f.fileName)
      .filter((s) => s.startsWith("."))
      .map((s) => relative(root, resolve(dirname(abs), s.replace(/\.js$/, ".ts"))))
      .map((p) => (p.endsWith(".ts") ? p : existsSync(join(root, `${p}.ts`)) ? `${p}.ts` : `${p}/index.ts`));
    graph.set(from, [...new Set(targets)]);
  }
  return graph;
}

/** Every file reachable from `entry`, never entering a file `stop` accepts. */
export function reachable(
  graph: ReadonlyMap<string, readonly string[]>,
  entry: string,
  stop: (file: string) => boolean = () => false,
): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const next of graph.get(file) ?? []) if (!seen.has(next) && !stop(next)) queue.push(next);
  }
  return seen;
}

function filesUnder(root: string, dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(join(root, path)).isDirectory() ? filesUnder(root, path) : [path];
  });
}

/**
 * Images whose tag stack.ts derives from apps/<name> (sourceTag): versions.ts marks them with the tag
 * "source", and the repository is named after the app (guestbook-backend ← apps/backend).
 */
export function appImages(app: string): string[] {
  return Object.values(images)
    .filter((image) => image.tag === "source" && (image.repository === app || image.repository.endsWith(`-${app}`)))
    .map((image) => `${image.registry}/${image.repository}`);
}

/** Which generated folders mention an app's image: those layers change when the app's source does. */
function appConsumers(root: string, app: string): { layers: LayerName[]; clusters: boolean } {
  const names = appImages(app);
  const uses = (file: string) => names.some((name) => readFileSync(join(root, file), "utf8").includes(`${name}:`));
  return {
    layers: layerNames.filter((layer) => filesUnder(root, `base/${layer}`).some(uses)),
    clusters: filesUnder(root, "clusters").some(uses),
  };
}

/** Decides what `staged` (repo-relative paths, deleted ones included) requires. Reads the working tree. */
export function plan(root: string, staged: readonly string[]): Plan {
  const generatorFiles = staged.filter((f) => f.startsWith("generators/"));
  const apps = [...new Set(staged.filter((f) => /^apps\/[^/]+\//.test(f)).map((f) => f.split("/")[1]!))].sort();
  if (generatorFiles.length === 0 && apps.length === 0) return { scope: [], reasons: [], reads: [] };

  const graph = importGraph(root);
  const isEntry = (file: string) => layerNames.some((layer) => entryOf(layer) === file);
  const engine = reachable(graph, engineEntry, isEntry);
  const closures = new Map(layerNames.map((layer) => [layer, reachable(graph, entryOf(layer))] as const));
  const appsRead = (scope: "full" | readonly LayerName[]) =>
    readdirSync(join(root, "apps"))
      .filter((app) => scope === "full" || appConsumers(root, app).layers.some((l) => scope.includes(l)))
      .map((app) => `apps/${app}/`);
  const full = (reasons: string[]): Plan => ({ scope: "full", reasons, reads: [...graph.keys(), ...appsRead("full")].sort() });

  const chosen = new Set<LayerName>();
  const reasons: string[] = [];
  for (const file of generatorFiles) {
    // A deleted or non-TypeScript file is outside the graph: nothing tells who used it.
    if (!graph.has(file)) {
      if (!existsSync(join(root, file)) || !file.endsWith(".ts"))
        return full([`${file}: outside the import graph (deleted or not TypeScript)`]);
      continue; // a module nothing imports (a tool such as generators/check.ts)
    }
    if (engine.has(file)) return full([`${file}: cluster-level module (reached from ${engineEntry} without a layer)`]);
    const layers = layerNames.filter((layer) => closures.get(layer)!.has(file));
    layers.forEach((l) => chosen.add(l));
    if (layers.length > 0) reasons.push(`${file} → ${layers.join(", ")}`);
  }
  for (const app of apps) {
    const consumers = appConsumers(root, app);
    if (consumers.clusters) return full([`apps/${app}/: its image tag appears in clusters/`]);
    consumers.layers.forEach((l) => chosen.add(l));
    if (consumers.layers.length > 0) reasons.push(`apps/${app}/ (image tag) → ${consumers.layers.join(", ")}`);
  }
  const scope = layerNames.filter((l) => chosen.has(l));
  const reads = new Set([...engine, ...scope.flatMap((l) => [...closures.get(l)!]), ...(scope.length > 0 ? appsRead(scope) : [])]);
  return { scope, reasons, reads: scope.length > 0 ? [...reads].sort() : [] };
}

/** The folders a plan rewrites (main.ts' scopesFor), plus overlays of environments that no longer exist. */
export function outputs(root: string, scope: Plan["scope"], environments: readonly { readonly name: string }[]): string[] {
  if (scope === "full") return ["base", "overlays", "clusters"];
  const envs = new Set([
    ...environments.map((env) => env.name),
    ...(existsSync(join(root, "overlays")) ? readdirSync(join(root, "overlays")) : []),
  ]);
  return scope.flatMap((layer) => [`base/${layer}`, ...[...envs].sort().map((env) => `overlays/${env}/${layer}`)]);
}

const git = (root: string, args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8" });
const list = (out: string) => out.split("\0").filter(Boolean);

/** Files the plan reads that differ from what is staged: regeneration would put them into the commit. */
function unstaged(root: string, reads: readonly string[]): string[] {
  if (reads.length === 0) return [];
  const changed = new Set([
    ...list(git(root, ["diff", "--name-only", "-z"])),
    ...list(git(root, ["ls-files", "-z", "--others", "--exclude-standard"])),
  ]);
  return [...changed].filter((file) => reads.some((read) => (read.endsWith("/") ? file.startsWith(read) : file === read))).sort();
}

/**
 * What `npm run generate -- --only <layers>` does (render, then swap the layers' folders with
 * writeTree), run in this process and importing only the chosen layers' modules: a second Node and
 * tsx start-up plus every layer's model packages would cost more than the rest of the hook.
 */
async function regenerate(root: string, scope: Plan["scope"]): Promise<boolean> {
  const generators = (module: string) => pathToFileURL(join(root, "generators", module)).href;
  try {
    const { render } = (await import(generators("render.ts"))) as typeof import("../../generators/render.js");
    const { defaultConfig } = (await import(generators("stack.ts"))) as typeof import("../../generators/stack.js");
    const { writeTree } = (await import(generators("write.ts"))) as typeof import("../../generators/write.js");
    const layers: readonly Layer[] =
      scope === "full"
        ? ((await import(generators("registry.ts"))) as typeof import("../../generators/registry.js")).allLayers
        : await Promise.all(scope.map(async (name) => layerIn(name, await import(generators(`layers/${name}.ts`)))));
    const config = defaultConfig();
    const summary = writeTree(root, render(config, layers), outputs(root, scope, config.environments));
    console.log(`pre-commit: ${summary.written} written, ${summary.unchanged} unchanged, ${summary.deleted} deleted`);
    return true;
  } catch (error) {
    // render() reports every problem at once (GenerationError); anything else is a crash in a generator.
    const problems = (error as { problems?: readonly string[] }).problems;
    console.error(problems ? problems.join("\n") : error instanceof Error ? (error.stack ?? error.message) : String(error));
    return false;
  }
}

/** The whole generated tree as render() makes it from the working tree's generators, in this process. */
async function renderTree(root: string): Promise<Map<string, string>> {
  const generators = (module: string) => pathToFileURL(join(root, "generators", module)).href;
  const { render } = (await import(generators("render.ts"))) as typeof import("../../generators/render.js");
  const { defaultConfig } = (await import(generators("stack.ts"))) as typeof import("../../generators/stack.js");
  const { allLayers } = (await import(generators("registry.ts"))) as typeof import("../../generators/registry.js");
  return render(defaultConfig(), allLayers);
}

/** The staged content of `path`, or null when the commit deletes it. */
function stagedContent(root: string, path: string): string | null {
  try {
    return execFileSync("git", ["show", `:${path}`], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 64 * 2 ** 20,
    });
  } catch {
    return null;
  }
}

/** Lines saying which staged generated files differ from what the generators render (empty: none). */
async function handEdited(root: string, staged: readonly string[]): Promise<string[]> {
  const generated = staged.filter(isGenerated);
  if (generated.length === 0) return [];
  let rendered: Map<string, string>;
  try {
    rendered = await renderTree(root);
  } catch (error) {
    const problems = (error as { problems?: readonly string[] }).problems;
    return [
      `the generators do not render, so staged generated files cannot be checked:\n${problems ? problems.join("\n") : String(error)}`,
    ];
  }
  return handEdits(new Map(generated.map((path) => [path, stagedContent(root, path)])), rendered);
}

/** The Layer a layer entry module exports (generators/layers/<name>.ts exports `const <name>: Layer`). */
function layerIn(name: LayerName, module: Record<string, unknown>): Layer {
  const layer = Object.values(module).find(
    (value) => (value as Partial<Layer> | undefined)?.name === name && typeof (value as Layer).base === "function",
  );
  if (!layer) throw new Error(`${entryOf(name)}: expected an exported Layer named "${name}"`);
  return layer as Layer;
}

async function main(): Promise<number> {
  const root = git(process.cwd(), ["rev-parse", "--show-toplevel"]).trim();
  const staged = list(git(root, ["diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=ACDMRT"]));
  const decided = plan(root, staged);
  const label = decided.scope === "full" ? "every layer and clusters/" : decided.scope.join(", ");
  if (process.argv.includes("--explain")) {
    if (decided.scope.length > 0) console.log(`pre-commit: would regenerate ${label}\n  ${decided.reasons.join("\n  ")}`);
    return 0;
  }
  const edited = await handEdited(root, staged);
  if (edited.length > 0) {
    console.error(
      `pre-commit: commit refused: generated files are never edited by hand:\n  ${edited.join("\n  ")}\n` +
        "Drop the edit with `git restore --staged --worktree -- <file>` (or `npm run generate`), then commit again.",
    );
    return 1;
  }
  if (decided.scope.length === 0) return 0;
  // tsx only strips types: without this, a type error in a generator would regenerate and commit.
  const errors = typeErrors(
    root,
    staged.filter((f) => f.startsWith("generators/") && f.endsWith(".ts") && existsSync(join(root, f))),
  );
  if (errors.length > 0) {
    console.error(`pre-commit: commit refused: type errors in staged generator files:\n  ${errors.join("\n  ")}`);
    return 1;
  }
  const dirty = unstaged(root, decided.reads);
  if (dirty.length > 0) {
    console.error(
      `pre-commit: commit refused: regenerating ${label} would read changes that are not staged:\n  ${dirty.join("\n  ")}\n` +
        "Stage them too (git add), or commit them separately; `git commit --no-verify` skips the hook.",
    );
    return 1;
  }
  if (!(await regenerate(root, decided.scope))) {
    console.error(`pre-commit: commit refused: regenerating ${label} failed (see above). Fix the generator, then commit again.`);
    return 1;
  }
  const tracked = (path: string) => git(root, ["ls-files", "--", path]).length > 0;
  git(root, ["add", "-A", "--", ...outputs(root, decided.scope, []).filter((p) => existsSync(join(root, p)) || tracked(p))]);
  console.log(`pre-commit: regenerated and staged ${label}\n  ${decided.reasons.join("\n  ")}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = await main();
