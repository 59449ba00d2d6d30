// What an environment asks the scheduler for: the CPU and memory requests of every pod its overlays run,
// times their replicas, plus Argo CD's from the cluster's Helm values. Bootstrap's preflight compares this
// with the nodes' allocatable resources before it installs anything on an existing cluster.
import type { ClusterConfig, EnvironmentConfig, StackConfig } from "./config.js";
import { argocdValues } from "./clusters/argocd.js";
import type { Layer } from "./layer.js";
import { quantityValue } from "./validate.js";

/** CPU in millicores, memory in bytes. */
export interface Amount {
  readonly cpuMillis: number;
  readonly memoryBytes: number;
}

/** The environment's requests: in total, per node (DaemonSets) and of its largest pod. */
export interface Requests {
  /** Every replica of every Deployment, StatefulSet and operator-managed pod, and Argo CD. */
  readonly total: Amount;
  /** What each node runs besides: the DaemonSets' pods. */
  readonly perNode: Amount;
  /** The single pod with the biggest request: some node must have room for it. */
  readonly largest: Amount & { readonly name: string };
  readonly pods: number;
}

/** prometheus-operator's default requests for the config-reloader sidecar (cmd/operator/main.go, v0.93.0). */
export const reloaderRequests: Amount = { cpuMillis: 10, memoryBytes: 50 * 2 ** 20 };

type Sized = { resources?: { requests?: Record<string, unknown> } };

function amount(containers: readonly Sized[]): Amount {
  let cpuMillis = 0;
  let memoryBytes = 0;
  for (const c of containers) {
    cpuMillis += Math.round((quantityValue(c.resources?.requests?.cpu) ?? 0) * 1000);
    memoryBytes += quantityValue(c.resources?.requests?.memory) ?? 0;
  }
  return { cpuMillis, memoryBytes };
}

const add = (a: Amount, b: Amount, times = 1): Amount => ({
  cpuMillis: a.cpuMillis + b.cpuMillis * times,
  memoryBytes: a.memoryBytes + b.memoryBytes * times,
});

interface Obj {
  readonly kind: string;
  readonly metadata?: { readonly name?: string };
  readonly spec?: {
    readonly replicas?: number;
    readonly resources?: Sized["resources"];
    readonly template?: { readonly spec?: { readonly containers?: readonly Sized[] } };
  };
}

/** The requests of the `env` overlays of `layers`, and of Argo CD as `cluster`'s values size it. */
export function environmentRequests(
  config: StackConfig,
  env: EnvironmentConfig,
  layers: readonly Layer[],
  cluster?: ClusterConfig,
): Requests {
  let total: Amount = { cpuMillis: 0, memoryBytes: 0 };
  let perNode: Amount = { cpuMillis: 0, memoryBytes: 0 };
  let largest: Amount & { name: string } = { cpuMillis: 0, memoryBytes: 0, name: "none" };
  let pods = 0;
  const count = (name: string, pod: Amount, replicas: number) => {
    if (replicas <= 0) return;
    total = add(total, pod, replicas);
    pods += replicas;
    if (pod.cpuMillis > largest.cpuMillis || (pod.cpuMillis === largest.cpuMillis && pod.memoryBytes > largest.memoryBytes))
      largest = { ...pod, name };
  };
  const external = env.production?.database.kind === "external";
  for (const layer of layers) {
    const overlay = layer.overlay(config, env);
    const replicas = new Map(overlay.replicas.map((r) => [r.name, r.count]));
    for (const group of layer.base(config))
      for (const object of group.objects) {
        const o = object.toJSON() as Obj;
        const name = o.metadata?.name ?? "unnamed";
        const template = o.spec?.template?.spec;
        const pod = (containers: readonly Sized[] = []) => amount(containers);
        switch (o.kind) {
          case "Deployment":
            count(name, pod(template?.containers), replicas.get(name) ?? o.spec?.replicas ?? 1);
            break;
          case "StatefulSet":
            // The external database replaces the bundled one (the overlay deletes it).
            if (!(external && name === "mongodb")) count(name, pod(template?.containers), replicas.get(name) ?? o.spec?.replicas ?? 1);
            break;
          case "DaemonSet":
            perNode = add(perNode, pod(template?.containers));
            break;
          case "Prometheus":
          case "Alertmanager": {
            const n = o.kind === "Prometheus" ? env.replicas.prometheus : env.replicas.alertmanager;
            count(`${o.kind.toLowerCase()}-${name}`, add(pod([{ resources: o.spec?.resources }]), reloaderRequests), n);
            break;
          }
        }
      }
  }
  if (cluster) {
    // Argo CD's components as the generated values size them (one replica each; the ApplicationSet controller is off).
    const values = argocdValues(config, cluster).values as Record<string, { resources?: Sized["resources"] } | undefined>;
    for (const component of ["server", "controller", "repoServer", "redis"])
      count(`argocd-${component}`, amount([{ resources: values[component]?.resources }]), 1);
  }
  return { total, perNode, largest, pods };
}
