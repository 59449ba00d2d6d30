// What a stuck wave's report names: every resource that is not Healthy, and for workloads their pods' reason.
import { describe, expect, it } from "vitest";
import { blockerLine, blockersOf, isWorkload, podReason, type PodLike } from "../../tools/bootstrap/blockers.js";
import { evaluate, stuckReport, waveBlockers, type ApplicationLike } from "../../tools/bootstrap/waves.js";

const badImage = "registry.stackwave.invalid/prometheus-operator/prometheus-operator:v0.93.0";

/** Shaped like kubelet's status of a pod whose image cannot be pulled. */
const pullingPod: PodLike = {
  metadata: { name: "prometheus-operator-7d9f-abcde" },
  spec: { containers: [{ name: "prometheus-operator", image: badImage }] },
  status: {
    phase: "Pending",
    conditions: [{ type: "PodScheduled", status: "True" }],
    containerStatuses: [
      {
        name: "prometheus-operator",
        image: badImage,
        state: { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${badImage}"` } },
      },
    ],
  },
};

const operatorApp: ApplicationLike = {
  metadata: { name: "operator", annotations: { "argocd.argoproj.io/sync-wave": "1" } },
  status: {
    sync: { status: "Synced" },
    health: { status: "Progressing" },
    resources: [
      { kind: "ServiceAccount", namespace: "monitoring", name: "prometheus-operator", status: "Synced" },
      { group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "prometheus-operator", status: "Synced" },
      {
        group: "apps",
        kind: "Deployment",
        namespace: "monitoring",
        name: "prometheus-operator",
        status: "Synced",
        health: { status: "Progressing", message: "Waiting for rollout to finish: 0 of 1 updated replicas are available..." },
      },
      { kind: "Service", namespace: "monitoring", name: "prometheus-operator", status: "Synced", health: { status: "Healthy" } },
    ],
  },
};

describe("GIVEN the operator Application whose Deployment cannot roll out", () => {
  const blockers = blockersOf("operator", operatorApp.status!.resources);

  it("WHEN its resources are read THEN only the Deployment holds it: resources without health or Healthy ones do not", () => {
    expect(blockers).toEqual([
      {
        app: "operator",
        group: "apps",
        kind: "Deployment",
        namespace: "monitoring",
        name: "prometheus-operator",
        health: "Progressing",
        message: "Waiting for rollout to finish: 0 of 1 updated replicas are available...",
      },
    ]);
    expect(isWorkload(blockers[0]!)).toBe(true);
  });

  it("WHEN its pod is in ImagePullBackOff THEN the line names the Deployment, the reason and the image", () => {
    expect(blockerLine(blockers[0]!, [podReason(pullingPod)!])).toBe(
      `Deployment monitoring/prometheus-operator: ImagePullBackOff ${badImage} [Progressing]`,
    );
  });

  it("WHEN no pod was read THEN the line carries Argo CD's health message instead", () => {
    expect(blockerLine(blockers[0]!)).toBe(
      "Deployment monitoring/prometheus-operator: Progressing (Waiting for rollout to finish: 0 of 1 updated replicas are available...)",
    );
  });

  it("WHEN the wave is stuck THEN the report lists the blocker under its Application, or the diagnosis in its place", () => {
    const progress = evaluate([{ name: "operator", wave: 1 }], "stackwave", [
      { metadata: { name: "stackwave" }, status: { sync: { status: "Synced" }, health: { status: "Healthy" } } },
      operatorApp,
    ]);
    expect(waveBlockers(progress).map((b) => b.name)).toEqual(["prometheus-operator"]);
    expect(stuckReport(progress)).toContain(
      "    waiting on Deployment monitoring/prometheus-operator: Progressing (Waiting for rollout to finish: 0 of 1 updated replicas are available...)",
    );
    const diagnosed = stuckReport(progress, [`Deployment monitoring/prometheus-operator: ImagePullBackOff ${badImage} [Progressing]`]);
    expect(diagnosed.at(-1)).toBe(`  waiting on Deployment monitoring/prometheus-operator: ImagePullBackOff ${badImage} [Progressing]`);
    expect(diagnosed.filter((l) => l.includes("waiting on"))).toHaveLength(1);
  });
});

describe("GIVEN the root Application still syncing, waiting on the operator Application", () => {
  it("WHEN the blockers are gathered THEN they are the operator's Deployment, not the child Application the root lists", () => {
    const progress = evaluate([{ name: "operator", wave: 1 }], "stackwave", [
      {
        metadata: { name: "stackwave" },
        status: {
          sync: { status: "OutOfSync" },
          health: { status: "Progressing" },
          operationState: { phase: "Running", message: "waiting for healthy state of argoproj.io/Application/operator" },
          resources: [
            { group: "argoproj.io", kind: "Application", namespace: "argocd", name: "operator", health: { status: "Progressing" } },
          ],
        },
      },
      operatorApp,
    ]);
    expect(progress.current?.apps.map((a) => a.name)).toEqual(["stackwave"]);
    expect(waveBlockers(progress).map((b) => `${b.kind} ${b.namespace}/${b.name}`)).toEqual(["Deployment monitoring/prometheus-operator"]);
  });
});

describe("GIVEN Argo CD 3, which keeps resource health out of status.resources", () => {
  const blockers = blockersOf("operator", [
    { kind: "ServiceAccount", namespace: "monitoring", name: "prometheus-operator", status: "Synced" },
    { group: "apps", kind: "Deployment", namespace: "monitoring", name: "prometheus-operator", status: "Synced" },
  ]);

  it("WHEN the resources are read THEN the workload counts, to be asked about its pods, and the rest does not", () => {
    expect(blockers.map((b) => [b.kind, b.health])).toEqual([["Deployment", undefined]]);
  });

  it("WHEN its pods give a reason THEN the line names it; WHEN they give none THEN there is no line", () => {
    expect(blockerLine(blockers[0]!, [podReason(pullingPod)!])).toBe(
      `Deployment monitoring/prometheus-operator: ImagePullBackOff ${badImage}`,
    );
    expect(blockerLine(blockers[0]!, [])).toBeUndefined();
  });
});

describe("GIVEN pods that are not Ready for other reasons", () => {
  it("WHEN a container crash-loops THEN the reason carries the last exit code and the last log line", () => {
    const pod: PodLike = {
      metadata: { name: "backend-1" },
      status: {
        phase: "Running",
        containerStatuses: [
          {
            name: "backend",
            state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } },
            lastState: { terminated: { exitCode: 1, reason: "Error" } },
          },
        ],
      },
    };
    const logs: string[] = [];
    const reason = podReason(pod, (container) => {
      logs.push(container);
      return '{"level":"error","msg":"GUESTBOOK_DB_ADDR: expected host:port"}';
    });
    expect(reason).toBe('CrashLoopBackOff, exit code 1, last log: {"level":"error","msg":"GUESTBOOK_DB_ADDR: expected host:port"}');
    expect(logs).toEqual(["backend"]);
  });

  it("WHEN a pod cannot be scheduled THEN the reason is the scheduler's message", () => {
    const pod: PodLike = {
      status: {
        phase: "Pending",
        conditions: [
          {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message: "0/1 nodes are available: 1 Insufficient memory.",
          },
        ],
      },
    };
    expect(podReason(pod)).toBe("Pending: 0/1 nodes are available: 1 Insufficient memory.");
  });

  it("WHEN a pod is Running and its containers wait for nothing THEN it gives no reason", () => {
    expect(podReason({ status: { phase: "Running", containerStatuses: [{ name: "x", state: {} }] } })).toBeUndefined();
  });
});
