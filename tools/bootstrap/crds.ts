// The prometheus-operator CRDs on the local git server (CrdSource `mirror` in generators/config.ts): the
// crds Application reads them there, so Argo CD never reaches GitHub and a cluster comes up offline.
// The files come from the pinned module in the Go module cache when it has it or `go` can fetch it, else
// from an image bundle seeded on this machine (`mirror seed --from`, which leaves them in the cache), or
// else from the release's raw files on GitHub.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crdFiles } from "../../generators/layers/crds.js";
import { prometheusOperator } from "../../generators/versions.js";
import { cacheDir } from "../cache/dirs.js";
import { goModuleDir } from "../cache/gomod.js";

/** Where seeding from a bundle leaves the CRDs it carries: one folder per release under this root. */
export const bundledCrdRoot = join(cacheDir, "crds");
/** The folder of one release's CRD files, under a bundled-CRD root and inside a bundle alike. */
export const crdReleaseDir = (version: string) => `prometheus-operator-${version}`;
import { pushSnapshot } from "./snapshot.js";

/** The mirror's kustomization: the layer's CRD files, nothing else (Argo CD applies source patches only through one). */
export function crdMirrorKustomization(): string {
  return ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "resources:", ...crdFiles.map((f) => `  - ${f}`), ""].join(
    "\n",
  );
}

export interface CrdMirrorInput {
  readonly version: string;
  /** Folder inside the mirror repo, as the cluster's crdSource names it. */
  readonly path: string;
  readonly pushURL: string;
  /** The git server's API that creates a repository (POST {name}). */
  readonly reposAPI: string;
  readonly repo: string;
  /** No internet: only the Go module cache may serve the files. */
  readonly offline: boolean;
}

/** Where crdContents may look besides GitHub (tests turn the Go module cache off to reach the bundle's copy). */
export interface CrdSources {
  readonly moduleCache?: boolean;
  readonly bundled?: string;
}

/** The CRD files of `version`, by file name, and where they came from. */
export async function crdContents(
  version: string,
  offline: boolean,
  sources: CrdSources = {},
): Promise<{ files: Map<string, string>; from: string }> {
  const files = new Map<string, string>();
  let moduleError = "the Go module cache was not asked";
  if (sources.moduleCache ?? true) {
    try {
      const dir = join(await goModuleDir(prometheusOperator.goModule, version), prometheusOperator.crdModulePath);
      for (const file of crdFiles) files.set(file, readFileSync(join(dir, file), "utf8"));
      return { files, from: `${prometheusOperator.goModule}@${version} in the Go module cache` };
    } catch (error) {
      moduleError = `the Go module cache has none: ${(error as Error).message.split("\n")[0]}`;
      files.clear();
    }
  }
  const bundled = join(sources.bundled ?? bundledCrdRoot, crdReleaseDir(version));
  if (crdFiles.every((file) => existsSync(join(bundled, file)))) {
    for (const file of crdFiles) files.set(file, readFileSync(join(bundled, file), "utf8"));
    return { files, from: `the image bundle seeded into ${bundled}` };
  }
  if (offline)
    throw new Error(
      `the prometheus-operator ${version} CRDs are needed offline, and neither the Go module cache nor a seeded bundle has them (${moduleError}; ${bundled}: missing); ` +
        `on a connected machine write a bundle with \`node --import tsx tools/mirror/main.ts bundle --out <file>\` (it carries them) and seed it here with \`mirror seed --from <file>\`, or run without --offline`,
    );
  for (const file of crdFiles) {
    const url = prometheusOperator.crdURL(version, file);
    const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    if (!response.ok) throw new Error(`GET ${url}: expected 200, got ${response.status}`);
    files.set(file, await response.text());
  }
  return { files, from: `the ${version} release on GitHub` };
}

/** Pushes the pinned CRDs with their kustomization to the mirror's main branch; resolves with the commit and the source. */
export async function pushCrdMirror(input: CrdMirrorInput): Promise<{ commit: string; from: string }> {
  const { files, from } = await crdContents(input.version, input.offline);
  const dir = mkdtempSync(join(tmpdir(), "stackwave-crds-"));
  try {
    mkdirSync(join(dir, input.path), { recursive: true });
    for (const [file, text] of files) writeFileSync(join(dir, input.path, file), text);
    writeFileSync(join(dir, input.path, "kustomization.yaml"), crdMirrorKustomization());
    const commit = await pushSnapshot(dir, { ...input, message: `prometheus-operator ${input.version} ${input.path}` });
    return { commit, from };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
