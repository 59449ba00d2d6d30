// Copies images from the local Docker (after loading a bundle, when given one) into the mirror, and writes
// bundles. Pushes go through Docker, which compresses the layers and skips those the registry has.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mirrorReference } from "../../generators/clusters/mirror.js";
import { bundledCrdRoot, crdReleaseDir } from "../bootstrap/crds.js";
import { run } from "../cache/command.js";
import type { MirrorImage } from "./images.js";
import { hasImage } from "./registry.js";

/** How the tool reaches Docker: the environment of the `docker` CLI (DOCKER_HOST, PATH). */
export interface DockerEnv {
  readonly env?: NodeJS.ProcessEnv;
  /** Full output of every docker command, appended (for --verbose and tests). */
  readonly log?: string;
}

const docker = (args: readonly string[], d: DockerEnv, input?: string) => run(["docker", ...args], { env: d.env, log: d.log, input });

/**
 * A name as `docker images` prints it, made a full reference: Docker drops `docker.io/` and `library/`
 * (`debian:bookworm-slim` is docker.io/library/debian:bookworm-slim, `kindest/node:v1` docker.io/kindest/node:v1).
 */
export function fullReference(name: string): string {
  const first = name.split("/")[0]!;
  const hasRegistry = name.includes("/") && (/[.:]/.test(first) || first === "localhost");
  if (hasRegistry) return name;
  return `docker.io/${name.includes("/") ? name : `library/${name}`}`;
}

/** Every tagged image in the local Docker, as full references. */
export async function localImages(d: DockerEnv): Promise<Set<string>> {
  const out = await docker(["images", "--format", "{{.Repository}}:{{.Tag}}"], d);
  return new Set(
    out
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.includes("<none>"))
      .map(fullReference),
  );
}

/** The folder inside a bundle that holds the CRDs it carries (beside the `docker save` entries, which docker load ignores). */
export const bundleCrdFolder = "stackwave-crds";

/**
 * `docker load` of a bundle written by writeBundle (or any `docker save` archive), then the CRD releases it
 * carries into `crdRoot` (where bootstrap's crds step reads them offline). Resolves with those releases.
 */
export async function loadBundle(file: string, d: DockerEnv, crdRoot: string = bundledCrdRoot): Promise<string[]> {
  if (!existsSync(file)) throw new Error(`--from: expected a bundle written by \`mirror bundle\`, got "${file}" (no such file)`);
  await docker(["load", "--input", file], d);
  const entries = (await run(["tar", "-tf", file])).split("\n");
  const releases = [
    ...new Set(
      entries
        .filter((e) => e.startsWith(`${bundleCrdFolder}/`))
        .map((e) => e.split("/")[1])
        .filter(Boolean),
    ),
  ] as string[];
  if (releases.length === 0) return [];
  const scratch = mkdtempSync(join(tmpdir(), "stackwave-bundle-crds-"));
  try {
    await run(["tar", "-xf", file, "-C", scratch, bundleCrdFolder]);
    mkdirSync(crdRoot, { recursive: true });
    for (const release of releases) {
      rmSync(join(crdRoot, release), { recursive: true, force: true });
      renameSync(join(scratch, bundleCrdFolder, release), join(crdRoot, release));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return releases.sort();
}

export interface SeedReport {
  /** Pushed by this run. */
  readonly pushed: readonly string[];
  /** Already in the mirror (skipped). */
  readonly present: readonly string[];
  /** In neither the mirror nor the local Docker. */
  readonly missing: readonly MirrorImage[];
}

export interface SeedOptions extends DockerEnv {
  /** host:port the local Docker pushes to, e.g. localhost:5001. */
  readonly registry: string;
  readonly images: readonly MirrorImage[];
  /** Push even what the mirror already holds (a rebuilt image under the same tag). */
  readonly force?: boolean;
  readonly progress?: (line: string) => void;
}

/** Pushes each image the mirror lacks (or all, with force) from the local Docker; reports what neither has. */
export async function seed(options: SeedOptions): Promise<SeedReport> {
  const local = await localImages(options);
  const pushed: string[] = [];
  const present: string[] = [];
  const missing: MirrorImage[] = [];
  for (const [index, image] of options.images.entries()) {
    if (!options.force && (await hasImage(options.registry, image.reference))) {
      present.push(image.reference);
      continue;
    }
    if (!local.has(image.reference)) {
      missing.push(image);
      continue;
    }
    const target = mirrorReference(image.reference, options.registry);
    options.progress?.(`push ${index + 1}/${options.images.length} ${image.reference} → ${target}`);
    await docker(["tag", image.reference, target], options);
    try {
      await docker(["push", target], options);
    } finally {
      // Only the extra tag goes; the image keeps its upstream name.
      await docker(["rmi", target], options).catch(() => undefined);
    }
    pushed.push(image.reference);
  }
  return { pushed, present, missing };
}

/** CRD files a bundle carries for one prometheus-operator release. */
export interface BundleCrds {
  readonly version: string;
  readonly files: ReadonlyMap<string, string>;
}

/**
 * `docker save` of every reference the local Docker has into one file, plus the given CRD release appended
 * under stackwave-crds/ (tar -r); returns the references it lacks.
 */
export async function writeBundle(
  file: string,
  references: readonly string[],
  d: DockerEnv,
  crds?: BundleCrds,
): Promise<{ saved: string[]; missing: string[] }> {
  const local = await localImages(d);
  const saved = references.filter((r) => local.has(r));
  const missing = references.filter((r) => !local.has(r));
  if (!saved.length) throw new Error(`bundle ${file}: none of the ${references.length} images is in the local Docker`);
  await docker(["save", "--output", file, ...saved], d);
  if (crds) {
    const scratch = mkdtempSync(join(tmpdir(), "stackwave-bundle-crds-"));
    try {
      const dir = join(scratch, bundleCrdFolder, crdReleaseDir(crds.version));
      mkdirSync(dir, { recursive: true });
      for (const [name, text] of crds.files) writeFileSync(join(dir, name), text);
      await run(["tar", "-rf", file, "-C", scratch, bundleCrdFolder]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { saved, missing };
}

/** The report as lines for people: counts, then each missing image with whether the cluster needs it. */
export function formatReport(report: SeedReport, registry: string): string {
  const needed = report.missing.filter((m) => m.required);
  const lines = [
    `mirror ${registry}: ${report.pushed.length} pushed, ${report.present.length} already there, ${report.missing.length} missing`,
    ...report.missing.map(
      (m) =>
        `  ✗ ${m.reference}${m.required ? " (the cluster pulls it)" : " (optional: not pulled by this cluster)"}${m.listed ? "" : " — not in tools/images/list.ts"}`,
    ),
  ];
  if (needed.length)
    lines.push(
      `${needed.length} image${needed.length > 1 ? "s" : ""} the cluster needs ${needed.length > 1 ? "are" : "is"} missing: \`docker pull\` ${needed.length > 1 ? "them" : "it"} on a connected machine (or rerun with --pull), or seed from a bundle (--from <file>)`,
    );
  return lines.join("\n");
}
