/**
 * The one place that holds every version, image and chart stackwave uses.
 * Generators, bootstrap, the simulated cluster and CI all read from here.
 */

/** A container image split into its parts so overlays can rewrite the registry or tag. */
export interface ImageRef {
  readonly registry: string;
  readonly repository: string;
  readonly tag: string;
}

/** Renders `registry/repository:tag`. */
export function imageString(image: ImageRef): string {
  return `${image.registry}/${image.repository}:${image.tag}`;
}

/** The registry bootstrap starts beside Kind; the guestbook images are pushed there. */
export const localRegistry = {
  /** Name of the registry container on the `kind` network. */
  containerName: "stackwave-registry",
  /** Host port; 5001 because macOS often holds 5000 (kind local-registry guide). */
  hostPort: 5001,
  /** How nodes and the host address it. */
  host: "localhost:5001",
  image: { registry: "docker.io", repository: "library/registry", tag: "2.8.3" },
} as const;

/** Container images, pinned. */
export const images = {
  prometheusOperator: { registry: "quay.io", repository: "prometheus-operator/prometheus-operator", tag: "v0.93.0" },
  prometheusConfigReloader: {
    registry: "quay.io",
    repository: "prometheus-operator/prometheus-config-reloader",
    tag: "v0.93.0",
  },
  kindNode: { registry: "docker.io", repository: "kindest/node", tag: "v1.32.8" },
  prometheus: { registry: "quay.io", repository: "prometheus/prometheus", tag: "v3.5.0" },
  alertmanager: { registry: "quay.io", repository: "prometheus/alertmanager", tag: "v0.28.1" },
  grafana: { registry: "docker.io", repository: "grafana/grafana", tag: "12.1.1" },
  kubeStateMetrics: { registry: "registry.k8s.io", repository: "kube-state-metrics/kube-state-metrics", tag: "v2.16.0" },
  nodeExporter: { registry: "quay.io", repository: "prometheus/node-exporter", tag: "v1.9.1" },
  blackboxExporter: { registry: "quay.io", repository: "prometheus/blackbox-exporter", tag: "v0.27.0" },
  mongodbExporter: { registry: "docker.io", repository: "percona/mongodb_exporter", tag: "0.44.0" },
  mongodb: { registry: "docker.io", repository: "library/mongo", tag: "8.0.12" },
  /** Base image of our own Dockerfiles (kept in step with apps/*\/Dockerfile, checked by a test). */
  node: { registry: "docker.io", repository: "library/node", tag: "20.19.5-bookworm-slim" },
  // Our own images: stack.ts replaces the tag with a hash of the app source (sourceTag).
  guestbookBackend: { registry: localRegistry.host, repository: "guestbook-backend", tag: "source" },
  guestbookFrontend: { registry: localRegistry.host, repository: "guestbook-frontend", tag: "source" },
  gitServer: { registry: localRegistry.host, repository: "stackwave-git-server", tag: "source" },
} as const satisfies Record<string, ImageRef>;

export type ImageName = keyof typeof images;

/** Kubernetes and the Kind node that runs it. */
export const kubernetes = {
  /** Kept equal to images.kindNode's tag (validate.ts checks it). */
  version: "v1.32.8",
} as const;

/** Upstream prometheus-operator: the operator image and the CRDs come from the same release. */
export const prometheusOperator = {
  version: "v0.93.0",
  goModule: "github.com/prometheus-operator/prometheus-operator",
  /** The CRDs are referenced upstream as raw files at the pinned tag, never committed. */
  crdURL: (version: string, file: string) =>
    `https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/${version}/example/prometheus-operator-crd/${file}`,
  /** The same files offline: `go mod download` of the module holds them under this path. */
  crdModulePath: "example/prometheus-operator-crd",
} as const;

/** Argo CD: the Helm chart version and the application version it must run. */
export const argocd = {
  /** v3.2.x: no v3.4 wave-gate regression (argo-cd#27917) and buildable from Go modules. */
  version: "v3.2.12",
  chart: { repository: "https://argoproj.github.io/argo-helm", name: "argo-cd", version: "9.1.10" },
  image: { registry: "quay.io", repository: "argoproj/argocd", tag: "v3.2.12" },
} as const;

/** CLI tools bootstrap checks (and installs into .bin/ when missing). */
export const cliTools = {
  kind: "v0.30.0",
  kubectl: "v1.32.8",
  helm: "v3.19.0",
  kustomize: "v5.7.1",
} as const;

/** Go-built tools for tests and the simulated cluster, installed into the cache by version. */
export const goTools = {
  ferretdb: { module: "github.com/FerretDB/FerretDB/cmd/ferretdb", version: "v1.24.2" },
  kustomize: { module: "sigs.k8s.io/kustomize/kustomize/v5", version: "v5.7.1" },
  kwok: { module: "sigs.k8s.io/kwok/cmd/kwok", version: "v0.7.0" },
  etcd: { module: "go.etcd.io/etcd/server/v3", version: "v3.5.21" },
  /**
   * One patch above the Kind node: the Go proxy serves no k8s.io/kube-controller-manager v0.32.8, which the
   * v1.32.8 build needs; v1.32.9 has every staging module it imports. Same minor, same APIs.
   */
  kubernetes: { module: "k8s.io/kubernetes", version: "v1.32.9" },
  prometheusOperator: { module: prometheusOperator.goModule, version: prometheusOperator.version },
  argocd: { module: "github.com/argoproj/argo-cd/v3", version: argocd.version },
} as const;
