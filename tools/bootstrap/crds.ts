// The prometheus-operator CRDs on the local git server (CrdSource `mirror` in generators/config.ts): the
// crds Application reads them there, so Argo CD never reaches GitHub and a cluster comes up offline.
// The files come from the pinned module in the Go module cache when it has it or `go` can fetch it, or
// else from the release's raw files on GitHub.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crdFiles } from "../../generators/layers/crds.js";
import { prometheusOperator } from "../../generators/versions.js";
import { goModuleDir } from "../cache/gomod.js";

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

function git(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("git", [...args], { cwd, env }, (error, stdout, stderr) =>
      error ? reject(new Error(`git ${args.join(" ")}: ${stderr.trim() || error.message}`)) : resolve(stdout),
    ),
  );
}

/** Pushes the pinned CRDs with their kustomization to the mirror's main branch; resolves with the commit and the source. */
export async function pushCrdMirror(input: CrdMirrorInput): Promise<{ commit: string; from: string }> {
  const { files, from } = await crdContents(input.version, input.offline);
  const created = await fetch(input.reposAPI, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: input.repo }),
    signal: AbortSignal.timeout(10_000),
  });
  if (created.status !== 201 && created.status !== 409)
    throw new Error(`POST ${input.reposAPI} {"name":"${input.repo}"}: expected 201 or 409, got ${created.status} ${await created.text()}`);
  const dir = mkdtempSync(join(tmpdir(), "stackwave-crds-"));
  try {
    mkdirSync(join(dir, input.path), { recursive: true });
    for (const [file, text] of files) writeFileSync(join(dir, input.path, file), text);
    writeFileSync(join(dir, input.path, "kustomization.yaml"), crdMirrorKustomization());
    // A fixed identity and date: the same CRDs give the same commit, so a rerun pushes nothing new.
    const when = "2000-01-01T00:00:00Z";
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: "stackwave bootstrap",
      GIT_AUTHOR_EMAIL: "bootstrap@stackwave.invalid",
      GIT_COMMITTER_NAME: "stackwave bootstrap",
      GIT_COMMITTER_EMAIL: "bootstrap@stackwave.invalid",
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_DATE: when,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
    };
    await git(dir, ["init", "--quiet", "--initial-branch=main"], env);
    await git(dir, ["add", "--all"], env);
    await git(dir, ["commit", "--quiet", "--no-verify", "-m", `prometheus-operator ${input.version} ${input.path}`], env);
    await git(dir, ["push", "--quiet", "--force", input.pushURL, "HEAD:refs/heads/main"], env);
    return { commit: (await git(dir, ["rev-parse", "HEAD"], env)).trim(), from };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
