// The real prometheus-operator on the simulated cluster: it waits for its CRDs, then turns a Prometheus
// into a StatefulSet whose pods kwok makes Ready, and reports the Prometheus Available.
import { gunzipSync } from "node:zlib";
import { readdirSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { goTools, images, prometheusOperator } from "../../generators/versions.js";
import { up, type Sim } from "../../tools/sim/cluster.js";
import { goModuleDir } from "../../tools/cache/gomod.js";
import { waitFor } from "../../tools/sim/probe.js";
import { controlPlane, missingSimTools } from "./requirements.js";
import { operatorConfig, promconfigBin, type Section } from "../monitoring/promconfig.js";
import { overlay } from "../monitoring/support.js";
import yaml from "js-yaml";

const missing = missingSimTools(...[...controlPlane, "prometheus-operator"]);

const prometheus = {
  apiVersion: "monitoring.coreos.com/v1",
  kind: "Prometheus",
  metadata: { name: "sim", namespace: "monitoring" },
  spec: { replicas: 1, version: images.prometheus.tag },
};

describe.skipIf(missing.length > 0)("GIVEN the simulated cluster with the prometheus-operator process", () => {
  let sim: Sim;
  // Made in beforeAll: a skipped suite still runs this body, and must leave nothing behind.
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "stackwave-sim-op-"));
    sim = await up({ dir: join(scratch, "sim"), argocd: false, prometheusOperator: true });
  });

  afterAll(async () => {
    await sim?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  // The CRDs, the monitoring namespace and the running operator, set up once by whichever test runs first.
  let operatorReady: Promise<void> | undefined;
  const crdsAndOperator = () =>
    (operatorReady ??= (async () => {
      const crdDir = join(
        await goModuleDir(goTools.prometheusOperator.module, prometheusOperator.version),
        prometheusOperator.crdModulePath,
      );
      const files = readdirSync(crdDir).filter((f) => f.endsWith(".yaml"));
      expect(files.length).toBeGreaterThanOrEqual(10);
      // Server-side apply: several of these CRDs are larger than the last-applied annotation allows.
      await sim.kubectl(["apply", "--server-side", ...files.flatMap((f) => ["-f", join(crdDir, f)])]);
      await sim.kubectl(["create", "namespace", "monitoring"]);
      await waitFor(
        undefined,
        "prometheus-operator running",
        async () => {
          if (!sim.procs.some((p) => p.name === "prometheus-operator")) throw new Error("not started yet");
        },
        180_000,
      );
    })());

  it("WHEN the pinned CRDs are applied and a Prometheus is created THEN the operator reports it Available", async () => {
    await crdsAndOperator();
    await waitFor(undefined, "Prometheus created", () => sim.kubectl(["apply", "-f", "-"], JSON.stringify(prometheus)), 60_000);

    await waitFor(
      undefined,
      "Prometheus Available",
      async () => {
        const status = await sim.kubectl([
          "get",
          "prometheus",
          "sim",
          "-n",
          "monitoring",
          "-o",
          'jsonpath={.status.conditions[?(@.type=="Available")].status}',
        ]);
        if (status !== "True") throw new Error(`Available=${status || "(none)"}`);
      },
      240_000,
    );
    const ready = await sim.kubectl(["get", "statefulset", "prometheus-sim", "-n", "monitoring", "-o", "jsonpath={.status.readyReplicas}"]);
    expect(ready).toBe("1");
  });

  it("WHEN the rendered local Prometheus and monitors are applied THEN the operator writes exactly the configuration tools/promconfig prints for them", async () => {
    expect(promconfigBin, "tools/promconfig is built (node --import tsx tools/cache/build.ts promconfig)").toBeTruthy();
    await crdsAndOperator();
    const objects = ["apps", "operator", "platform", "monitors"].flatMap((layer) => overlay("local", layer));
    const monitoring = objects.filter(
      (o) => o.apiVersion.startsWith("monitoring.coreos.com/") && ["Prometheus", "ServiceMonitor", "Probe", "PodMonitor"].includes(o.kind),
    );
    expect(monitoring.filter((o) => o.kind === "ServiceMonitor").length).toBeGreaterThan(10);
    for (const ns of new Set(monitoring.map((o) => o.metadata.namespace!)))
      if (ns !== "monitoring") await sim.kubectl(["create", "namespace", ns]);
    // Every namespace a monitor watches must exist for the operator's namespace selection, as on Kind.
    for (const ns of ["guestbook", "kube-system", "default"]) await sim.kubectl(["get", "namespace", ns]);
    await sim.kubectl(["apply", "--server-side", "-f", "-"], monitoring.map((o) => JSON.stringify(o)).join("\n"));

    const expected = await operatorConfig(objects, scratch);
    let last = "";
    await waitFor(
      undefined,
      "the operator's prometheus-k8s Secret equal to promconfig's output",
      async () => {
        const data = await sim.kubectl([
          "get",
          "secret",
          "prometheus-k8s",
          "-n",
          "monitoring",
          "-o",
          "jsonpath={.data.prometheus\\.yaml\\.gz}",
        ]);
        if (!data) throw new Error("no prometheus.yaml.gz yet");
        const written = yaml.load(gunzipSync(Buffer.from(data, "base64")).toString("utf8"));
        last = JSON.stringify(written);
        // rule_files names the operator's own rule ConfigMaps, which it shards by size; promconfig names the first.
        const { rule_files: rules, ...rest } = written as Section;
        const { rule_files: expectedRules, ...expectedRest } = expected;
        expect(rest).toEqual(expectedRest);
        expect(expectedRules).toEqual(["/etc/prometheus/rules/prometheus-k8s-rulefiles-0/*.yaml"]);
        for (const file of rules as string[]) expect(file).toMatch(/^\/etc\/prometheus\/rules\/prometheus-k8s-rulefiles-\d+\/\*\.yaml$/);
      },
      120_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\nlast written config: ${last.slice(0, 2000)}`);
    });
  });
});
