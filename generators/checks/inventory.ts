// The rendered objects, indexed for the checks: namespaces, Services and every pod template, including
// the pods the operator makes from Prometheus and Alertmanager resources and what the cluster itself runs.
import { clusterNamespaces, clusterPods, clusterServices, kubeletService } from "./cluster.js";
import { matches, type Labels, type Selector } from "./labels.js";

/** A rendered object as plain JSON; the checks read only these fields. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Labels };
  // Specs differ per kind; each check narrows what it reads.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly spec?: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly [field: string]: any;
}

/** Where an indexed object comes from: a generator, the operator (from a CR) or the cluster itself. */
export type Origin = "generated" | "operator" | "cluster";

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: string;
}

/** The pods one workload runs: their labels and every container port. */
export interface PodTemplate {
  readonly origin: Origin;
  /** Deployment, StatefulSet, DaemonSet, static Pod, or the CR the operator turns into a StatefulSet. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly ports: readonly ContainerPort[];
  /** NetworkPolicies do not apply to host-network pods. */
  readonly hostNetwork: boolean;
  readonly serviceAccount?: string;
}

export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort: number | string;
  readonly protocol: string;
}

export interface Service {
  readonly origin: Origin;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  /** Absent when something else manages the endpoints (the apiserver, the operator's kubelet Service). */
  readonly selector?: Labels;
  readonly ports: readonly ServicePort[];
}

export interface Inventory {
  readonly objects: readonly Manifest[];
  /** Labels of every namespace, including the automatic kubernetes.io/metadata.name. */
  readonly namespaces: ReadonlyMap<string, Labels>;
  readonly services: readonly Service[];
  readonly pods: readonly PodTemplate[];
  ofKind(kind: string): readonly Manifest[];
}

/** `kind namespace/name`, how every message names an object. */
export function ref(object: { readonly kind: string; readonly namespace?: string; readonly name: string }): string {
  return `${object.kind} ${object.namespace ? `${object.namespace}/` : ""}${object.name}`;
}

export const refOf = (m: Manifest) => ref({ kind: m.kind, namespace: m.metadata.namespace, name: m.metadata.name });

export const nsOf = (m: Manifest) => m.metadata.namespace ?? "default";

const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

interface Container {
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number; readonly protocol?: string }[];
}

function containerPorts(containers: readonly Container[] | undefined): ContainerPort[] {
  return (containers ?? []).flatMap((c) =>
    (c.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.containerPort, protocol: p.protocol ?? "TCP" })),
  );
}

function workload(m: Manifest): PodTemplate {
  const pod = m.spec.template;
  return {
    origin: "generated",
    kind: m.kind,
    namespace: nsOf(m),
    name: m.metadata.name,
    labels: pod.metadata?.labels ?? {},
    ports: containerPorts(pod.spec?.containers),
    hostNetwork: pod.spec?.hostNetwork === true,
    serviceAccount: pod.spec?.serviceAccountName ?? "default",
  };
}

/**
 * The pods prometheus-operator v0.93 makes of a Prometheus or Alertmanager: podMetadata labels plus its
 * selector labels (pkg/prometheus/server/operator.go and pkg/alertmanager/operator.go makeSelectorLabels),
 * the server's web port and the config-reloader's (pkg/operator/config_reloader.go).
 */
function operated(m: Manifest): PodTemplate {
  const name = m.metadata.name;
  const common = { "app.kubernetes.io/managed-by": "prometheus-operator", "app.kubernetes.io/instance": name };
  const own =
    m.kind === "Prometheus"
      ? {
          ...common,
          "app.kubernetes.io/name": "prometheus",
          "operator.prometheus.io/name": name,
          "operator.prometheus.io/shard": "0",
          prometheus: name,
        }
      : { ...common, "app.kubernetes.io/name": "alertmanager", alertmanager: name };
  const web = m.kind === "Prometheus" ? 9090 : 9093;
  const ports: ContainerPort[] = [
    { name: m.spec?.portName ?? "web", containerPort: web, protocol: "TCP" },
    ...(m.kind === "Alertmanager"
      ? [
          { name: "mesh-tcp", containerPort: 9094, protocol: "TCP" },
          { name: "mesh-udp", containerPort: 9094, protocol: "UDP" },
        ]
      : []),
    { name: "reloader-web", containerPort: 8080, protocol: "TCP" },
    ...containerPorts(m.spec?.containers),
  ];
  return {
    origin: "operator",
    kind: m.kind,
    namespace: nsOf(m),
    name,
    labels: { ...(m.spec?.podMetadata?.labels ?? {}), ...own },
    ports,
    hostNetwork: m.spec?.hostNetwork === true,
    serviceAccount: m.spec?.serviceAccountName ?? "default",
  };
}

function service(m: Manifest): Service {
  return {
    origin: "generated",
    namespace: nsOf(m),
    name: m.metadata.name,
    labels: m.metadata.labels ?? {},
    ...(m.spec?.selector ? { selector: m.spec.selector } : {}),
    ports: (m.spec?.ports ?? []).map((p: ServicePort) => ({
      ...(p.name ? { name: p.name } : {}),
      port: p.port,
      targetPort: p.targetPort ?? p.port,
      protocol: p.protocol ?? "TCP",
    })),
  };
}

/** `--kubelet-service=<ns>/<name>` of any generated operator container. */
function kubeletServices(objects: readonly Manifest[]): Service[] {
  return objects
    .filter((m) => workloadKinds.has(m.kind))
    .flatMap((m) => (m.spec.template.spec?.containers ?? []).flatMap((c: { args?: string[] }) => c.args ?? []))
    .map((arg: string) => /^--kubelet-service=([^/]+)\/(.+)$/.exec(arg))
    .filter((hit): hit is RegExpExecArray => hit !== null)
    .map((hit) => kubeletService(hit[1]!, hit[2]!));
}

/** Indexes `objects` together with what the cluster and the operator add. */
export function inventory(objects: readonly Manifest[]): Inventory {
  const namespaces = new Map<string, Labels>();
  for (const name of clusterNamespaces) namespaces.set(name, { "kubernetes.io/metadata.name": name });
  for (const m of objects.filter((o) => o.kind === "Namespace"))
    namespaces.set(m.metadata.name, { ...(m.metadata.labels ?? {}), "kubernetes.io/metadata.name": m.metadata.name });
  return {
    objects,
    namespaces,
    services: [...objects.filter((m) => m.kind === "Service").map(service), ...clusterServices, ...kubeletServices(objects)],
    pods: [
      ...objects.filter((m) => workloadKinds.has(m.kind)).map(workload),
      ...objects.filter((m) => m.kind === "Prometheus" || m.kind === "Alertmanager").map(operated),
      ...clusterPods,
    ],
    ofKind: (kind) => objects.filter((m) => m.kind === kind),
  };
}

/** Pods of `service` (none when it has no selector). */
export function podsOf(inv: Inventory, svc: Service): PodTemplate[] {
  const selector = svc.selector;
  if (!selector) return [];
  return inv.pods.filter((p) => p.namespace === svc.namespace && Object.entries(selector).every(([k, v]) => p.labels[k] === v));
}

/** The container port a Service port sends to in `pod`, or undefined when a named targetPort is missing there. */
export function targetIn(pod: PodTemplate, port: ServicePort): ContainerPort | undefined {
  if (typeof port.targetPort === "number")
    return (
      pod.ports.find((p) => p.containerPort === port.targetPort && p.protocol === port.protocol) ?? {
        containerPort: port.targetPort,
        protocol: port.protocol,
      }
    );
  return pod.ports.find((p) => p.name === port.targetPort && p.protocol === port.protocol);
}

/** Namespaces a selector of namespaces picks; `undefined` means the object's own namespace only. */
export function namespacesMatching(inv: Inventory, selector: Selector | undefined, own: string): string[] {
  if (!selector) return [own];
  return [...inv.namespaces].filter(([, labels]) => matches(selector, labels)).map(([name]) => name);
}
