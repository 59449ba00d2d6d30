// The typed shape of everything generation reads. `stack.ts` holds the data; `validate.ts` checks it.
import type { ImageName, ImageRef } from "./versions.js";

/** The layers, in the order their Argo CD sync waves must keep. */
export const layerNames = ["crds", "operator", "platform", "monitors", "apps"] as const;
export type LayerName = (typeof layerNames)[number];

/** One Kustomize base, one overlay per environment and one Argo CD Application. */
export interface LayerConfig {
  readonly name: LayerName;
  /** Argo CD sync wave of the layer's Application. Must keep crds < operator < platform ≤ monitors < apps. */
  readonly wave: number;
  /** The AppProject the Application belongs to: `platform` may create cluster-scoped kinds, `apps` may not. */
  readonly project: "platform" | "apps";
  /** Namespace the layer's namespaced objects land in. */
  readonly namespace: string;
}

/** Replica counts an environment sets. Zero is allowed (scaled down); negative is not. */
export interface ReplicaConfig {
  readonly prometheusOperator: number;
  readonly prometheus: number;
  readonly alertmanager: number;
  readonly grafana: number;
  readonly kubeStateMetrics: number;
  readonly blackboxExporter: number;
  readonly backend: number;
  readonly frontend: number;
}

/** An environment: the knobs overlays turn. */
export interface EnvironmentConfig {
  readonly name: string;
  readonly replicas: ReplicaConfig;
  /** Prometheus TSDB retention, a Prometheus duration such as `2d`. */
  readonly retention: string;
  /** Whether PodDisruptionBudgets are generated for replicated components. */
  readonly podDisruptionBudgets: boolean;
  /** What a multi-node cluster needs on top (spread, storage, ingress, database); absent for a laptop. */
  readonly production?: ProductionConfig;
  /** Where and how often Alertmanager pages; absent: PagerDuty's US endpoint and the default timers. */
  readonly paging?: PagingConfig;
}

/** The environment's changes to the generated Alertmanager configuration (components/alertmanager.ts). */
export interface PagingConfig {
  /**
   * PagerDuty Events API v2 endpoint: `https://events.eu.pagerduty.com/v2/enqueue` for an account in the EU
   * service region, or a relay's URL. Default `https://events.pagerduty.com/v2/enqueue`. The routing key is in
   * the body, so plain http is allowed only to a Service in the cluster (`*.svc`, `*.svc.cluster.local`) or loopback.
   */
  readonly pagerdutyURL?: string;
  /** Wait before notifying about changes in a group, resolves included (group_interval), e.g. `5m` (the default). */
  readonly groupInterval?: string;
}

/**
 * How an environment survives a real multi-node cluster (generators/production.ts builds the overlays).
 * Sizes are Kubernetes quantities (`20Gi`); the Prometheus retention size is Prometheus' unit (`16GiB`).
 */
export interface ProductionConfig {
  /**
   * Topology spread of every replicated workload and of the Prometheus and Alertmanager CRs. Nodes are always
   * a hard constraint (one replica per node while there are nodes enough); zones (`topology.kubernetes.io/zone`)
   * are `preferred` (spread when nodes carry the label, schedule anyway when they do not) or `required`.
   */
  readonly zoneSpread: "preferred" | "required";
  /** Prometheus' TSDB on a PersistentVolumeClaim per replica from the default StorageClass. */
  readonly prometheus: {
    /** Size of each replica's volume, e.g. `20Gi`. */
    readonly storage: string;
    /** Size-based retention besides the time-based `retention`, e.g. `16GiB`; at most 90% of `storage`. */
    readonly retentionSize: string;
  };
  /** Alertmanager's silences and notification log on a volume per replica, so they survive restarts. */
  readonly alertmanager: { readonly storage: string };
  /** The guestbook's database. */
  readonly database: DatabaseConfig;
  /** Ingress objects for Argo CD, Grafana and the guestbook; absent: none (use port-forward or NodePorts). */
  readonly ingress?: IngressConfig;
  /**
   * Registry and path the guestbook images are pulled from instead of the Kind cluster's local registry, e.g.
   * `ghcr.io/stackwave`. The tags stay the source tags; you push the images there (docs/cluster.md#images).
   */
  readonly appRegistry: string;
}

/**
 * `bundled`: the MongoDB StatefulSet of the apps layer. `external`: a managed database; its connection
 * string (without credentials) comes from the key `uri` of the `mongodb-credentials` Secret that bootstrap
 * creates from GUESTBOOK_MONGODB_URI, and the StatefulSet is not deployed.
 */
export type DatabaseConfig = { readonly kind: "bundled" } | { readonly kind: "external" };

/** The UIs an Ingress can front. */
export type IngressTarget = "argocd" | "grafana" | "guestbook";

/** networking.k8s.io/v1 Ingress settings: the class, a host per UI and the TLS Secret each host uses. */
export interface IngressConfig {
  /** spec.ingressClassName, e.g. `nginx`. */
  readonly className: string;
  /** DNS name of each UI, e.g. `grafana.example.com`. */
  readonly hosts: Readonly<Record<IngressTarget, string>>;
  /** Name of the kubernetes.io/tls Secret for each host (made by cert-manager or by hand, never in git). */
  readonly tlsSecrets: Readonly<Record<IngressTarget, string>>;
}

/** Host ports Kind maps to NodePorts, so the UIs answer on localhost. */
export interface PortConfig {
  readonly argocd: number;
  readonly grafana: number;
  readonly prometheus: number;
  readonly alertmanager: number;
  readonly guestbook: number;
  readonly gitServer: number;
}

/** Where the CRD layer takes the upstream prometheus-operator CRDs from. */
export type CrdSource =
  | { readonly kind: "upstream" }
  /** A git repo holding the same files (the simulated cluster serves them from the local git server). */
  | { readonly kind: "mirror"; readonly repoURL: string; readonly path: string };

/**
 * Every image a Kind cluster pulls goes through the local registry first (docs/air-gapped.md): containerd on
 * each node gets a certs.d/<registry>/hosts.toml per registry, bootstrap fills the registry from the local
 * Docker before the cluster starts, and preflight checks that it holds every image.
 */
export interface MirrorConfig {
  /** Upstream registries pulled through the mirror, e.g. docker.io. Must cover every registry the cluster's images name. */
  readonly registries: readonly string[];
  /**
   * true: air-gapped. bootstrap refuses to start while an image is in neither the mirror nor the local Docker,
   * naming it, and needs the argo-cd chart as a file (--chart). false: such images are pulled from upstream
   * (containerd falls back to the registry itself), and preflight only warns.
   */
  readonly offline: boolean;
}

/**
 * Where the self-managed argo-cd Application takes the chart from.
 * - `upstream`: the chart repository (argocd.chart.repository); needs internet.
 * - `mirror`: a git repo on the local git server holding the unpacked chart at `path`; bootstrap pushes the
 *   pinned chart there (from --chart, or `helm pull` when online), so Argo CD never reaches the chart repository.
 */
export type ChartSource = { readonly kind: "upstream" } | { readonly kind: "mirror"; readonly repoURL: string; readonly path: string };

/**
 * What runs the cluster.
 * - `kind`: a Kind cluster; bootstrap installs Argo CD with Helm and Argo CD then manages its own release.
 * - `sim`: the simulated cluster (docs/sim.md); Argo CD runs as local processes, so there is no Kind config and
 *   no self-managed `argo-cd` Application, and the git server listens on 127.0.0.1 at `ports.gitServer`.
 * - `existing`: any cluster a kubeconfig context reaches (docs/cluster.md); no Kind, no local registry and no
 *   local git server: Argo CD clones `repoURL` (https or ssh) with credentials bootstrap puts in a repository Secret.
 */
export type ClusterRuntime = "kind" | "sim" | "existing";

/** A cluster: a Kind cluster (or the simulated one) that runs one environment. */
export interface ClusterConfig {
  readonly name: string;
  /** What runs it. Default for new clusters: `kind`. */
  readonly runtime: ClusterRuntime;
  /** Name of the environment whose overlays the cluster's Applications use. */
  readonly environment: string;
  /** Number of Kind worker nodes besides the control plane. */
  readonly workers: number;
  /** The git URL Argo CD clones; the git server's webhook html_url must match its host and path. */
  readonly repoURL: string;
  /** Branch the Applications track; the webhook refreshes apps on this branch. */
  readonly targetRevision: string;
  /** Host ports (a `sim` cluster uses only gitServer). */
  readonly ports: PortConfig;
  readonly crdSource: CrdSource;
  /** Pull every upstream registry through the local registry (Kind only). Absent: nodes pull from upstream. */
  readonly mirror?: MirrorConfig;
  /** Where the self-managed argo-cd Application takes the chart from (Kind only). Absent: upstream. */
  readonly chartSource?: ChartSource;
  /** The kubeconfig context an `existing` cluster is reached through; bootstrap's --context wins over it. */
  readonly context?: string;
}

/** Versions that are not image tags: what Kind runs, where CRDs come from, which chart installs Argo CD. */
export interface VersionConfig {
  readonly kubernetes: string;
  /** The prometheus-operator release the CRDs are taken from; the operator image should match it. */
  readonly prometheusOperator: string;
  readonly argocd: string;
  readonly argocdChart: string;
}

/** Everything generation reads: versions and images, layers, environments and clusters. */
export interface StackConfig {
  /** Pinned versions of what is referenced rather than run as an image. */
  readonly versions: VersionConfig;
  readonly images: Readonly<Record<ImageName, ImageRef>>;
  readonly layers: readonly LayerConfig[];
  readonly environments: readonly EnvironmentConfig[];
  readonly clusters: readonly ClusterConfig[];
}
