// A broken wave blocks the next: a test overlay gives the operator an image no kubelet can pull, and the
// root Application holds every later wave until a fix is pushed.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { images } from "../../generators/versions.js";
import { unpullableRegistrySuffix } from "../../tools/sim/kwok.js";
import { waitFor } from "../../tools/sim/probe.js";
import { upStack, type SimStack } from "../../tools/sim/stack.js";
import { formatWaitResult } from "../../tools/bootstrap/waves.js";
import { Recorder, type Observed } from "./recorder.js";
import { snapshot, type Checkout } from "./working-copy.js";
import { argocdTools, controlPlane, missingSimTools } from "./requirements.js";
import { launch, login, outputDir, tile, uiMissing } from "./ui.js";

const missing = missingSimTools(...[...controlPlane, ...argocdTools, "prometheus-operator"]);

const overlay = "overlays/local/operator/kustomization.yaml";
const operatorImage = `${images.prometheusOperator.registry}/${images.prometheusOperator.repository}`;
const badRegistry = `registry.stackwave${unpullableRegistrySuffix}`;

interface Kustomization {
  images?: { name: string; newName?: string }[];
  [key: string]: unknown;
}

/** The test overlay: the operator layer's kustomization with the operator image moved to an unreachable registry. */
function breakOperator(text: string): string {
  const k = yaml.load(text) as Kustomization;
  k.images = [...(k.images ?? []), { name: operatorImage, newName: `${badRegistry}/${images.prometheusOperator.repository}` }];
  return yaml.dump(k, { noRefs: true });
}

const waitingOnOperator = (o: Observed["object"]) =>
  String((o as { status?: { operationState?: { message?: string } } }).status?.operationState?.message ?? "").includes(
    "waiting for healthy state of argoproj.io/Application/operator",
  );
const reconciledAt = (o: Observed["object"]) => (o as { status?: { reconciledAt?: string } }).status?.reconciledAt;

/** How many new status.reconciledAt values an Application's history shows after revision `since`. */
function reconciliationsAfter(history: readonly Observed[], since: number): number {
  const before = history.filter((e) => e.rv <= since).at(-1);
  const baseline = before ? reconciledAt(before.object) : undefined;
  const later = history.filter((e) => e.rv > since).map((e) => reconciledAt(e.object));
  return new Set(later.filter((t): t is string => !!t && t !== baseline)).size;
}

describe.skipIf(missing.length > 0)("GIVEN the sim cluster definition with a test overlay that gives the operator a bad image", () => {
  let scratch: string;
  let checkout: Checkout;
  let original: string;
  let stack: SimStack;
  let recorder: Recorder;
  const later = ["platform", "monitors", "apps"];

  const root = async () =>
    JSON.parse(await stack.sim.kubectl(["-n", "argocd", "get", "application", stack.apps.root, "-o", "json"])) as {
      status?: { operationState?: { phase?: string; message?: string } };
    };
  const operatorPods = async () =>
    (
      JSON.parse(
        await stack.sim.kubectl(["-n", "monitoring", "get", "pods", "-l", "app.kubernetes.io/name=prometheus-operator", "-o", "json"]),
      ) as {
        items: {
          spec: { containers: { image: string }[] };
          status?: { containerStatuses?: { state?: { waiting?: { reason?: string } } }[] };
        }[];
      }
    ).items;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "stackwave-sim-broken-"));
    checkout = await snapshot(join(scratch, "checkout"));
    original = readFileSync(join(checkout.dir, overlay), "utf8");
    checkout.edit(overlay, breakOperator);
    await checkout.commit("test overlay: the operator image from an unreachable registry");
    stack = await upStack({
      checkout: checkout.dir,
      dir: join(scratch, "sim"),
      wait: false,
      beforeSync: async (sim) => {
        recorder = new Recorder(await sim.kubeConfig());
        await recorder.start([{ apiVersion: "argoproj.io/v1alpha1", kind: "Application" }]);
      },
    });
  });

  afterAll(async () => {
    recorder?.stop();
    await stack?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("WHEN the root syncs THEN the operator pod waits in ImagePullBackOff and the root waits on the operator wave", async () => {
    await waitFor(
      undefined,
      "the operator pod in ImagePullBackOff",
      async () => {
        const pods = await operatorPods();
        const reasons = pods.flatMap((p) => (p.status?.containerStatuses ?? []).map((c) => c.state?.waiting?.reason));
        if (!reasons.includes("ImagePullBackOff")) throw new Error(`operator pods: ${JSON.stringify(reasons)}`);
      },
      300_000,
    );
    expect((await operatorPods())[0]!.spec.containers[0]!.image.startsWith(`${badRegistry}/`)).toBe(true);
    await waitFor(
      undefined,
      "the root waiting on the operator Application",
      async () => {
        const message = (await root()).status?.operationState?.message ?? "";
        if (!message.includes("waiting for healthy state of argoproj.io/Application/operator")) throw new Error(`root: ${message}`);
      },
      120_000,
    );
  });

  it("WHEN a wait on the stuck wave ends THEN its report and heartbeat name the operator Deployment, ImagePullBackOff and the image", async () => {
    const result = await stack.waitForWaves(3_000);
    expect(result.done).toBe(false);
    const line = `Deployment monitoring/prometheus-operator: ImagePullBackOff ${badRegistry}/${images.prometheusOperator.repository}:${images.prometheusOperator.tag}`;
    expect(formatWaitResult(result)).toContain(`waiting on ${line}`);
    // Argo CD 3 keeps resource health out of status.resources, so the line carries no [health].
    expect(result.blockers).toEqual([line]);
  });

  it.skipIf(uiMissing !== undefined)(
    `WHEN the operator Application's tile and page are opened in the web UI THEN they show it Progressing, not Healthy${uiMissing ? ` (skipped: ${uiMissing})` : ""}`,
    async () => {
      const browser = await launch();
      try {
        const page = await login(browser, stack.sim.argocd!.url, stack.sim.argocd!.adminPassword);
        await expect.poll(() => tile(page, "argocd", "operator").innerText(), { timeout: 30_000 }).toMatch(/Progressing/);
        await page.goto(`${stack.sim.argocd!.url}/applications/argocd/operator`);
        // The pod's ImagePullBackOff is drawn in the resource tree, not as page text; the screenshot shows it.
        await expect.poll(() => page.locator("body").innerText(), { timeout: 30_000 }).toMatch(/Progressing/);
        expect(await page.locator("body").innerText()).not.toMatch(/APP HEALTH\s*Healthy/);
        await page.screenshot({ path: join(outputDir, "sim-argocd-ui-broken-wave.png"), fullPage: true });
      } finally {
        await browser.close();
      }
    },
  );

  it(
    "THEN, across two more reconciliations of the operator Application, the platform, monitors and apps waves never start",
    async () => {
      // The event to wait for instead of a fixed time: after the root began waiting, Argo CD assessed the
      // operator Application twice more (its status.reconciledAt moved twice; the root re-evaluates its
      // wave gate on each change of a child it manages). An open gate would have created `platform` by then.
      // Each reconciliation is asked for with Argo CD's refresh annotation rather than waited for (a poll is 180 s).
      let since = 0;
      await waitFor(
        undefined,
        "the root recorded waiting on the operator Application",
        async () => {
          since = recorder.firstAt("Application", "argocd", stack.apps.root, waitingOnOperator) ?? 0;
          if (!since) throw new Error("no recorded root status waits on the operator yet");
        },
        300_000,
      );
      await waitFor(
        undefined,
        "two reconciliations of the operator Application after the root began waiting",
        async () => {
          const n = reconciliationsAfter(recorder.history("Application", "argocd", "operator"), since);
          if (n >= 2) return;
          // Argo CD removes the annotation once it has refreshed; ask again only then.
          const pending = await stack.sim.kubectl([
            "-n",
            "argocd",
            "get",
            "application",
            "operator",
            "-o",
            "jsonpath={.metadata.annotations.argocd\\.argoproj\\.io/refresh}",
          ]);
          if (!pending)
            await stack.sim.kubectl(["-n", "argocd", "annotate", "application", "operator", "argocd.argoproj.io/refresh=normal"]);
          throw new Error(`operator reconciled ${n} time(s) since revision ${since}`);
        },
        120_000,
      );
      const state = await root();
      expect(state.status?.operationState?.phase).toBe("Running");
      expect(state.status?.operationState?.message).toContain("argoproj.io/Application/operator");
      const health = await stack.sim.kubectl(["-n", "argocd", "get", "application", "operator", "-o", "jsonpath={.status.health.status}"]);
      expect(health).toBe("Progressing");
      // Recorded from before the first push: none of them has ever existed.
      for (const name of later) expect(recorder.history("Application", "argocd", name), name).toEqual([]);
      expect(recorder.names("Application", "argocd").sort()).toEqual(["crds", "operator", stack.apps.root].sort());
      expect(recorder.watchErrors).toEqual([]);
    },
    6 * 60_000,
  );

  it("WHEN the fix is pushed THEN the webhook unblocks the waves and every Application turns Synced and Healthy", async () => {
    checkout.edit(overlay, () => original);
    await checkout.commit("revert the test overlay");
    await stack.push(checkout.dir);
    const result = await stack.waitForWaves(10 * 60_000);
    expect(result.done, formatWaitResult(result)).toBe(true);
    for (const name of later) expect(recorder.createdAt("Application", "argocd", name), name).toBeGreaterThan(0);
  });
});
