import { KubeConfig } from "@kubernetes/client-node";
import { createServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import {
  changes,
  evaluate,
  formatWaitResult,
  stuckReport,
  summary,
  waitForWaves,
  type ApplicationLike,
  type ExpectedApp,
} from "../../tools/bootstrap/waves.js";

const root = "stackwave";
const expected: ExpectedApp[] = [
  { name: "crds", wave: 0 },
  { name: "operator", wave: 1 },
  { name: "monitors", wave: 3 },
  { name: "apps", wave: 4 },
];

function app(name: string, wave: number | undefined, status: ApplicationLike["status"]): ApplicationLike {
  return { metadata: { name, ...(wave === undefined ? {} : { annotations: { "argocd.argoproj.io/sync-wave": String(wave) } }) }, status };
}
const healthy = { sync: { status: "Synced" }, health: { status: "Healthy" } };

describe("GIVEN no Application exists yet", () => {
  const progress = evaluate(expected, root, []);

  it("WHEN evaluated THEN nothing is done and the root is where the run is", () => {
    expect(progress.done).toBe(false);
    expect(progress.current).toMatchObject({ wave: -Infinity, status: "pending" });
    expect(progress.waves.map((w) => w.wave)).toEqual([-Infinity, 0, 1, 3, 4]);
    expect(summary(progress)).toBe("root pending · wave 0 pending · wave 1 pending · wave 3 pending · wave 4 pending");
  });
});

describe("GIVEN the root and wave 0 are Synced and Healthy and wave 1 is progressing", () => {
  const objects = [
    app(root, undefined, healthy),
    app("crds", 0, healthy),
    app("operator", 1, {
      sync: { status: "Synced" },
      health: { status: "Progressing", message: "Waiting for rollout to finish: 0 of 1 updated replicas are available..." },
      operationState: { phase: "Succeeded", message: "successfully synced (all tasks run)" },
    }),
  ];
  const progress = evaluate(expected, root, objects);

  it("WHEN evaluated THEN earlier waves are done, wave 1 is current and later waves are pending", () => {
    expect(progress.done).toBe(false);
    expect(progress.waves.map((w) => w.status)).toEqual(["done", "done", "progressing", "pending", "pending"]);
    expect(progress.current?.wave).toBe(1);
  });

  it("WHEN the run times out here THEN the report names the stuck app with its health message and last operation", () => {
    const report = stuckReport(progress).join("\n");
    expect(report).toContain("stuck at wave 1 (progressing)");
    expect(report).toContain("operator: Synced/Progressing, last sync Succeeded");
    expect(report).toContain("health: Waiting for rollout to finish");
    expect(report).toContain("last operation: successfully synced (all tasks run)");
    expect(report).not.toContain("crds");
  });
});

describe("GIVEN an Application whose sync failed", () => {
  const objects = [
    app(root, undefined, healthy),
    app("crds", 0, {
      sync: { status: "OutOfSync" },
      health: { status: "Missing" },
      conditions: [{ type: "SyncError", message: "Failed sync attempt: one or more objects failed to apply" }],
      operationState: {
        phase: "Failed",
        message: 'CustomResourceDefinition "prometheuses.monitoring.coreos.com" is invalid: metadata.annotations: Too long',
        retryCount: 3,
      },
    }),
  ];
  const progress = evaluate(expected, root, objects);

  it("WHEN evaluated THEN its wave is degraded and the report carries the conditions and the operation message", () => {
    expect(progress.current).toMatchObject({ wave: 0, status: "degraded" });
    const report = stuckReport(progress);
    expect(report).toContain("  crds: OutOfSync/Missing, last sync Failed (retry 3)");
    expect(report).toContain("    condition SyncError: Failed sync attempt: one or more objects failed to apply");
    expect(report.join("\n")).toContain("metadata.annotations: Too long");
  });
});

describe("GIVEN every expected Application is Synced and Healthy", () => {
  const all = [app(root, undefined, healthy), ...expected.map((e) => app(e.name, e.wave, healthy))];

  it("WHEN evaluated THEN the run is done", () => {
    const progress = evaluate(expected, root, all);
    expect(progress.done).toBe(true);
    expect(progress.current).toBeUndefined();
    expect(stuckReport(progress)).toEqual([]);
  });

  it("WHEN an Application nobody expected is still OutOfSync THEN the run is not done", () => {
    const progress = evaluate(expected, root, [...all, app("extra", 2, { sync: { status: "OutOfSync" }, health: { status: "Healthy" } })]);
    expect(progress.done).toBe(false);
    expect(progress.current?.apps.map((a) => a.name)).toEqual(["extra"]);
  });

  it("WHEN an expected Application is missing THEN the run is not done and the report says it was not created", () => {
    const progress = evaluate(
      expected,
      root,
      all.filter((a) => a.metadata?.name !== "apps"),
    );
    expect(progress.done).toBe(false);
    expect(stuckReport(progress).join("\n")).toContain("apps: not created yet");
  });
});

describe("GIVEN two successive observations", () => {
  it("WHEN only one app changed THEN exactly one progress line is printed, marked done when it is", () => {
    const before = evaluate(expected, root, [
      app(root, undefined, healthy),
      app("crds", 0, { sync: { status: "OutOfSync" }, health: { status: "Progressing" } }),
    ]);
    const after = evaluate(expected, root, [app(root, undefined, healthy), app("crds", 0, healthy)]);
    expect(changes(before, after)).toEqual(["wave 0 · crds: Synced/Healthy ✓"]);
    expect(changes(after, after)).toEqual([]);
  });
});

describe("GIVEN a kubeconfig pointing at a port where no API server listens", () => {
  it("WHEN the watch driver waits THEN it keeps retrying, gives up at the timeout and reports where it stopped and the last error", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "nowhere", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: "nobody" }],
      contexts: [{ name: "nowhere", cluster: "nowhere", user: "nobody" }],
      currentContext: "nowhere",
    });
    const lines: string[] = [];
    const result = await waitForWaves({
      kubeConfig: kc,
      namespace: "argocd",
      root,
      apps: expected,
      timeoutMs: 3_000,
      heartbeatMs: 1_000,
      log: (l) => lines.push(l),
    });
    expect(result.done).toBe(false);
    expect(result.timedOut).toBe(true);
    expect(result.lastError).toBeTruthy();
    const message = formatWaitResult(result);
    expect(message).toMatch(/^timed out after \d+s/);
    expect(message).toContain("stuck at root (pending)");
    expect(message).toContain("last watch error:");
  });
});
