// The prometheus-operator CRDs on the local git server (CrdSource `mirror` in generators/config.ts): the
// crds Application reads them there, so Argo CD never reaches GitHub and a cluster comes up offline.
// The files come from the pinned module in the Go module cache when it has it or `go` can fetch it, or
// else from the release's raw files on GitHub.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crdFiles } from "../../generators/layers/crds.js";
import { prometheusOperator } from "../../generators/versions.js";
import { goModuleDir } from "../cache/gomod.js";
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

/** The CRD files of `version`, by file name, and where they came from. */
export async function crdContents(version: string, offline: boolean): Promise<{ files: Map<string, string>; from: string }> {
  const files = new Map<string, string>();
  try {
    const dir = join(await goModuleDir(prometheusOperator.goModule, version), prometheusOperator.crdModulePath);
    for (const file of crdFiles) files.set(file, readFileSync(join(dir, file), "utf8"));
    return { files, from: `${prometheusOperator.goModule}@${version} in the Go module cache` };
  } catch (error) {
    if (offline)
      throw new Error(
        `the prometheus-operator ${version} CRDs are needed offline, and the Go module cache has none (${(error as Error).message.split("\n")[0]}); ` +
          `on a connected machine run \`go mod download ${prometheusOperator.goModule}@${version}\` and carry GOMODCACHE over, or run without --offline`,
      );
  }
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
