// What holds a wave: the resources of its Applications that are not Healthy (status.resources), and for a
// workload the reason its pods give: ImagePullBackOff with the image, CrashLoopBackOff with the last exit
// code and log line, Pending with the scheduler's message. The first half is pure; `diagnose` reads the
// pods through @kubernetes/client-node.
import type { KubeConfig } from "@kubernetes/client-node";

/** One entry of an Application's status.resources. */
export interface ResourceStatusLike {
  readonly group?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly status?: string;
  readonly health?: { readonly status?: string; readonly message?: string };
}

/** A resource that keeps its Application from being Healthy. */
export interface Blocker {
  readonly app: string;
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** Argo CD's health of the resource; undefined where Argo CD (v3: controller.resource.health.persist off) keeps it out of the CR. */
  readonly health?: string;
  readonly message?: string;
}

/** The part of a Pod this logic reads. */
export interface PodLike {
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly containers?: readonly { readonly name?: string; readonly image?: string }[] };
  readonly status?: {
    readonly phase?: string;
    readonly conditions?: readonly {
      readonly type?: string;
      readonly status?: string;
      readonly reason?: string;
      readonly message?: string;
    }[];
    readonly containerStatuses?: readonly ContainerStatusLike[];
    readonly initContainerStatuses?: readonly ContainerStatusLike[];
  };
}

interface ContainerStatusLike {
  readonly name?: string;
  readonly image?: string;
  readonly state?: { readonly waiting?: { readonly reason?: string; readonly message?: string } };
  readonly lastState?: { readonly terminated?: { readonly exitCode?: number; readonly reason?: string } };
}

/** Kinds whose pods `diagnose` reads, with the API group each lives in. */
const workloads: Readonly<Record<string, string>> = {
  Deployment: "apps",
  StatefulSet: "apps",
  DaemonSet: "apps",
  ReplicaSet: "apps",
  Job: "batch",
  Pod: "",
};

/**
 * Every resource of `app` with a health other than Healthy, in the order Argo CD lists them. Argo CD 3
 * no longer writes resource health into status.resources by default, so a workload without a recorded
 * health counts too: its pods say whether it holds the wave.
 */
export function blockersOf(app: string, resources: readonly ResourceStatusLike[] | undefined): Blocker[] {
  return (resources ?? [])
    .filter((r) => (r.health?.status === undefined ? workloads[r.kind ?? ""] === (r.group ?? "") : r.health.status !== "Healthy"))
    .map((r) => ({
      app,
      group: r.group ?? "",
      kind: r.kind ?? "?",
      namespace: r.namespace || undefined,
      name: r.name ?? "?",
      health: r.health?.status,
      message: r.health?.message || undefined,
    }));
}

export function isWorkload(blocker: Blocker): boolean {
  return workloads[blocker.kind] === blocker.group;
}

/** `Deployment monitoring/prometheus-operator`, or `CustomResourceDefinition prometheuses.monitoring.coreos.com`. */
export function resourceName(blocker: Blocker): string {
  return `${blocker.kind} ${blocker.namespace ? `${blocker.namespace}/` : ""}${blocker.name}`;
}

/** What one pod says about why it is not Ready, or undefined when it says nothing useful. */
export function podReason(pod: PodLike, lastLogLine?: (container: string) => string | undefined): string | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const image = (s: ContainerStatusLike) => pod.spec?.containers?.find((c) => c.name === s.name)?.image ?? s.image ?? "?";
  for (const s of statuses) {
    const reason = s.state?.waiting?.reason;
    if (reason === "ImagePullBackOff" || reason === "ErrImagePull" || reason === "InvalidImageName") return `${reason} ${image(s)}`;
    if (reason === "CrashLoopBackOff") {
      const exit = s.lastState?.terminated?.exitCode;
      const line = s.name ? lastLogLine?.(s.name) : undefined;
      return [`CrashLoopBackOff`, exit === undefined ? undefined : `exit code ${exit}`, line ? `last log: ${line}` : undefined]
        .filter(Boolean)
        .join(", ");
    }
    if (reason && reason !== "ContainerCreating" && reason !== "PodInitializing")
      return `${reason}${s.state?.waiting?.message ? `: ${s.state.waiting.message}` : ""}`;
  }
  if (pod.status?.phase === "Pending") {
    const scheduled = pod.status.conditions?.find((c) => c.type === "PodScheduled");
    if (scheduled?.status === "False") return `Pending: ${scheduled.message ?? scheduled.reason ?? "not scheduled"}`;
    return "Pending";
  }
  return undefined;
}

/**
 * One line per blocker: the resource, its health and message, or what its pods say. Undefined for a
 * workload with no recorded health whose pods say nothing: nothing shows that it holds the wave.
 */
export function blockerLine(blocker: Blocker, podReasons: readonly string[] = []): string | undefined {
  const health = blocker.health ? ` [${blocker.health}]` : "";
  if (podReasons.length) return `${resourceName(blocker)}: ${[...new Set(podReasons)].join("; ")}${health}`;
  if (!blocker.health) return undefined;
  return `${resourceName(blocker)}: ${blocker.health}${blocker.message ? ` (${blocker.message})` : ""}`;
}

/**
 * Reads the pods of every workload among `blockers` and returns one line per blocker. A failed read never
 * fails the caller: the line then says what could not be read.
 */
export async function diagnose(kc: KubeConfig, blockers: readonly Blocker[]): Promise<string[]> {
  return (await diagnoseEach(kc, blockers)).filter((line): line is string => line !== undefined);
}

async function diagnoseEach(kc: KubeConfig, blockers: readonly Blocker[]): Promise<(string | undefined)[]> {
  const { AppsV1Api, BatchV1Api, CoreV1Api } = await import("@kubernetes/client-node");
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const selectorOf = async (b: Blocker): Promise<Record<string, string> | undefined> => {
    const args = { name: b.name, namespace: b.namespace! };
    const object =
      b.kind === "Deployment"
        ? await apps.readNamespacedDeployment(args)
        : b.kind === "StatefulSet"
          ? await apps.readNamespacedStatefulSet(args)
          : b.kind === "DaemonSet"
            ? await apps.readNamespacedDaemonSet(args)
            : b.kind === "ReplicaSet"
              ? await apps.readNamespacedReplicaSet(args)
              : await batch.readNamespacedJob(args);
    return object.spec?.selector?.matchLabels;
  };
  return Promise.all(
    blockers.map(async (b) => {
      if (!isWorkload(b) || !b.namespace) return blockerLine(b);
      try {
        let pods: PodLike[];
        if (b.kind === "Pod") pods = [await core.readNamespacedPod({ name: b.name, namespace: b.namespace })];
        else {
          const labels = await selectorOf(b);
          if (!labels) return blockerLine(b);
          const labelSelector = Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(",");
          pods = (await core.listNamespacedPod({ namespace: b.namespace, labelSelector })).items;
        }
        const logs = new Map<string, string | undefined>();
        for (const pod of pods) {
          for (const s of pod.status?.containerStatuses ?? []) {
            if (s.state?.waiting?.reason !== "CrashLoopBackOff" || !s.name) continue;
            const text = await core
              .readNamespacedPodLog({ name: pod.metadata!.name!, namespace: b.namespace, container: s.name, previous: true, tailLines: 1 })
              .catch(() => undefined);
            logs.set(`${pod.metadata?.name}/${s.name}`, text?.trim().split("\n").pop());
          }
        }
        const reasons = pods.flatMap((pod) => {
          const reason = podReason(pod, (container) => logs.get(`${pod.metadata?.name}/${container}`));
          return reason ? [reason] : [];
        });
        return blockerLine(b, reasons);
      } catch (error) {
        return `${resourceName(b)}: pods not readable: ${error instanceof Error ? error.message : String(error)}`;
      }
    }),
  );
}
