// The app-of-apps: the root Application, one child per layer in its sync wave, Argo CD managing its own
// release, and the AppProjects that fence each of them in.
import { AppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject";
import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import type { ClusterConfig, LayerConfig, StackConfig } from "../config.js";
import { crdNames } from "../layers/crds.js";
import { component } from "../model.js";
import { scrapedNamespaces } from "../monitoring.js";
import { argocd } from "../versions.js";
import { argocdRelease, argocdValuesPath } from "./argocd.js";

const argocdNamespace = argocdRelease.namespace;
const inCluster = "https://kubernetes.default.svc";

/** AppProject names: the root's own, Argo CD's own, and the two the layers use (LayerConfig.project). */
export const projectNames = { root: "stackwave", argocd: "argocd", platform: "platform", apps: "apps" } as const;

/** The self-managed Argo CD Application. */
export const argocdAppName = "argo-cd";

/** Automated sync does not retry a failed commit on its own (DESIGN §3); back off up to 3 minutes. */
const retry = { limit: 10, backoff: { duration: "10s", factor: 2, maxDuration: "3m" } };
const finalizers = ["resources-finalizer.argocd.argoproj.io"];
const wave = (n: number) => ({ "argocd.argoproj.io/sync-wave": String(n) });

/**
 * Sync options of a layer's Application.
 * - CreateNamespace only where the project may create Namespaces (argo-cd#22869): the `apps` project
 *   may not, and its namespace comes from the crds layer in wave 0.
 * - ServerSideApply on the CRD layer: its CRDs exceed the 262144-byte last-applied annotation (argo-cd#8128).
 * - SkipDryRunOnMissingResource on every later layer: each may hold monitoring.coreos.com CRs, and after
 *   bootstrap waves no longer order syncs (#8778), so a push adding a CRD and its CRs syncs both at once.
 */
export function layerSyncOptions(layer: LayerConfig): string[] {
  return [
    ...(layer.project === projectNames.platform ? ["CreateNamespace=true"] : []),
    layer.name === "crds" ? "ServerSideApply=true" : "SkipDryRunOnMissingResource=true",
  ];
}

/** Argo CD's annotation tracking id: `<app>:<group>/<kind>:<namespace>/<name>` (util/argo/resource_tracking.go). */
export function trackingId(app: string, group: string, kind: string, namespace: string, name: string): string {
  return `${app}:${group}/${kind}:${namespace}/${name}`;
}

/**
 * The repo-server never puts its tracking id on a CRD (v3.2.11 reposerver/repository/repository.go skips
 * kube.IsCRD targets), so a CRD turning Established maps to no Application: the crds layer stayed
 * Progressing until the next poll, 3 minutes later, on every bring-up and on every CRD added later. With
 * the id set by a patch, the controller's cache maps each CRD event to this Application
 * (controller/cache/cache.go) and refreshes it at once.
 */
export function crdTrackingPatches(layer: LayerConfig): { target: { group: string; kind: string; name: string }; patch: string }[] {
  const group = "apiextensions.k8s.io";
  const kind = "CustomResourceDefinition";
  return crdNames.map((name) => ({
    target: { group, kind, name },
    // A strategic-merge patch: it adds the annotation and keeps the upstream ones.
    patch: [
      `apiVersion: ${group}/v1`,
      `kind: ${kind}`,
      "metadata:",
      `  name: ${name}`,
      "  annotations:",
      `    argocd.argoproj.io/tracking-id: ${trackingId(layer.name, group, kind, layer.namespace, name)}`,
      "",
    ].join("\n"),
  }));
}

function childApplication(cluster: ClusterConfig, layer: LayerConfig): Application {
  const own = { repoURL: cluster.repoURL, targetRevision: cluster.targetRevision };
  const kustomize = layer.name === "crds" ? { kustomize: { patches: crdTrackingPatches(layer) } } : {};
  const sources =
    layer.name === "crds" && cluster.crdSource.kind === "mirror"
      ? [
          // The mirror holds a kustomization.yaml listing its CRD files (tools/sim/stack.ts), so the patches apply.
          { repoURL: cluster.crdSource.repoURL, targetRevision: "HEAD", path: cluster.crdSource.path, ...kustomize },
          { ...own, path: "base/crds/namespaces" },
        ]
      : undefined;
  return new Application({
    metadata: { name: layer.name, namespace: argocdNamespace, annotations: wave(layer.wave), finalizers },
    spec: {
      project: layer.project,
      ...(sources ? { sources } : { source: { ...own, path: `overlays/${cluster.environment}/${layer.name}`, ...kustomize } }),
      destination: { server: inCluster, namespace: layer.namespace },
      syncPolicy: { automated: { prune: true, selfHeal: true }, retry, syncOptions: layerSyncOptions(layer) },
    },
  });
}

/**
 * Argo CD managing its own release (as argocd-autopilot does): the pinned chart plus this cluster's values
 * file from our repo. It never renders argocd-secret (createSecret: false): the chart would render it
 * without the admin hash and webhook secret bootstrap passed with --set-string and so wipe them.
 * It syncs after every layer, so a restart of Argo CD cannot hold up a wave, and it never prunes: a bad
 * render must not delete the controller that would repair it.
 */
function argocdApplication(config: StackConfig, cluster: ClusterConfig): Application {
  const lastWave = Math.max(...config.layers.map((l) => l.wave));
  return new Application({
    metadata: { name: argocdAppName, namespace: argocdNamespace, annotations: wave(lastWave + 1) },
    spec: {
      project: projectNames.argocd,
      sources: [
        {
          ...chartLocation(config, cluster),
          helm: {
            // Must equal bootstrap's release name: the chart names every object after it.
            releaseName: argocdRelease.name,
            valueFiles: [`$values/${argocdValuesPath(cluster)}`],
            valuesObject: { configs: { secret: { createSecret: false } } },
          },
        },
        { repoURL: cluster.repoURL, targetRevision: cluster.targetRevision, ref: "values" },
      ],
      destination: { server: inCluster, namespace: argocdNamespace },
      syncPolicy: {
        automated: { prune: false, selfHeal: true },
        retry,
        // The applicationsets CRD is too big for client-side apply, like ours.
        syncOptions: ["ServerSideApply=true"],
      },
    },
  });
}

/** Where the argo-cd Application reads the chart: the chart repository, or the git mirror bootstrap fills (chartSource). */
function chartLocation(config: StackConfig, cluster: ClusterConfig): { repoURL: string; targetRevision: string; chart?: string; path?: string } {
  const source = cluster.chartSource ?? { kind: "upstream" };
  return source.kind === "mirror"
    ? { repoURL: source.repoURL, path: source.path, targetRevision: chartMirrorTag(config.versions.argocdChart) }
    : { repoURL: argocd.chart.repository, chart: argocd.chart.name, targetRevision: config.versions.argocdChart };
}

/** The git tag bootstrap gives the chart mirror's commit of chart `version`, so the Application pins it. */
export const chartMirrorTag = (version: string): string => `${argocd.chart.name}-${version}`;

function projects(config: StackConfig, cluster: ClusterConfig): AppProject[] {
  const here = (namespaces: Iterable<string>) => [...new Set(namespaces)].sort().map((namespace) => ({ server: inCluster, namespace }));
  const crdRepos = cluster.crdSource.kind === "mirror" ? [cluster.crdSource.repoURL] : [];
  const namespacesOf = (project: string) => config.layers.filter((l) => l.project === project).map((l) => l.namespace);
  const rbac = (kind: string) => ({ group: "rbac.authorization.k8s.io", kind });
  const crd = { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" };
  // A wave before every Application: within one wave Argo CD orders these unknown kinds by name, so an
  // Application could otherwise be created before its project exists.
  const annotations = wave(Math.min(...config.layers.map((l) => l.wave)) - 1);
  return [
    new AppProject({
      metadata: { name: projectNames.root, namespace: argocdNamespace, annotations },
      spec: {
        description: "The root app-of-apps: Applications and AppProjects in argocd, nothing else",
        sourceRepos: [cluster.repoURL],
        destinations: here([argocdNamespace]),
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: [
          { group: "argoproj.io", kind: "Application" },
          { group: "argoproj.io", kind: "AppProject" },
        ],
      },
    }),
    new AppProject({
      metadata: { name: projectNames.argocd, namespace: argocdNamespace, annotations },
      spec: {
        description: "Argo CD's own release: the pinned chart with this repository's values",
        sourceRepos: [chartLocation(config, cluster).repoURL, cluster.repoURL],
        destinations: here([argocdNamespace]),
        clusterResourceWhitelist: [crd, rbac("ClusterRole"), rbac("ClusterRoleBinding")],
      },
    }),
    new AppProject({
      metadata: { name: projectNames.platform, namespace: argocdNamespace, annotations },
      spec: {
        description: "CRDs, the operator and the monitoring stack",
        sourceRepos: [cluster.repoURL, ...crdRepos],
        // Every namespace Prometheus scrapes gets its Role there (kube-system and default too), plus the
        // control-plane Services in kube-system and the guestbook's monitors.
        destinations: here([...namespacesOf(projectNames.platform), ...scrapedNamespaces, ...namespacesOf(projectNames.apps)]),
        clusterResourceWhitelist: [crd, { group: "", kind: "Namespace" }, rbac("ClusterRole"), rbac("ClusterRoleBinding")],
      },
    }),
    new AppProject({
      metadata: { name: projectNames.apps, namespace: argocdNamespace, annotations },
      spec: {
        description: "The guestbook: its namespace only, no cluster-scoped objects",
        sourceRepos: [cluster.repoURL],
        destinations: here(namespacesOf(projectNames.apps)),
        clusterResourceWhitelist: [],
      },
    }),
  ];
}

/**
 * Everything under clusters/<cluster>/apps/, which the root Application syncs. Bootstrap applies the
 * root's own AppProject (stackwave-appproject.yaml) before root-app.yaml; from then on the root keeps it.
 */
export const clusterApplications = component(import.meta.url, "clusterApplications", function clusterApplications(config: StackConfig, cluster: ClusterConfig) {
  // On the simulated cluster Argo CD is not a Helm release (and its chart is out of reach offline).
  const selfManaged = cluster.runtime !== "sim";
  return [
    ...projects(config, cluster).filter((p) => selfManaged || p.metadata?.name !== projectNames.argocd),
    ...config.layers.map((layer) => childApplication(cluster, layer)),
    ...(selfManaged ? [argocdApplication(config, cluster)] : []),
  ];
});

/** The root Application bootstrap applies once; Argo CD takes over from there. */
export const rootApplication = component(import.meta.url, "rootApplication", function rootApplication(_config: StackConfig, cluster: ClusterConfig) {
  return [
    new Application({
      metadata: { name: "stackwave", namespace: argocdNamespace, finalizers },
      spec: {
        project: projectNames.root,
        source: { repoURL: cluster.repoURL, targetRevision: cluster.targetRevision, path: `clusters/${cluster.name}/apps` },
        destination: { server: inCluster, namespace: argocdNamespace },
        syncPolicy: { automated: { prune: true, selfHeal: true }, retry },
      },
    }),
  ];
});

/** What bootstrap applies, in order, after `helm install`: the root's AppProject, then the root Application. */
export const rootBootstrapFiles = (cluster: Pick<ClusterConfig, "name">): readonly string[] => [
  `clusters/${cluster.name}/apps/${projectNames.root}-appproject.yaml`,
  `clusters/${cluster.name}/root-app.yaml`,
];
