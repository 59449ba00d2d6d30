// stackwave's own configuration: the layers, the environments and the clusters.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterConfig, EnvironmentConfig, LayerConfig, StackConfig } from "./config.js";
import { repoRoot } from "./paths.js";
import { argocd, images, kubernetes, mirroredRegistries, prometheusOperator } from "./versions.js";

export const layers: readonly LayerConfig[] = [
  { name: "crds", wave: 0, project: "platform", namespace: "monitoring" },
  { name: "operator", wave: 1, project: "platform", namespace: "monitoring" },
  { name: "platform", wave: 2, project: "platform", namespace: "monitoring" },
  { name: "monitors", wave: 3, project: "platform", namespace: "monitoring" },
  { name: "apps", wave: 4, project: "apps", namespace: "guestbook" },
];

export const environments: readonly EnvironmentConfig[] = [
  {
    name: "local",
    replicas: {
      prometheusOperator: 1,
      prometheus: 1,
      alertmanager: 1,
      grafana: 1,
      kubeStateMetrics: 1,
      blackboxExporter: 1,
      backend: 1,
      frontend: 1,
    },
    retention: "2d",
    podDisruptionBudgets: false,
  },
  {
    name: "ha",
    replicas: {
      prometheusOperator: 1,
      prometheus: 2,
      alertmanager: 3,
      // One each: a second unsharded kube-state-metrics duplicates every series, a second Grafana its sessions.
      grafana: 1,
      kubeStateMetrics: 1,
      blackboxExporter: 2,
      backend: 3,
      frontend: 2,
    },
    retention: "15d",
    podDisruptionBudgets: true,
    production: {
      zoneSpread: "preferred",
      prometheus: { storage: "20Gi", retentionSize: "16GiB" },
      alertmanager: { storage: "1Gi" },
      database: { kind: "bundled" },
      // Where your CI pushes the guestbook images (docs/cluster.md#images).
      appRegistry: "ghcr.io/stackwave",
      // example.com names (RFC 2606): put your own hosts and TLS Secrets here (docs/cluster.md).
      ingress: {
        className: "nginx",
        hosts: { argocd: "argocd.example.com", grafana: "grafana.example.com", guestbook: "guestbook.example.com" },
        tlsSecrets: { argocd: "argocd-tls", grafana: "grafana-tls", guestbook: "guestbook-tls" },
      },
    },
  },
];

/** NodePorts of the UIs; Kind maps each to the cluster's host port of the same key. */
export const nodePorts = { argocd: 30080, grafana: 30300, prometheus: 30090, alertmanager: 30093, guestbook: 30800 } as const;

/** Host ports shared by the clusters (one cluster runs at a time). */
const ports = { argocd: 8080, grafana: 3000, prometheus: 9090, alertmanager: 9093, guestbook: 8000, gitServer: 8070 };

/** Where the simulated cluster's git server listens: fixed, because the generated Applications name it. */
const simGit = "http://127.0.0.1:18070";

export const clusters: readonly ClusterConfig[] = [
  {
    name: "local",
    runtime: "kind",
    environment: "local",
    workers: 0,
    // Argo CD reaches the git server container by name on the `kind` network.
    repoURL: "http://stackwave-git:8080/stackwave.git",
    targetRevision: "main",
    ports,
    // The CRDs from the git server too: bootstrap pushes the pinned ones there (from the Go module cache, or
    // GitHub when online), so the repo-server needs no internet.
    crdSource: { kind: "mirror", repoURL: "http://stackwave-git:8080/prometheus-operator.git", path: "example/prometheus-operator-crd" },
    // Every image through the local registry (docs/air-gapped.md); what it lacks still comes from upstream.
    mirror: { registries: mirroredRegistries, offline: false },
    // The pinned chart from the git server: bootstrap pushes it there (--chart <tgz>, or helm pull when online).
    chartSource: { kind: "mirror", repoURL: "http://stackwave-git:8080/argo-cd-chart.git", path: argocd.chart.name },
  },
  {
    // The `local` environment on the simulated cluster (docs/sim.md). It differs from `local` only where the
    // simulation needs it: Argo CD clones from loopback, and reads the CRDs from a mirror of the pinned
    // prometheus-operator module on the same git server, because the repo-server has no internet.
    name: "sim",
    runtime: "sim",
    environment: "local",
    workers: 0,
    repoURL: `${simGit}/stackwave.git`,
    targetRevision: "main",
    ports: { ...ports, gitServer: Number(new URL(simGit).port) },
    crdSource: { kind: "mirror", repoURL: `${simGit}/prometheus-operator.git`, path: "example/prometheus-operator-crd" },
  },
  {
    // The `ha` environment on a cluster you already have (docs/cluster.md): `npx zx bootstrap.mjs --cluster prod
    // --context <kubeconfig context>`. Point repoURL at your fork; Argo CD reads it with the credentials bootstrap
    // puts into a repository Secret (STACKWAVE_GIT_USERNAME/STACKWAVE_GIT_TOKEN or STACKWAVE_GIT_SSH_KEY_FILE).
    name: "prod",
    runtime: "existing",
    environment: "ha",
    workers: 0,
    repoURL: "https://github.com/stackwave/stackwave.git",
    targetRevision: "main",
    ports,
    crdSource: { kind: "upstream" },
  },
];

/**
 * Content-addressed tag of an app's source: it changes exactly when the image would, and, unlike the
 * commit sha, it does not depend on the manifests that carry it. Only files git would commit count, so
 * a clean clone computes the same tag as a working tree with build output or logs in it.
 */
export function sourceTag(appDir: string): string {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."], {
    cwd: appDir,
    encoding: "utf8",
  });
  const hash = createHash("sha256");
  for (const file of listed.split("\0").filter(Boolean).sort()) {
    const path = join(appDir, file);
    if (existsSync(path)) hash.update(file).update("\0").update(readFileSync(path)).update("\0");
  }
  return `src-${hash.digest("hex").slice(0, 12)}`;
}

/** The default configuration: versions.ts plus the data above, with the guestbook images tagged by source. */
export function defaultConfig(): StackConfig {
  const app = (name: string) => join(repoRoot, "apps", name);
  return {
    versions: {
      kubernetes: kubernetes.version,
      prometheusOperator: prometheusOperator.version,
      argocd: argocd.version,
      argocdChart: argocd.chart.version,
    },
    images: {
      ...images,
      guestbookBackend: { ...images.guestbookBackend, tag: sourceTag(app("backend")) },
      guestbookFrontend: { ...images.guestbookFrontend, tag: sourceTag(app("frontend")) },
      gitServer: { ...images.gitServer, tag: sourceTag(app("git-server")) },
    },
    layers,
    environments,
    clusters,
  };
}
