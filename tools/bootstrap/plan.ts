// The bootstrap plan as data: an ordered list of typed steps. --dry-run prints it, the real run executes it
// (tools/bootstrap/run.ts), tests assert on it. Building a plan touches nothing.
import { dirname } from "node:path";
import yaml from "js-yaml";
import type { ClusterConfig, StackConfig } from "../../generators/config.js";
import { argocdRelease, argocdSecretKeys, argocdValuesPath, type ArgoCdSecrets } from "../../generators/clusters/argocd.js";
import { kindCluster } from "../../generators/clusters/kind.js";
import { bootstrapSecrets, pagerSwitch } from "../../generators/monitoring.js";
import { nodePorts } from "../../generators/stack.js";
import { chartMirrorTag } from "../../generators/clusters/applications.js";
import { certsDir, hostsFiles, hostsScript, mirrorEndpoint } from "../../generators/clusters/mirror.js";
import { argocd, imageString, localRegistry, prometheusOperator, type ImageName, type ToolPlatform } from "../../generators/versions.js";
import { mirrorImages, type MirrorImage } from "../mirror/images.js";
import type { ArgoApps } from "./applications.js";
import { toolNames, toolRelease, type ToolName } from "./install.js";
import { logins, type SecretName } from "./secrets.js";

/** A reference to a secret, resolved only when the action runs; printed as `<secret:name>`. */
export class SecretRef {
  constructor(readonly secret: SecretName) {}
}
export type Value = string | SecretRef;

export function isSecretRef(value: unknown): value is SecretRef {
  return value instanceof SecretRef;
}

/** A read-only check; when it holds, the action it guards is already done and is skipped. */
export type Probe =
  /** Holds when the command exits 0 (and its stdout matches `stdout`, a regular expression), or, with `negate`, when it does not. */
  | {
      readonly kind: "command";
      readonly argv: readonly string[];
      readonly stdout?: string;
      readonly negate?: boolean;
      readonly describe: string;
    }
  /** Holds when every URL answers 200 to GET with `headers`. */
  | {
      readonly kind: "http";
      readonly urls: readonly string[];
      readonly headers?: Readonly<Record<string, string>>;
      readonly describe: string;
    }
  /** Holds when the tool is already at its pinned version in .bin/ or on PATH. */
  | { readonly kind: "tool"; readonly tool: ToolName; readonly version: string; readonly describe: string }
  /** Holds when at least one of `probes` holds. */
  | { readonly kind: "any"; readonly probes: readonly Probe[]; readonly describe: string };

/** Runs a program. Objects on stdin are written as a YAML stream with their secrets filled in. */
export interface CommandAction {
  readonly kind: "command";
  readonly argv: readonly Value[];
  readonly stdin?: { readonly text: string } | { readonly objects: readonly object[] };
  /** Extra environment; secrets go here (e.g. `docker run -e NAME`), never into argv. */
  readonly env?: Readonly<Record<string, Value>>;
  readonly skipIf?: Probe;
  readonly timeoutMs?: number;
}

/** Downloads a pinned tool into .bin/ and verifies its sha256 (tools/bootstrap/install.ts). */
export interface DownloadAction {
  readonly kind: "download";
  readonly tool: ToolName;
  readonly version: string;
  readonly url: string;
  readonly sha256: string;
  readonly archiveMember?: string;
  readonly binDir: string;
  readonly skipIf: Probe;
}

/** Loads or generates the local secret store (tools/bootstrap/secrets.ts). */
export interface SecretsAction {
  readonly kind: "secrets";
  readonly path: string;
  /**
   * Commands that print a value the cluster already uses, base64-encoded as Secrets hold it (kubectl get
   * secret -o jsonpath). A failing command (no cluster, no Secret yet) means "none".
   */
  readonly cluster?: { readonly mongodbPassword: readonly string[] };
}

/** Waits until a URL answers below 500. */
export interface HttpWaitAction {
  readonly kind: "wait-http";
  readonly url: string;
  readonly timeoutMs: number;
}

/** Watches the Argo CD Applications until every one is Synced and Healthy (tools/bootstrap/waves.ts). */
export interface WavesAction {
  readonly kind: "wait-waves";
  readonly context: string;
  readonly namespace: string;
  readonly root: string;
  readonly apps: readonly { readonly name: string; readonly wave: number }[];
  readonly timeoutMs: number;
}

/** Deletes a local path bootstrap created. */
export interface RemoveAction {
  readonly kind: "remove";
  readonly path: string;
}

/** Pushes the mirror's images from the local Docker into the local registry (tools/mirror/seed.ts). */
export interface SeedMirrorAction {
  readonly kind: "seed-mirror";
  /** The registry as the local Docker reaches it. */
  readonly registry: string;
  readonly images: readonly MirrorImage[];
  /** Fail, naming them, when required images are in neither the registry nor the local Docker. */
  readonly offline: boolean;
}

/** Pushes the unpacked chart to the chart mirror on the local git server (tools/bootstrap/chart.ts). */
export interface ChartMirrorAction {
  readonly kind: "chart-mirror";
  readonly file: string;
  readonly pushURL: string;
  readonly reposAPI: string;
  readonly repo: string;
  readonly tag: string;
}

/** Pushes the pinned prometheus-operator CRDs to the CRD mirror on the local git server (tools/bootstrap/crds.ts). */
export interface CrdMirrorAction {
  readonly kind: "crd-mirror";
  readonly version: string;
  readonly path: string;
  readonly pushURL: string;
  readonly reposAPI: string;
  readonly repo: string;
  readonly offline: boolean;
}

export type Action =
  | CommandAction
  | DownloadAction
  | SecretsAction
  | HttpWaitAction
  | WavesAction
  | RemoveAction
  | SeedMirrorAction
  | ChartMirrorAction
  | CrdMirrorAction;

export interface Step {
  /** Short stable id, e.g. `cluster`; printed when the step fails. */
  readonly name: string;
  readonly title: string;
  /** Pinned versions and other facts worth printing with the step. */
  readonly details: readonly string[];
  readonly actions: readonly Action[];
  /** What to try when the step fails. */
  readonly hint: string;
}

export interface Plan {
  readonly mode: "up" | "down";
  readonly cluster: string;
  readonly steps: readonly Step[];
}

/** Everything a plan depends on, gathered read-only by bootstrap.ts. */
export interface PlanInput {
  readonly config: StackConfig;
  readonly cluster: ClusterConfig;
  /** Commit the images are also tagged with (`git rev-parse --short=12 HEAD`). */
  readonly commit: string;
  readonly platform: ToolPlatform;
  /** Whether PAGERDUTY_ROUTING_KEY is set, i.e. whether the `pagerduty` Secret is created. */
  readonly pagerduty: boolean;
  /** Overall limit for the waves, in ms. */
  readonly waitTimeoutMs: number;
  /**
   * Extra CA certificates (NODE_EXTRA_CA_CERTS) for `npm ci` inside `docker build`, behind a proxy that
   * re-signs TLS: passed as the BuildKit secret `npm-ca`, so it is in no image layer.
   */
  readonly buildCA?: string;
  /** Project-local folders, relative to the repository root (every command runs there). */
  readonly binDir: string;
  readonly stateDir: string;
  /** The app-of-apps from the generator (tools/bootstrap/applications.ts). */
  readonly applications: ArgoApps;
  /** The packaged argo-cd chart to install (--chart), relative to the repository root or absolute. */
  readonly chart?: string;
  /** The kubeconfig context of an `existing` cluster (--context, the cluster's `context`, or the current one). */
  readonly context?: string;
}

/** Names derived from the configuration, shared by the plan, preflight, --down and the final URLs. */
export interface Names {
  readonly kindCluster: string;
  readonly context: string;
  readonly nodes: readonly string[];
  readonly registry: string;
  readonly gitContainer: string;
  readonly gitVolume: string;
  readonly gitPort: number;
  readonly gitRepo: string;
  readonly gitRemote: string;
  readonly gitRemoteURL: string;
  readonly argocdNamespace: string;
  readonly argocdRelease: string;
  readonly secretsFile: string;
}

export function names(input: Pick<PlanInput, "config" | "cluster" | "stateDir"> & Pick<Partial<PlanInput>, "context">): Names {
  const kind = kindCluster(input.config, input.cluster).name;
  // The git container is what the Applications' repoURL names, so Argo CD finds it on the kind network.
  // scp-like remotes (git@host:path, existing clusters only) read as the ssh:// URL they stand for.
  const url = input.cluster.repoURL;
  const repo = new URL(/^[\w.-]+@[^/:]+:/.test(url) ? `ssh://${url.replace(":", "/")}` : url);
  const gitRepo = repo.pathname.replace(/^\//, "").replace(/\.git$/, "");
  return {
    kindCluster: kind,
    context: input.context ?? `kind-${kind}`,
    // kind names nodes <cluster>-control-plane, <cluster>-worker, <cluster>-worker2, ...
    nodes: [`${kind}-control-plane`, ...Array.from({ length: input.cluster.workers }, (_, i) => `${kind}-worker${i === 0 ? "" : i + 1}`)],
    registry: localRegistry.containerName,
    gitContainer: repo.hostname,
    gitVolume: `${repo.hostname}-data`,
    gitPort: Number(repo.port || 80),
    gitRepo,
    gitRemote: "local",
    gitRemoteURL: `http://127.0.0.1:${input.cluster.ports.gitServer}/${gitRepo}.git`,
    argocdNamespace: argocdRelease.namespace,
    argocdRelease: argocdRelease.name,
    secretsFile: `${input.stateDir}/secrets.json`,
  };
}

const secret = (name: SecretName): SecretRef => new SecretRef(name);
const containerExists = (name: string, negate = false): Probe => ({
  kind: "command",
  argv: ["docker", "container", "inspect", name],
  negate,
  describe: negate ? `container ${name} does not exist` : `container ${name} exists`,
});

export function toolsStep(input: PlanInput, only: readonly ToolName[] = toolNames): Step {
  return {
    name: "tools",
    title: `Install missing CLI tools into ${input.binDir}/ (sha256-verified)`,
    details: only.map((tool) => `${tool} ${toolRelease(tool, input.platform).version}`),
    actions: only.map((tool): DownloadAction => {
      const release = toolRelease(tool, input.platform);
      return {
        kind: "download",
        ...release,
        binDir: input.binDir,
        skipIf: { kind: "tool", tool, version: release.version, describe: `${tool} ${release.version} is in ${input.binDir}/ or on PATH` },
      };
    }),
    hint: `check that the URL is reachable; a checksum mismatch means the download is not the pinned release (see cliToolChecksums in generators/versions.ts). Tools already on PATH at the pinned version are used as they are.`,
  };
}

/** `docker run` of the local registry container; the mirror's seed command starts it the same way. */
export function registryRunArgv(name: string): string[] {
  const image = imageString(localRegistry.image);
  return [
    "docker",
    "run",
    "-d",
    "--restart=always",
    "-p",
    `127.0.0.1:${localRegistry.hostPort}:5000`,
    "--network",
    "bridge",
    "--name",
    name,
    image,
  ];
}

function registryStep(input: PlanInput, n: Names): Step {
  const image = imageString(localRegistry.image);
  return {
    name: "registry",
    title: `Start the local registry ${n.registry} on 127.0.0.1:${localRegistry.hostPort}`,
    details: [`image ${image}`],
    actions: [
      { kind: "command", argv: registryRunArgv(n.registry), skipIf: containerExists(n.registry) },
      // Starting a running container is a no-op: this brings back one that was stopped.
      { kind: "command", argv: ["docker", "start", n.registry] },
    ],
    hint: `is port ${localRegistry.hostPort} free? \`docker logs ${n.registry}\` shows the registry's own errors.`,
  };
}

function clusterStep(input: PlanInput, n: Names): Step {
  const controlPlane = n.nodes[0]!;
  const ready: Probe = {
    kind: "command",
    argv: ["docker", "exec", controlPlane, "kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "get", "--raw=/readyz"],
    describe: `cluster ${n.kindCluster} exists and its API server is ready`,
  };
  const hosts = hostsScript(hostsFiles(input.cluster.mirror));
  return {
    name: "cluster",
    title: `Create the Kind cluster ${n.kindCluster} and connect it to the registry`,
    details: [
      `node image ${imageString(input.config.images.kindNode)}`,
      `Kubernetes ${input.config.versions.kubernetes}`,
      `kind config clusters/${input.cluster.name}/kind-config.yaml`,
      `context ${n.context}`,
    ],
    actions: [
      // A cluster left half-created (e.g. Ctrl-C during create) is not ready: remove it so create starts clean.
      { kind: "command", argv: ["kind", "delete", "cluster", "--name", n.kindCluster], skipIf: ready },
      {
        kind: "command",
        argv: [
          "kind",
          "create",
          "cluster",
          "--name",
          n.kindCluster,
          "--config",
          `clusters/${input.cluster.name}/kind-config.yaml`,
          "--wait",
          "180s",
        ],
        skipIf: ready,
        timeoutMs: 600_000,
      },
      { kind: "command", argv: ["kind", "export", "kubeconfig", "--name", n.kindCluster] },
      {
        kind: "command",
        argv: ["docker", "network", "connect", "kind", n.registry],
        skipIf: {
          kind: "command",
          argv: ["docker", "inspect", "-f", "{{json .NetworkSettings.Networks.kind}}", n.registry],
          stdout: "^\\{",
          describe: `${n.registry} is on the kind network`,
        },
      },
      // containerd reads certs.d on every pull, so files written after the node started take effect at once.
      ...n.nodes.map((node): CommandAction => ({
        kind: "command",
        argv: ["docker", "exec", "-i", node, "sh", "-s"],
        stdin: { text: hosts },
      })),
      {
        kind: "command",
        argv: ["kubectl", "--context", n.context, "apply", "-f", "-"],
        stdin: {
          objects: [
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: "local-registry-hosting", namespace: "kube-public" },
              // KEP-1755: tells tools in and around the cluster where the local registry is.
              data: {
                "localRegistryHosting.v1": `host: "${localRegistry.host}"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n`,
              },
            },
          ],
        },
      },
    ],
    hint: `see docs/bootstrap.md#troubleshooting (inotify limits, ports in use). A broken cluster is removed by \`node bootstrap.mjs --down\`.`,
  };
}

/** Our own images, their Dockerfiles and the content tag the manifests use. */
export const ownImages: readonly { readonly image: ImageName; readonly app: string }[] = [
  { image: "guestbookBackend", app: "backend" },
  { image: "guestbookFrontend", app: "frontend" },
  { image: "gitServer", app: "git-server" },
];

function imagesStep(input: PlanInput): Step {
  const actions: CommandAction[] = [];
  const details: string[] = [];
  for (const { image, app } of ownImages) {
    const ref = input.config.images[image];
    const name = `${ref.registry}/${ref.repository}`;
    const tags = [ref.tag, input.commit];
    details.push(`${name}:${ref.tag} (also :${input.commit})`);
    // Already in the registry under both tags: the content is unchanged, nothing to build.
    const skipIf: Probe = {
      kind: "http",
      urls: tags.map((tag) => `http://${ref.registry}/v2/${ref.repository}/manifests/${tag}`),
      headers: {
        Accept:
          "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json",
      },
      describe: `${name} has tags ${tags.join(" and ")}`,
    };
    actions.push(
      {
        kind: "command",
        argv: [
          "docker",
          "build",
          ...(input.buildCA ? ["--secret", `id=npm-ca,src=${input.buildCA}`] : []),
          "-f",
          `apps/${app}/Dockerfile`,
          ...tags.flatMap((tag) => ["-t", `${name}:${tag}`]),
          ".",
        ],
        // BuildKit: the Dockerfiles mount the npm-ca secret (Docker 23+ uses it by default; 20.10 needs this).
        env: { DOCKER_BUILDKIT: "1" },
        skipIf,
        timeoutMs: 1_200_000,
      },
      ...tags.map((tag): CommandAction => ({ kind: "command", argv: ["docker", "push", `${name}:${tag}`], skipIf, timeoutMs: 600_000 })),
    );
  }
  return {
    name: "images",
    title: `Build and push the guestbook and git-server images to ${localRegistry.host}`,
    details,
    actions,
    hint: `run the failing docker build by hand from the repository root; the registry must answer on http://${localRegistry.host}/v2/.`,
  };
}

export function stateStep(input: PlanInput, n: Names): Step {
  return {
    name: "state",
    title: `Load or generate the local secrets (${n.secretsFile}, mode 0600, never committed)`,
    details: [
      "values given as ARGOCD_ADMIN_PASSWORD, GRAFANA_ADMIN_PASSWORD, STACKWAVE_WEBHOOK_SECRET win and are stored",
      "the MongoDB password the cluster's mongodb-credentials Secret holds is kept; a different MONGODB_PASSWORD is refused (the volume keeps its first password)",
    ],
    actions: [
      {
        kind: "secrets",
        path: n.secretsFile,
        cluster: {
          mongodbPassword: [
            "kubectl",
            "--context",
            n.context,
            "--namespace",
            input.config.layers.find((l) => l.name === "apps")?.namespace ?? "guestbook",
            "get",
            "secret",
            "mongodb-credentials",
            "--ignore-not-found",
            "-o",
            "jsonpath={.data.password}",
          ],
        },
      },
    ],
    hint: `if ${n.secretsFile} is damaged, delete it (new values are generated) and rerun.`,
  };
}

function gitStep(input: PlanInput, n: Names): Step {
  const image = imageString(input.config.images.gitServer);
  const publicURL = new URL(input.cluster.repoURL).origin;
  const webhook = `http://${n.nodes[0]}:${nodePorts.argocd}/api/webhook`;
  const running: Probe = {
    kind: "command",
    argv: ["docker", "inspect", "-f", "{{.Config.Image}} {{.State.Running}}", n.gitContainer],
    stdout: `^${image.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} true$`,
    describe: `${n.gitContainer} runs ${image}`,
  };
  return {
    name: "git-server",
    title: `Start the git server ${n.gitContainer} on 127.0.0.1:${input.cluster.ports.gitServer} and push this repository to it`,
    details: [
      `image ${image}`,
      `repo ${input.cluster.repoURL} (branch ${input.cluster.targetRevision})`,
      `webhook ${webhook}`,
      `git remote ${n.gitRemote} = ${n.gitRemoteURL}`,
    ],
    actions: [
      { kind: "command", argv: ["docker", "volume", "create", n.gitVolume] },
      // A container from an older image (or a stopped one) is replaced; the repositories live in the volume.
      {
        kind: "command",
        argv: ["docker", "rm", "-f", n.gitContainer],
        skipIf: {
          kind: "any",
          probes: [containerExists(n.gitContainer, true), running],
          describe: `no container ${n.gitContainer}, or it runs ${image}`,
        },
      },
      {
        kind: "command",
        argv: [
          "docker",
          "run",
          "-d",
          "--name",
          n.gitContainer,
          "--restart",
          "unless-stopped",
          "--network",
          "kind",
          "-p",
          `127.0.0.1:${input.cluster.ports.gitServer}:${n.gitPort}`,
          "-v",
          `${n.gitVolume}:/data`,
          // --init reaps git's grandchildren (apps/git-server/README.md); the image writes only to /data.
          "--init",
          "--read-only",
          "--tmpfs",
          "/tmp",
          "--cap-drop",
          "ALL",
          "--security-opt",
          "no-new-privileges",
          "-e",
          `PORT=${n.gitPort}`,
          "-e",
          "GIT_DATA_DIR=/data",
          "-e",
          `GIT_PUBLIC_URL=${publicURL}`,
          "-e",
          `GIT_INIT_REPOS=${n.gitRepo}`,
          "-e",
          `GIT_DEFAULT_BRANCH=${input.cluster.targetRevision}`,
          "-e",
          `WEBHOOK_URL=${webhook}`,
          "-e",
          "WEBHOOK_SECRET",
          image,
        ],
        env: { WEBHOOK_SECRET: secret("webhookSecret") },
        skipIf: running,
      },
      { kind: "wait-http", url: `http://127.0.0.1:${input.cluster.ports.gitServer}/healthz`, timeoutMs: 60_000 },
      {
        kind: "command",
        argv: ["git", "remote", "add", n.gitRemote, n.gitRemoteURL],
        skipIf: { kind: "command", argv: ["git", "remote", "get-url", n.gitRemote], describe: `git remote ${n.gitRemote} exists` },
      },
      { kind: "command", argv: ["git", "remote", "set-url", n.gitRemote, n.gitRemoteURL] },
      { kind: "command", argv: ["git", "push", n.gitRemote, `HEAD:refs/heads/${input.cluster.targetRevision}`] },
    ],
    hint: `\`docker logs ${n.gitContainer}\`. A rejected push means the server's ${input.cluster.targetRevision} has commits this checkout lacks: \`git pull ${n.gitRemote} ${input.cluster.targetRevision}\` first.`,
  };
}

function secretObject(name: string, namespace: string, stringData: Record<string, Value>): object {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": "stackwave" } },
    stringData,
  };
}

/**
 * The Secrets that never go into git, with each value from `value` (a SecretRef in the plan, a real value in
 * the simulated cluster). Shared by both, so they create the same objects.
 */
export function bootstrapSecretObjects(
  config: Pick<PlanInput["config"], "layers">,
  pagerduty: boolean,
  value: (name: SecretName) => Value,
  /** An external database: its connection string joins the credentials (GUESTBOOK_MONGODB_URI). */
  externalDatabase = false,
): object[] {
  const pd = bootstrapSecrets.pagerduty;
  const monitoring = config.layers.find((l) => l.name === "monitors")?.namespace ?? "monitoring";
  const apps = config.layers.find((l) => l.name === "apps")?.namespace ?? "guestbook";
  const mongo = {
    username: logins.mongodbUsername,
    password: value("mongodbPassword"),
    ...(externalDatabase ? { uri: value("mongodbUri") } : {}),
  };
  return [
    secretObject("grafana-admin", monitoring, { "admin-user": logins.grafanaAdminUser, "admin-password": value("grafanaAdminPassword") }),
    secretObject("mongodb-credentials", apps, mongo),
    secretObject("mongodb-credentials", monitoring, mongo),
    // The `pager` key switches Prometheus' pager label on, so critical alerts route to PagerDuty (monitoring.ts).
    ...(pagerduty
      ? [secretObject(pd.name, monitoring, { [pd.routingKey]: value("pagerdutyRoutingKey"), [pd.pagerKey]: pagerSwitch.enabled })]
      : []),
  ];
}

export function secretsStep(input: PlanInput, n: Names): Step {
  const namespaces = [...new Set([n.argocdNamespace, ...input.config.layers.map((l) => l.namespace)])].sort();
  const env = input.config.environments.find((e) => e.name === input.cluster.environment);
  const objects = bootstrapSecretObjects(input.config, input.pagerduty, secret, env?.production?.database.kind === "external");
  return {
    name: "secrets",
    title: "Create the namespaces and the Secrets that never go into git",
    details: [
      `namespaces ${namespaces.join(", ")}`,
      input.pagerduty
        ? "pagerduty routing key from PAGERDUTY_ROUTING_KEY"
        : "PAGERDUTY_ROUTING_KEY not set: no pagerduty Secret (alerts are not paged)",
    ],
    actions: [
      {
        kind: "command",
        argv: ["kubectl", "--context", n.context, "apply", "-f", "-"],
        stdin: { objects: namespaces.map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })) },
      },
      { kind: "command", argv: ["kubectl", "--context", n.context, "apply", "-f", "-"], stdin: { objects } },
    ],
    hint: `\`kubectl --context ${n.context} get --raw=/readyz\` should print ok.`,
  };
}

/** Which local secret fills each of the chart's secret values (keys from generators/clusters/argocd.ts). */
const argocdSecretSources: { readonly [K in keyof ArgoCdSecrets]: SecretName } = {
  webhookSecret: "webhookSecret",
  adminPasswordHash: "argocdAdminPasswordHash",
  adminPasswordMtime: "argocdAdminPasswordMtime",
};

/**
 * The chart values bootstrap adds to the cluster's values file: only secrets, at the dotted keys the Argo CD
 * generator exports (argocdSecretKeys), as one YAML document for `helm -f -`.
 */
export function argocdSecretValues(): object {
  const values: Record<string, unknown> = {};
  for (const field of Object.keys(argocdSecretKeys) as (keyof ArgoCdSecrets)[]) {
    const path = argocdSecretKeys[field].split(".");
    let node = values;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[path.at(-1)!] = secret(argocdSecretSources[field]);
  }
  return values;
}

export function argocdStep(input: PlanInput, n: Names): Step {
  const file = chartFile(input);
  // From a file (checked against the pin by preflight and the chart step), or from the chart repository.
  const chart = file ? [file] : [argocd.chart.name, "--repo", argocd.chart.repository, "--version", argocd.chart.version];
  return {
    name: "argocd",
    title: `Install Argo CD ${argocd.version} with Helm`,
    details: [
      `chart ${argocd.chart.name} ${argocd.chart.version} from ${file ?? argocd.chart.repository}`,
      `release ${n.argocdRelease} in ${n.argocdNamespace}`,
      `values ${argocdValuesPath(input.cluster)} + secrets on stdin (${Object.values(argocdSecretKeys).join(", ")})`,
    ],
    actions: [
      {
        kind: "command",
        // Secrets go in as a values file on stdin (`-f -`) rather than --set-string, so they never show up in `ps`.
        argv: [
          "helm",
          "upgrade",
          "--install",
          n.argocdRelease,
          ...chart,
          "--kube-context",
          n.context,
          "--namespace",
          n.argocdNamespace,
          "--create-namespace",
          "-f",
          argocdValuesPath(input.cluster),
          "-f",
          "-",
          "--wait",
          "--timeout",
          "10m",
        ],
        stdin: { objects: [argocdSecretValues()] },
        timeoutMs: 900_000,
      },
    ],
    hint: `\`kubectl --context ${n.context} -n ${n.argocdNamespace} get pods\` and \`helm --kube-context ${n.context} -n ${n.argocdNamespace} status ${n.argocdRelease}\`.`,
  };
}

export function rootStep(input: PlanInput, n: Names): Step {
  const files = input.applications.bootstrapFiles;
  const root = `-n ${n.argocdNamespace} get applications.argoproj.io ${input.applications.root}`;
  const operation = (field: string) => `kubectl --context ${n.context} ${root} -o jsonpath='{.status.operationState.${field}}' 2>/dev/null`;
  // A rerun after a failed bring-up: the root's sync of an older commit may still wait for a wave that commit
  // cannot make healthy, and Argo CD lets such an operation wait forever. Ending it makes the root sync HEAD.
  const stale = `[ "$(${operation("phase")})" = Running ] && ! ${operation("operation.sync.revision")} | grep -q '^${input.commit}'`;
  return {
    name: "root-app",
    title: "Apply the root Application; Argo CD takes over from here",
    details: [...files, `→ syncs clusters/${input.cluster.name}/apps`],
    actions: [
      ...files.map((file): CommandAction => ({ kind: "command", argv: ["kubectl", "--context", n.context, "apply", "-f", file] })),
      {
        kind: "command",
        argv: [
          "kubectl",
          "--context",
          n.context,
          "-n",
          n.argocdNamespace,
          "patch",
          "applications.argoproj.io",
          input.applications.root,
          "--type",
          "merge",
          "-p",
          '{"status":{"operationState":{"phase":"Terminating"}}}',
        ],
        skipIf: {
          kind: "command",
          argv: ["sh", "-c", `! { ${stale}; }`],
          describe: `no sync of an older commit than ${input.commit} is running`,
        },
      },
    ],
    hint: "the Application CRD comes with the Argo CD chart; rerun once the argocd step succeeded.",
  };
}

export function wavesStep(input: PlanInput, n: Names): Step {
  const apps = input.applications.children;
  return {
    name: "waves",
    title: `Wait until every Application is Synced and Healthy (timeout ${Math.round(input.waitTimeoutMs / 60_000)} min)`,
    details: apps.map((a) => `wave ${a.wave}: ${a.name}`),
    actions: [
      {
        kind: "wait-waves",
        context: n.context,
        namespace: n.argocdNamespace,
        root: input.applications.root,
        apps,
        timeoutMs: input.waitTimeoutMs,
      },
    ],
    hint: `open the Argo CD UI (http://localhost:${input.cluster.ports.argocd}) or \`kubectl --context ${n.context} -n ${n.argocdNamespace} get applications\`; a longer --timeout helps on slow machines.`,
  };
}

/** Fills the mirror from the local Docker before any node pulls (only when the cluster has a mirror). */
function mirrorStep(input: PlanInput): Step[] {
  const mirror = input.cluster.mirror;
  if (!mirror) return [];
  const images = mirrorImages(input.config, input.cluster);
  return [
    {
      name: "mirror",
      title: `Fill the image mirror ${localRegistry.host} from the local Docker${mirror.offline ? " (offline: every image must be there)" : ""}`,
      details: [
        `registries ${mirror.registries.join(", ")} → ${mirrorEndpoint}/v2/<registry>/… (hosts.toml in ${certsDir}/<registry>/ on each node)`,
        ...images.map((i) => `${i.required ? "required" : "optional"} ${i.reference}`),
      ],
      actions: [
        // The registry container may still be starting.
        { kind: "wait-http", url: `http://${localRegistry.host}/v2/`, timeoutMs: 60_000 },
        { kind: "seed-mirror", registry: localRegistry.host, images, offline: mirror.offline },
      ],
      hint: `\`node --import tsx tools/mirror/main.ts check\` lists what the mirror lacks; seed it from a bundle with \`node --import tsx tools/mirror/main.ts seed --from <bundle.tar>\` (docs/air-gapped.md).`,
    },
  ];
}

/** The chart file bootstrap installs: --chart, or (chart mirror, no --chart) the one helm pulls into the state folder. */
export function chartFile(input: Pick<PlanInput, "chart" | "cluster" | "stateDir">): string | undefined {
  if (input.chart) return input.chart;
  return input.cluster.chartSource?.kind === "mirror"
    ? `${input.stateDir}/charts/${argocd.chart.name}-${argocd.chart.version}.tgz`
    : undefined;
}

/** Pushes the pinned chart to the chart mirror, pulling it first when no --chart was given (only with a chart mirror). */
function chartStep(input: PlanInput, n: Names): Step[] {
  const source = input.cluster.chartSource;
  const file = chartFile(input);
  if (source?.kind !== "mirror" || !file) return [];
  const repo = new URL(source.repoURL).pathname.replace(/^\//, "").replace(/\.git$/, "");
  const server = `http://127.0.0.1:${input.cluster.ports.gitServer}`;
  const pull: CommandAction[] = input.chart
    ? []
    : [
        { kind: "command", argv: ["mkdir", "-p", dirname(file)] },
        {
          kind: "command",
          argv: [
            "helm",
            "pull",
            argocd.chart.name,
            "--repo",
            argocd.chart.repository,
            "--version",
            argocd.chart.version,
            "--destination",
            dirname(file),
          ],
          skipIf: { kind: "command", argv: ["test", "-s", file], describe: `${file} exists` },
          timeoutMs: 300_000,
        },
      ];
  return [
    {
      name: "chart",
      title: `Push the ${argocd.chart.name} chart ${argocd.chart.version} to the chart mirror ${source.repoURL}`,
      details: [
        `from ${file}${input.chart ? " (--chart)" : ` (helm pull from ${argocd.chart.repository})`}`,
        `tag ${chartMirrorTag(argocd.chart.version)}, which the ${n.argocdRelease} Application's targetRevision names: Argo CD never reaches the chart repository`,
      ],
      actions: [
        ...pull,
        {
          kind: "chart-mirror",
          file,
          pushURL: `${server}/${repo}.git`,
          reposAPI: `${server}/api/repos`,
          repo,
          tag: chartMirrorTag(argocd.chart.version),
        },
      ],
      hint: `the chart file must be the ${argocd.chart.name} ${argocd.chart.version} .tgz; \`docker logs ${n.gitContainer}\` shows the git server's side.`,
    },
  ];
}

/** Pushes the pinned CRDs to the CRD mirror on the local git server (only when the cluster reads them there). */
function crdsStep(input: PlanInput): Step[] {
  const source = input.cluster.crdSource;
  if (source.kind !== "mirror") return [];
  const repo = new URL(source.repoURL).pathname.replace(/^\//, "").replace(/\.git$/, "");
  const server = `http://127.0.0.1:${input.cluster.ports.gitServer}`;
  const version = input.config.versions.prometheusOperator;
  const offline = input.cluster.mirror?.offline ?? false;
  return [
    {
      name: "crds",
      title: `Push the prometheus-operator ${version} CRDs to the CRD mirror ${source.repoURL}`,
      details: [
        `from ${prometheusOperator.goModule}@${version} in the Go module cache${offline ? "" : `, or else ${prometheusOperator.crdURL(version, "*.yaml")}`}`,
        `path ${source.path}, which the crds Application reads: Argo CD never reaches GitHub`,
      ],
      actions: [
        {
          kind: "crd-mirror",
          version,
          path: source.path,
          pushURL: `${server}/${repo}.git`,
          reposAPI: `${server}/api/repos`,
          repo,
          offline,
        },
      ],
      hint: "offline, the CRDs come only from the Go module cache: `go mod download` the pinned prometheus-operator module on a connected machine.",
    },
  ];
}

/** The full bring-up, in order. */
export function upPlan(input: PlanInput): Plan {
  const n = names(input);
  return {
    mode: "up",
    cluster: input.cluster.name,
    steps: [
      toolsStep(input),
      registryStep(input, n),
      ...mirrorStep(input),
      clusterStep(input, n),
      imagesStep(input),
      stateStep(input, n),
      gitStep(input, n),
      ...chartStep(input, n),
      ...crdsStep(input),
      secretsStep(input, n),
      argocdStep(input, n),
      rootStep(input, n),
      wavesStep(input, n),
    ],
  };
}

/**
 * Removes what upPlan created: cluster, registry, git server with its data, the git remote and local state.
 * Only Docker is needed: the cluster's node containers are removed as `kind delete cluster` does (with their
 * anonymous volumes), and its kubeconfig entries with kubectl when kubectl is there. No tool is downloaded.
 */
export function downPlan(input: PlanInput): Plan {
  const n = names(input);
  const kubeconfigEntry = (what: "context" | "cluster" | "user"): CommandAction => ({
    kind: "command",
    argv: ["kubectl", "config", `delete-${what}`, n.context],
    skipIf: {
      kind: "command",
      // get-clusters and get-users print one name a line under a NAME header; get-contexts needs -o name for that.
      argv: [
        "kubectl",
        "config",
        ...(what === "context" ? ["get-contexts", "-o", "name"] : [what === "cluster" ? "get-clusters" : "get-users"]),
      ],
      stdout: `^${n.context.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`,
      negate: true,
      describe: `kubeconfig has no ${what} ${n.context} (or kubectl is not installed)`,
    },
  });
  return {
    mode: "down",
    cluster: input.cluster.name,
    steps: [
      {
        name: "cluster",
        title: `Delete the Kind cluster ${n.kindCluster}: its node containers and kubeconfig entries`,
        details: [`containers ${n.nodes.join(", ")}`, `kubeconfig context, cluster and user ${n.context}`],
        actions: [
          ...n.nodes.map((node): CommandAction => ({
            kind: "command",
            argv: ["docker", "rm", "-f", "-v", node],
            skipIf: containerExists(node, true),
          })),
          kubeconfigEntry("context"),
          kubeconfigEntry("cluster"),
          kubeconfigEntry("user"),
        ],
        hint: `\`docker ps -a --filter label=io.x-k8s.kind.cluster=${n.kindCluster}\` lists what is left (\`kind delete cluster --name ${n.kindCluster}\` removes it too).`,
      },
      {
        name: "containers",
        title: `Remove the registry ${n.registry} and the git server ${n.gitContainer} with its data`,
        details: [`containers ${n.registry}, ${n.gitContainer}`, `volume ${n.gitVolume}`, "network kind, once nothing uses it"],
        actions: [
          { kind: "command", argv: ["docker", "rm", "-f", "-v", n.registry], skipIf: containerExists(n.registry, true) },
          { kind: "command", argv: ["docker", "rm", "-f", n.gitContainer], skipIf: containerExists(n.gitContainer, true) },
          {
            kind: "command",
            argv: ["docker", "volume", "rm", n.gitVolume],
            skipIf: {
              kind: "command",
              argv: ["docker", "volume", "inspect", n.gitVolume],
              negate: true,
              describe: `no volume ${n.gitVolume}`,
            },
          },
          // kind creates the `kind` network and never removes it; left alone while other containers use it.
          {
            kind: "command",
            argv: ["docker", "network", "rm", "kind"],
            skipIf: {
              kind: "command",
              argv: [
                "sh",
                "-c",
                `docker network inspect kind >/dev/null 2>&1 && [ -z "$(docker network inspect -f '{{range .Containers}}x{{end}}' kind)" ]`,
              ],
              negate: true,
              describe: "no kind network, or other containers still use it",
            },
          },
        ],
        hint: "`docker ps -a`, `docker volume ls` and `docker network ls` show what is left.",
      },
      {
        name: "local",
        title: `Remove the git remote ${n.gitRemote} and ${input.stateDir}/`,
        details: [`${input.stateDir}/ (the local secrets)`, `${input.binDir}/ (downloaded tools) is kept`],
        actions: [
          {
            kind: "command",
            argv: ["git", "remote", "remove", n.gitRemote],
            skipIf: {
              kind: "command",
              argv: ["git", "remote", "get-url", n.gitRemote],
              negate: true,
              describe: `no git remote ${n.gitRemote}`,
            },
          },
          { kind: "remove", path: input.stateDir },
        ],
        hint: `remove ${input.stateDir}/ by hand if it is still there.`,
      },
    ],
  };
}

/** What --down is about to remove, printed before it asks (or refuses without a terminal). */
export function formatRemovals(plan: Plan): string {
  const lines = plan.steps.flatMap((step) => [`  - ${step.title}`, ...step.details.map((detail) => `      ${detail}`)]);
  return `--down removes, for cluster ${plan.cluster}:\n${lines.join("\n")}`;
}

/** Copies `value`, replacing every SecretRef with `resolve(name)`. */
export function fillSecrets<T>(value: T, resolve: (name: SecretName) => string): T {
  if (isSecretRef(value)) return resolve(value.secret) as T;
  if (Array.isArray(value)) return value.map((item) => fillSecrets(item, resolve)) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillSecrets(item, resolve)])) as T;
  }
  return value;
}

const placeholder = (name: SecretName) => `<secret:${name}>`;

/**
 * A YAML stream of objects, as fed to kubectl or helm. Every string is double-quoted: js-yaml writes YAML 1.2,
 * while Helm and kubectl read YAML 1.1, where a plain `1_000`, `0x1F`, `yes` or `1e3` is a number or a boolean.
 */
export function yamlStream(objects: readonly object[]): string {
  return objects
    .map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1, sortKeys: false, forceQuotes: true, quotingType: '"' }))
    .join("---\n");
}

/** Shell-like rendering of argv for humans; secrets show as `<secret:name>`. */
export function formatArgv(argv: readonly Value[]): string {
  return argv
    .map((arg) => (isSecretRef(arg) ? placeholder(arg.secret) : arg))
    .map((arg) => (/^[\w@%+=:,./<>-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
    .join(" ");
}

function formatProbe(probe: Probe | undefined): string {
  return probe ? `    skipped when: ${probe.describe}\n` : "";
}

function formatAction(action: Action): string {
  switch (action.kind) {
    case "command": {
      const env = Object.entries(action.env ?? {})
        .map(([k, v]) => `${k}=${isSecretRef(v) ? placeholder(v.secret) : v} `)
        .join("");
      let text = `  $ ${env}${formatArgv(action.argv)}\n${formatProbe(action.skipIf)}`;
      if (action.stdin) {
        const body = "text" in action.stdin ? action.stdin.text : yamlStream(fillSecrets(action.stdin.objects, placeholder));
        text += `    stdin:\n${body.replace(/\n$/, "").replace(/^/gm, "      ")}\n`;
      }
      return text;
    }
    case "download":
      return `  download ${action.url}\n    sha256 ${action.sha256}${action.archiveMember ? `, extract ${action.archiveMember}` : ""} → ${action.binDir}/${action.tool}\n${formatProbe(action.skipIf)}`;
    case "secrets":
      return `  load or generate ${action.path}\n`;
    case "wait-http":
      return `  wait for ${action.url} (up to ${action.timeoutMs / 1000}s)\n`;
    case "wait-waves":
      return `  watch argoproj.io Applications in ${action.namespace} (context ${action.context}): ${action.root}, then ${action.apps.map((a) => `${a.name}@${a.wave}`).join(" → ")}\n`;
    case "remove":
      return `  remove ${action.path}/\n`;
    case "seed-mirror":
      return `  push the ${action.images.length} images above from the local Docker to ${action.registry} as ${action.registry}/<registry>/<repository>:<tag> (those it lacks)${action.offline ? "; fail naming any required image found nowhere" : ""}\n`;
    case "chart-mirror":
      return `  check ${action.file} is the pinned chart, unpack it, commit and tag ${action.tag}, push to ${action.pushURL}\n`;
    case "crd-mirror":
      return `  write the ${action.version} CRDs and their kustomization.yaml into ${action.path}/, commit, push to ${action.pushURL}\n`;
  }
}

/** The plan for --dry-run: every step in order, each command with its arguments and every object it applies. */
export function formatPlan(plan: Plan): string {
  const lines = [`stackwave bootstrap plan (${plan.mode}, cluster ${plan.cluster}): ${plan.steps.length} steps\n`];
  plan.steps.forEach((step, i) => {
    lines.push(`\n[${i + 1}/${plan.steps.length}] ${step.name}: ${step.title}\n`);
    for (const detail of step.details) lines.push(`  · ${detail}\n`);
    for (const action of step.actions) lines.push(formatAction(action));
  });
  return lines.join("");
}
