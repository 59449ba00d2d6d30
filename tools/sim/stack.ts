// The whole stack on the simulated cluster, the way bootstrap does it on Kind: control plane and Argo CD,
// the project's git server with the repo pushed to it, the Secrets that never go into git, then the root
// Application of a generated `sim` cluster definition, waited for wave by wave with tools/bootstrap/waves.ts.
import { crdMirrorKustomization } from "../bootstrap/crds.js";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { argocdValuesPath } from "../../generators/clusters/argocd.js";
import type { ClusterConfig, StackConfig } from "../../generators/config.js";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig } from "../../generators/stack.js";
import { goTools } from "../../generators/versions.js";
import { loadApplications, type ArgoApps } from "../bootstrap/applications.js";
import { bootstrapSecretObjects } from "../bootstrap/plan.js";
import { waitForWaves, formatWaitResult, type WaitResult } from "../bootstrap/waves.js";
import { argocdNamespace, defaultDir, up, type Sim } from "./cluster.js";
import { goModuleDir } from "../cache/gomod.js";
import { get, tcp, waitFor } from "./probe.js";
import { run } from "../cache/command.js";

export interface StackOptions {
  /** A cluster of generators/stack.ts whose runtime is `sim`. Default `sim`. */
  readonly cluster?: string;
  /** The git checkout whose HEAD is pushed and whose generated files are applied. Default: this repository. */
  readonly checkout?: string;
  /** Folder for the cluster's state. Default $STACKWAVE_CACHE/sim/run. */
  readonly dir?: string;
  /** argocd-cm entries that win over the generated ones (tests turn polling off with `timeout.reconciliation`). */
  readonly argocdCm?: Readonly<Record<string, string>>;
  /** Called after the cluster runs and before the repo is pushed, e.g. to start watching the API server. */
  readonly beforeSync?: (sim: Sim) => Promise<void>;
  /** Wait until every Application is Synced and Healthy. Default true. */
  readonly wait?: boolean;
  /** Limit for that wait. Default 10 min. */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface SimStack {
  readonly sim: Sim;
  readonly config: StackConfig;
  readonly cluster: ClusterConfig;
  readonly apps: ArgoApps;
  /** The first wait (undefined with `wait: false`). */
  readonly waves?: WaitResult;
  /** Pushes HEAD of a checkout to the cluster's branch on the git server; resolves with the commit sha. */
  push(checkout?: string): Promise<string>;
  /** Pushes the CRD folder of prometheus-operator `version` to the CRD mirror; resolves with the commit. */
  pushCrds(version: string): Promise<string>;
  /** Waits (again) until every Application is Synced and Healthy, printing wave changes. */
  waitForWaves(timeoutMs?: number): Promise<WaitResult>;
  stop(): Promise<void>;
}

/** Fake nodes have no disks: static volumes stand in for Kind's local-path provisioner. */
const volumeCount = 4;

function volumesYaml(dir: string): string {
  return Array.from({ length: volumeCount }, (_, i) =>
    yaml.dump({
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: `sim-volume-${i}` },
      spec: {
        capacity: { storage: "10Gi" },
        accessModes: ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Delete",
        // No class: claims without one bind here, since the simulated cluster has no default StorageClass.
        storageClassName: "",
        hostPath: { path: join(dir, "data", `volume-${i}`) },
      },
    }),
  ).join("---\n");
}

/** A git command with a fixed identity, isolated from the user's configuration. */
function git(cwd: string, args: readonly string[]): Promise<string> {
  return run(["git", "-c", "user.name=stackwave-sim", "-c", "user.email=sim@stackwave.invalid", ...args], {
    cwd,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" },
  });
}

/**
 * The CRD mirror: a repo holding a prometheus-operator module's CRD folder at the path the cluster definition
 * names, one commit per push. Built from the Go module cache; nothing upstream is committed here. Bring-up
 * pushes the pinned release; tests push another one to change the CRDs after bring-up.
 */
async function pushCrdMirror(dir: string, cluster: ClusterConfig, version: string, log: (line: string) => void): Promise<string> {
  if (cluster.crdSource.kind !== "mirror")
    throw new Error(`sim: cluster "${cluster.name}" takes its CRDs from upstream, not from a mirror`);
  const { repoURL, path } = cluster.crdSource;
  const module = await goModuleDir(goTools.prometheusOperator.module, version);
  const mirror = join(dir, "crd-mirror");
  const fresh = !existsSync(join(mirror, ".git"));
  rmSync(join(mirror, path), { recursive: true, force: true });
  mkdirSync(join(mirror, path), { recursive: true });
  cpSync(join(module, path), join(mirror, path), { recursive: true });
  // The crds Application patches each CRD with its tracking id (crdTrackingPatches), and Argo CD applies
  // source patches only through a kustomization.
  writeFileSync(join(mirror, path, "kustomization.yaml"), crdMirrorKustomization());
  if (fresh) await git(mirror, ["init", "--quiet", "--initial-branch=main"]);
  await git(mirror, ["add", "--all"]);
  await git(mirror, ["commit", "--quiet", "--allow-empty", "-m", `prometheus-operator ${version} ${path}`]);
  await git(mirror, ["push", "--quiet", repoURL, "HEAD:refs/heads/main"]);
  log(`[sim] CRD mirror: ${path} of prometheus-operator ${version} pushed to ${repoURL}`);
  return (await git(mirror, ["rev-parse", "HEAD"])).trim();
}

/** argocd-cm entries of the cluster's generated Helm values (configs.cm). */
function generatedArgocdCm(checkout: string, cluster: ClusterConfig): Record<string, string> {
  const file = join(checkout, argocdValuesPath(cluster));
  if (!existsSync(file)) throw new Error(`sim: ${argocdValuesPath(cluster)} is missing: run \`npm run generate\` first`);
  const cm = (yaml.load(readFileSync(file, "utf8")) as { configs?: { cm?: Record<string, unknown> } } | undefined)?.configs?.cm;
  if (!cm || typeof cm !== "object") throw new Error(`sim: ${argocdValuesPath(cluster)}: expected a mapping at configs.cm`);
  return Object.fromEntries(Object.entries(cm).map(([k, v]) => [k, String(v)]));
}

export async function upStack(options: StackOptions = {}): Promise<SimStack> {
  const log = options.log ?? console.log;
  const checkout = options.checkout ?? repoRoot;
  const config = defaultConfig();
  const cluster = config.clusters.find((c) => c.name === (options.cluster ?? "sim"));
  if (!cluster) throw new Error(`sim: --cluster expects one of ${config.clusters.map((c) => c.name).join(", ")}, got "${options.cluster}"`);
  if (cluster.runtime !== "sim") throw new Error(`sim: cluster "${cluster.name}" runs on ${cluster.runtime}, not on the simulated cluster`);
  const apps = await loadApplications(config, cluster);
  const gitUrl = new URL(cluster.repoURL).origin;
  const webhookSecret = randomBytes(24).toString("base64url");
  const dir = options.dir ?? defaultDir;
  // Checked first: the generated Applications name this port, and a stale server there would answer instead.
  const gitPort = Number(new URL(gitUrl).port);
  if (
    await tcp(gitPort).then(
      () => true,
      () => false,
    )
  )
    throw new Error(
      `sim: port ${gitPort} of ${cluster.repoURL} is already in use (another simulated cluster? stop it with: npx zx bootstrap.mjs --sim --down)`,
    );

  const sim = await up({
    dir,
    log,
    prometheusOperator: true,
    argocdCm: { ...generatedArgocdCm(checkout, cluster), ...options.argocdCm },
    argocdSecret: { "webhook.github.secret": webhookSecret },
  });
  const wait = async (timeoutMs: number) => {
    const result = await waitForWaves({
      kubeConfig: await sim.kubeConfig(),
      namespace: argocdNamespace,
      root: apps.root,
      apps: apps.children,
      timeoutMs,
      log,
      heartbeatMs: 30_000,
    });
    if (!result.done) log(`[sim] ${formatWaitResult(result)}`);
    return result;
  };
  const push = async (from = checkout) => {
    if ((await git(from, ["rev-parse", "--is-shallow-repository"])).trim() === "true")
      throw new Error(
        `sim: ${from} is a shallow clone, which cannot be pushed to an empty repository; run \`git fetch --unshallow\` first`,
      );
    await git(from, ["push", "--quiet", cluster.repoURL, `HEAD:refs/heads/${cluster.targetRevision}`]);
    return (await git(from, ["rev-parse", "HEAD"])).trim();
  };

  try {
    await sim.kubectl(["apply", "-f", "-"], volumesYaml(dir));
    const namespaces = [...new Set([argocdNamespace, ...config.layers.map((l) => l.namespace)])].sort();
    await sim.kubectl(
      ["apply", "-f", "-"],
      namespaces.map((name) => yaml.dump({ apiVersion: "v1", kind: "Namespace", metadata: { name } })).join("---\n"),
    );
    const random = () => randomBytes(18).toString("base64url");
    const secrets = bootstrapSecretObjects(config, false, () => random());
    await sim.kubectl(["apply", "-f", "-"], secrets.map((o) => yaml.dump(o)).join("---\n"));
    log(`[sim] ${volumeCount} volumes, namespaces ${namespaces.join(", ")} and ${secrets.length} Secrets created`);

    const repos = [cluster.repoURL, ...(cluster.crdSource.kind === "mirror" ? [cluster.crdSource.repoURL] : [])];
    const names = repos.map((u) => new URL(u).pathname.replace(/^\//, "").replace(/\.git$/, ""));
    const gitData = join(dir, "data", "git");
    mkdirSync(gitData, { recursive: true });
    const gitServer = sim.spawn(
      "git-server",
      [process.execPath, "--import", "tsx", join(repoRoot, "apps", "git-server", "src", "main.ts")],
      {
        GIT_SERVER_ADDR: "127.0.0.1",
        PORT: String(gitPort),
        GIT_DATA_DIR: gitData,
        GIT_INIT_REPOS: names.join(","),
        GIT_PUBLIC_URL: gitUrl,
        WEBHOOK_URL: `${sim.argocd!.url}/api/webhook`,
        WEBHOOK_SECRET: webhookSecret,
      },
      repoRoot,
    ); // tsx resolves from here
    await waitFor(gitServer, "git-server", () => get(`${gitUrl}/healthz`), 60_000);
    log(`[sim] git-server: ${gitUrl} (${names.join(", ")}), webhook to ${sim.argocd!.url}/api/webhook`);

    await options.beforeSync?.(sim);
    if (cluster.crdSource.kind === "mirror") await pushCrdMirror(dir, cluster, goTools.prometheusOperator.version, log);
    const sha = await push();
    log(`[sim] pushed ${sha.slice(0, 12)} to ${cluster.repoURL} (${cluster.targetRevision})`);
    for (const file of apps.bootstrapFiles) await sim.kubectl(["apply", "-f", join(checkout, file)]);
    log(`[sim] applied ${apps.bootstrapFiles.join(", ")}; waiting for the sync waves`);
  } catch (error) {
    await sim.stop();
    throw error;
  }

  const waves = options.wait === false ? undefined : await wait(options.timeoutMs ?? 10 * 60_000);
  return {
    sim,
    config,
    cluster,
    apps,
    ...(waves ? { waves } : {}),
    push,
    pushCrds: (version) => pushCrdMirror(dir, cluster, version, log),
    waitForWaves: (timeoutMs = 10 * 60_000) => wait(timeoutMs),
    stop: () => sim.stop(),
  };
}
