// The app-of-apps: the root Application, one child per layer in its sync wave, and the AppProjects.
import { AppProject, Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";
import type { ClusterConfig, LayerConfig, StackConfig } from "../config.js";
import { component } from "../model.js";

const argocdNamespace = "argocd";
const inCluster = "https://kubernetes.default.svc";

function childApplication(config: StackConfig, cluster: ClusterConfig, layer: LayerConfig): Application {
  const own = { repoURL: cluster.repoURL, targetRevision: cluster.targetRevision };
  const sources =
    layer.name === "crds" && cluster.crdSource.kind === "mirror"
      ? [
          { repoURL: cluster.crdSource.repoURL, targetRevision: "HEAD", path: cluster.crdSource.path },
          { ...own, path: "base/crds/namespaces" },
        ]
      : undefined;
  const syncOptions = [
    ...(layer.project === "platform" ? ["CreateNamespace=true"] : []),
    // The CRDs exceed the 262144-byte last-applied annotation (argo-cd#8128).
    ...(layer.name === "crds" ? ["ServerSideApply=true"] : ["SkipDryRunOnMissingResource=true"]),
  ];
  return new Application({
    metadata: {
      name: layer.name,
      namespace: argocdNamespace,
      annotations: { "argocd.argoproj.io/sync-wave": String(layer.wave) },
      finalizers: ["resources-finalizer.argocd.argoproj.io"],
    },
    spec: {
      project: layer.project,
      ...(sources ? { sources } : { source: { ...own, path: `overlays/${cluster.environment}/${layer.name}` } }),
      destination: { server: inCluster, namespace: layer.namespace },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        retry: { limit: 10, backoff: { duration: "10s", factor: 2, maxDuration: "3m" } },
        syncOptions,
      },
    },
  });
}

function projects(config: StackConfig, cluster: ClusterConfig): AppProject[] {
  const repos = [cluster.repoURL, ...(cluster.crdSource.kind === "mirror" ? [cluster.crdSource.repoURL] : [])];
  const platformNamespaces = [...new Set([...config.layers.filter((l) => l.project === "platform").map((l) => l.namespace), "kube-system", "guestbook"])].sort();
  const appNamespaces = [...new Set(config.layers.filter((l) => l.project === "apps").map((l) => l.namespace))].sort();
  return [
    new AppProject({
      metadata: { name: "platform", namespace: argocdNamespace },
      spec: {
        description: "CRDs, the operator and the monitoring stack",
        sourceRepos: repos,
        destinations: platformNamespaces.map((namespace) => ({ server: inCluster, namespace })),
        clusterResourceWhitelist: [
          { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" },
          { group: "", kind: "Namespace" },
          { group: "rbac.authorization.k8s.io", kind: "ClusterRole" },
          { group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding" },
        ],
      },
    }),
    new AppProject({
      metadata: { name: "apps", namespace: argocdNamespace },
      spec: {
        description: "The guestbook: its namespace only, no cluster-scoped objects",
        sourceRepos: [cluster.repoURL],
        destinations: appNamespaces.map((namespace) => ({ server: inCluster, namespace })),
        clusterResourceWhitelist: [],
      },
    }),
  ];
}

/** Everything under clusters/<cluster>/apps/, which the root Application syncs. */
export const clusterApplications = component(import.meta.url, function clusterApplications(config: StackConfig, cluster: ClusterConfig) {
  return [...projects(config, cluster), ...config.layers.map((layer) => childApplication(config, cluster, layer))];
});

/** The root Application bootstrap applies once; Argo CD takes over from there. */
export const rootApplication = component(import.meta.url, function rootApplication(_config: StackConfig, cluster: ClusterConfig) {
  return [
    new Application({
      metadata: { name: "stackwave", namespace: argocdNamespace, finalizers: ["resources-finalizer.argocd.argoproj.io"] },
      spec: {
        project: "default",
        source: { repoURL: cluster.repoURL, targetRevision: cluster.targetRevision, path: `clusters/${cluster.name}/apps` },
        destination: { server: inCluster, namespace: argocdNamespace },
        syncPolicy: { automated: { prune: true, selfHeal: true }, retry: { limit: 10, backoff: { duration: "10s", factor: 2, maxDuration: "3m" } } },
      },
    }),
  ];
});
