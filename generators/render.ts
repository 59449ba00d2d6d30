// Pure rendering: a StackConfig in, every generated file's path and bytes out. Nothing here writes to
// disk; the cross-resource checks read only the names in docs/runbooks/.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { crossCheck, type Manifest } from "./checks/index.js";
import type { EnvironmentConfig, StackConfig } from "./config.js";
import type { Layer } from "./layer.js";
import { clusterFiles } from "./clusters/cluster.js";
import { Kustomization, type ImageOverride } from "./kustomize.js";
import { objectFiles, type FileSpec } from "./files.js";
import type { GeneratedPatches } from "./model.js";
import { repoRoot } from "./paths.js";
import { printFile } from "./print.js";
import { environmentImage } from "./production.js";
import { formatProblem, resourceProblems, validateConfig } from "./validate.js";
import { imageString } from "./versions.js";

/** Generation stopped before writing; `problems` holds one line each. */
export class GenerationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
  }
}

const self = { generator: "layerFiles", source: "generators/render.ts" };

function patchFiles(dir: string, groups: readonly GeneratedPatches[]): FileSpec[] {
  return groups.flatMap((group) =>
    group.patches.map((patch) => ({
      path: `${dir}/patch-${patch.metadata.name}-${patch.kind.toLowerCase()}.yaml`,
      generator: group.generator,
      source: group.source,
      // Patches are partial objects: the rendered overlay is what gets validated (npm test).
      value: { validate: () => undefined, toJSON: (): unknown => patch },
    })),
  );
}

const base = (name: string) => (file: string) => file.slice(`base/${name}/`.length);

/** Every container image string in an object, wherever the object nests its pod template. */
function containerImages(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => containerImages(v, out));
  else if (value && typeof value === "object")
    for (const [key, child] of Object.entries(value)) {
      if ((key === "containers" || key === "initContainers") && Array.isArray(child))
        child.forEach((c: { image?: unknown }) => typeof c.image === "string" && out.add(c.image));
      containerImages(child, out);
    }
  return out;
}

function layerFiles(config: StackConfig, layer: Layer): FileSpec[] {
  const dir = `base/${layer.name}`;
  const subBases = Object.entries(layer.subBases?.(config) ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const subFiles = subBases.flatMap(([sub, groups]) => {
    const files = objectFiles(`${dir}/${sub}`, groups);
    const kustomization = new Kustomization({ resources: files.map((f) => f.path.slice(`${dir}/${sub}/`.length)).sort() });
    return [...files, { ...self, path: `${dir}/${sub}/kustomization.yaml`, value: kustomization }];
  });
  const files = objectFiles(dir, layer.base(config));
  const resources = [
    ...subBases.map(([sub]) => sub),
    ...files.map((f) => base(layer.name)(f.path)).sort(),
    ...(layer.remote?.(config) ?? []),
  ];
  const baseKustomization = { ...self, path: `${dir}/kustomization.yaml`, value: new Kustomization({ resources }) };

  const used = containerImages(
    [...files, ...subFiles].map((f) => f.value.toJSON()),
    new Set(),
  );
  const images = (env: EnvironmentConfig): ImageOverride[] =>
    Object.values(config.images)
      .filter((image) => used.has(imageString(image)))
      .map((image) => {
        const name = `${image.registry}/${image.repository}`;
        const pulled = environmentImage(image, env);
        const newName = `${pulled.registry}/${pulled.repository}`;
        return { name, ...(newName === name ? {} : { newName }), newTag: pulled.tag };
      })
      .sort((a, b) => a.name.localeCompare(b.name));

  const overlays = config.environments.flatMap((env: EnvironmentConfig) => {
    const odir = `overlays/${env.name}/${layer.name}`;
    const parts = layer.overlay(config, env);
    const extra = objectFiles(odir, parts.resources);
    const patchList = patchFiles(odir, parts.patches);
    const rel = (f: FileSpec) => f.path.slice(odir.length + 1);
    const kustomization = new Kustomization({
      resources: [`../../../base/${layer.name}`, ...extra.map(rel).sort()],
      patches: patchList.map((p) => ({ path: rel(p) })).sort((a, b) => a.path.localeCompare(b.path)),
      replicas: parts.replicas,
      images: images(env),
      ...(layer.environmentLabel === false
        ? {}
        : { labels: [{ pairs: { "stackwave.dev/environment": env.name }, includeSelectors: false }] }),
    });
    return [...extra, ...patchList, { ...self, path: `${odir}/kustomization.yaml`, value: kustomization }];
  });
  return [...subFiles, ...files, baseKustomization, ...overlays];
}

/** Validates every value and refuses duplicate paths; returns one line per problem. */
function problemsIn(files: readonly FileSpec[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, FileSpec>();
  for (const file of files) {
    const first = seen.get(file.path);
    if (first) problems.push(`${file.path}: written by both ${first.generator}() and ${file.generator}(): give the objects distinct names`);
    seen.set(file.path, file);
    try {
      file.value.validate();
    } catch (error) {
      problems.push(`${file.path}: ${file.generator}() in ${file.source} built an invalid object: ${(error as Error).message}`);
    }
    // The models take any string as a quantity: check sizes here (validate.ts).
    for (const p of resourceProblems(file.value.toJSON()))
      problems.push(`${file.path}: ${file.generator}() in ${file.source}: ${p.path}: expected ${p.expected}, got ${p.got}`);
  }
  return problems;
}

/**
 * The cross-resource checks (generators/checks/) over the base objects: overlays only patch replicas,
 * retention, labels, spread and storage and add PodDisruptionBudgets and Ingresses, none of which the checks read.
 */
function crossProblems(files: readonly FileSpec[]): string[] {
  const objects = files
    .filter((f) => f.path.startsWith("base/"))
    .map((f) => JSON.parse(JSON.stringify(f.value.toJSON())) as Manifest)
    .filter((m) => typeof m.kind === "string" && m.metadata !== undefined);
  return crossCheck(objects, { runbooks: new Set(readdirSync(join(repoRoot, "docs", "runbooks"))) });
}

/**
 * Renders every file for `config` with the given layers. Throws GenerationError, before anything is
 * printed, when the config or any object is invalid, or when the objects do not fit together.
 */
export function render(config: unknown, layers: readonly Layer[]): Map<string, string> {
  const configProblems = validateConfig(config);
  if (configProblems.length > 0) throw new GenerationError(configProblems.map(formatProblem));
  const stack = config as StackConfig;
  const ordered = stack.layers.map((l) => layers.find((layer) => layer.name === l.name)).filter((l): l is Layer => l !== undefined);
  const files = [...ordered.flatMap((layer) => layerFiles(stack, layer)), ...stack.clusters.flatMap((c) => clusterFiles(stack, c))];
  const problems = problemsIn(files);
  if (problems.length > 0) throw new GenerationError(problems);
  // Only a whole stack can be checked across resources: the pre-commit hook's partial renders (some
  // layers only) skip it, and the full `npm run generate` of npm run check and CI runs it.
  const whole = stack.layers.every((l) => ordered.some((layer) => layer.name === l.name));
  const mismatches = whole ? crossProblems(files) : [];
  if (mismatches.length > 0) throw new GenerationError(mismatches);
  return new Map(files.sort((a, b) => a.path.localeCompare(b.path)).map((f) => [f.path, printFile(f.generator, f.source, f.value)]));
}
