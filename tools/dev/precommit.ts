// The pre-commit hook's slow path (.githooks/pre-commit starts it only when generator, app or generated
// files are staged): refuse hand edits of generated files, work out which layers the staged files feed,
// regenerate only those while the staged generators and their importers are type-checked beside it, and
// stage the output. It runs from its cached bundle (tools/bundle), so only the chunks it needs load.
//   node tools/bundle/run.mjs tools/dev/precommit.ts            what the hook runs
//   node tools/bundle/run.mjs tools/dev/precommit.ts --explain  print the plan, change nothing
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { layerNames, type LayerName } from "../../generators/config.js";
import { images } from "../../generators/versions.js";
import { handEdits, isGenerated } from "./generated.js";
import { filesUnder, importGraph, reachable, withImporters } from "./imports.js";
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

type Generators = typeof import("./regenerate.js");
let generatorsLoad: Promise<Generators> | undefined;

/** The generator side (regenerate.ts), from its own cached bundle; loaded once, however many callers ask. */
function engine(root: string): Promise<Generators> {
  // A computed specifier, so esbuild leaves it out of this bundle: a generator edit must not make the
  // hook rebuild before it can start tsgo. load.mjs is plain JavaScript and loads as it is.
  const loader = pathToFileURL(join(root, "tools", "bundle", "load.mjs")).href;
  generatorsLoad ??= (import(loader) as Promise<{ load(root: string, entry: string): Promise<unknown> }>).then(
    ({ load }) => load(root, "tools/dev/regenerate.ts") as Promise<Generators>,
  );
  return generatorsLoad;
}

/** render()'s failure as lines: every problem of a GenerationError, or a generator's crash with its stack. */
function failureLines(error: unknown): string {
  const problems = (error as { problems?: readonly string[] }).problems;
  return problems ? problems.join("\n") : error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** The whole generated tree as render() makes it from the working tree's generators, in this process. */
async function renderTree(root: string): Promise<Map<string, string>> {
  const { render, defaultConfig, layersFor } = await engine(root);
  return render(defaultConfig(), await layersFor("full"));
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
    return [`the generators do not render, so staged generated files cannot be checked:\n${failureLines(error)}`];
  }
  return handEdits(new Map(generated.map((path) => [path, stagedContent(root, path)])), rendered);
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
  if (decided.scope.length === 0) return refusedEdits(root, staged);
  // The bundle strips types without checking them: without this, a type error in a generator would
  // regenerate and commit. tsgo starts now, in a child process, and checks while this one goes on and
  // renders; nothing is written until both are done. A refusal on the way stops it.
  const stop = new AbortController();
  const stagedGenerators = staged.filter((f) => f.startsWith("generators/") && f.endsWith(".ts") && existsSync(join(root, f)));
  const toCheck = [...withImporters(importGraph(root), stagedGenerators)].filter((f) => existsSync(join(root, f))).sort();
  const checked = typeErrors(root, toCheck, stop.signal);
  checked.catch(() => undefined); // awaited below unless a refusal comes first
  // The generators' bundle too: its rebuild runs in esbuild's process while the checks below run git.
  const generators = engine(root);
  generators.catch(() => undefined); // awaited in regenerateChecked, whose error report names it
  try {
    return await regenerateChecked(root, staged, decided, label, checked, generators);
  } finally {
    stop.abort();
  }
}

/** Refuses hand edits of staged generated files (1), else passes (0). */
async function refusedEdits(root: string, staged: readonly string[]): Promise<number> {
  const edited = await handEdited(root, staged);
  if (edited.length > 0) {
    console.error(
      `pre-commit: commit refused: generated files are never edited by hand:\n  ${edited.join("\n  ")}\n` +
        "Drop the edit with `git restore --staged --worktree -- <file>` (or `npm run generate`), then commit again.",
    );
    return 1;
  }
  return 0;
}

/** The hook once it knows it regenerates: refusals first, then render beside `checked`, then write and stage. */
async function regenerateChecked(
  root: string,
  staged: readonly string[],
  decided: Plan,
  label: string,
  checked: Promise<string[]>,
  generators: Promise<Generators>,
): Promise<number> {
  if ((await refusedEdits(root, staged)) !== 0) return 1;
  const dirty = unstaged(root, decided.reads);
  if (dirty.length > 0) {
    console.error(
      `pre-commit: commit refused: regenerating ${label} would read changes that are not staged:\n  ${dirty.join("\n  ")}\n` +
        "Stage them too (git add), or commit them separately; `git commit --no-verify` skips the hook.",
    );
    return 1;
  }
  let rendered: { files: Map<string, string>; write: () => void } | undefined;
  try {
    const { render, defaultConfig, writeTree, layersFor } = await generators;
    const config = defaultConfig();
    const files = render(config, await layersFor(decided.scope));
    rendered = {
      files,
      write: () => {
        const summary = writeTree(root, files, outputs(root, decided.scope, config.environments));
        console.log(`pre-commit: ${summary.written} written, ${summary.unchanged} unchanged, ${summary.deleted} deleted`);
      },
    };
  } catch (error) {
    console.error(failureLines(error));
  }
  const errors = await checked;
  if (errors.length > 0) {
    console.error(
      `pre-commit: commit refused: type errors in staged generator files or the files importing them:\n  ${errors.join("\n  ")}`,
    );
    return 1;
  }
  if (!rendered) {
    console.error(`pre-commit: commit refused: regenerating ${label} failed (see above). Fix the generator, then commit again.`);
    return 1;
  }
  rendered.write();
  const tracked = (path: string) => git(root, ["ls-files", "--", path]).length > 0;
  git(root, ["add", "-A", "--", ...outputs(root, decided.scope, []).filter((p) => existsSync(join(root, p)) || tracked(p))]);
  console.log(`pre-commit: regenerated and staged ${label}\n  ${decided.reasons.join("\n  ")}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = await main();
