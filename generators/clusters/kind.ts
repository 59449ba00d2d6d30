// The Kind cluster definition: pinned node image, registry mirror, port mappings, control-plane metrics.
import type { ClusterConfig, StackConfig } from "../config.js";
import { nodePorts } from "../stack.js";
import { imageString } from "../versions.js";

/** kind.x-k8s.io/v1alpha4 Cluster, typed to the fields we use, with a validate() like the models. */
export class KindCluster {
  readonly apiVersion = "kind.x-k8s.io/v1alpha4";
  readonly kind = "Cluster";
  constructor(
    readonly name: string,
    readonly nodes: readonly {
      role: "control-plane" | "worker";
      image: string;
      kubeadmConfigPatches?: string[];
      extraPortMappings?: { containerPort: number; hostPort: number; listenAddress: string; protocol: "TCP" }[];
    }[],
    readonly containerdConfigPatches: readonly string[],
  ) {}

  validate(): void {
    const hostPorts = this.nodes.flatMap((n) => n.extraPortMappings ?? []).map((m) => m.hostPort);
    if (new Set(hostPorts).size !== hostPorts.length) throw new Error(`KindCluster.nodes[].extraPortMappings: expected distinct host ports, got ${hostPorts.join(", ")}`);
    if (this.nodes.filter((n) => n.role === "control-plane").length !== 1) throw new Error("KindCluster.nodes: expected exactly one control-plane node");
  }

  toJSON(): object {
    return { apiVersion: this.apiVersion, kind: this.kind, name: this.name, nodes: this.nodes, containerdConfigPatches: this.containerdConfigPatches };
  }
}

// kube-controller-manager, kube-scheduler, etcd and kube-proxy bind metrics to localhost by default;
// Prometheus in a pod cannot reach that (kube-prometheus tests/e2e/kind does the same).
const controlPlaneMetrics = `kind: ClusterConfiguration
controllerManager:
  extraArgs:
    bind-address: 0.0.0.0
scheduler:
  extraArgs:
    bind-address: 0.0.0.0
etcd:
  local:
    extraArgs:
      listen-metrics-urls: http://0.0.0.0:2381
`;
const kubeProxyMetrics = `kind: KubeProxyConfiguration
metricsBindAddress: 0.0.0.0:10249
`;
// containerd reads per-registry hosts.toml from here; bootstrap writes the one for the local registry.
const registryMirror = `[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "/etc/containerd/certs.d"
`;

export function kindCluster(config: StackConfig, cluster: ClusterConfig): KindCluster {
  const image = imageString(config.images.kindNode);
  const mappings = (Object.keys(nodePorts) as (keyof typeof nodePorts)[]).map((key) => ({
    containerPort: nodePorts[key],
    hostPort: cluster.ports[key],
    listenAddress: "127.0.0.1",
    protocol: "TCP" as const,
  }));
  return new KindCluster(
    `stackwave-${cluster.name}`,
    [
      { role: "control-plane", image, kubeadmConfigPatches: [controlPlaneMetrics, kubeProxyMetrics], extraPortMappings: mappings },
      ...Array.from({ length: cluster.workers }, () => ({ role: "worker" as const, image })),
    ],
    [registryMirror],
  );
}

