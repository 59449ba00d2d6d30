// tools/promconfig, the pinned operator's selection, validation and config generator run on files: the
// live test takes its scrape configuration from it, so here it is shown able to refuse and to default.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { operatorConfig, promconfigBin } from "./promconfig.js";
import { overlay, type Obj } from "./support.js";

const objects = () => ["apps", "operator", "platform", "monitors"].flatMap((layer) => structuredClone(overlay("local", layer)));
const monitor = (all: Obj[], kind: string, name: string) => all.find((o) => o.kind === kind && o.metadata.name === name)!;

/** stderr of a failing run; fails the test when the run succeeds. */
async function refusal(all: Obj[], dir: string): Promise<string> {
  try {
    await operatorConfig(all, dir);
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
  throw new Error("promconfig accepted the objects");
}

describe.skipIf(!promconfigBin)("GIVEN the rendered local monitoring objects and the pinned operator's CRDs", () => {
  const dir = mkdtempSync(join(tmpdir(), "stackwave-promconfig-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("WHEN promconfig runs THEN there is one job per ServiceMonitor endpoint and per Probe, named as the operator names them", async () => {
    const all = objects();
    const config = await operatorConfig(all, dir);
    const expected = [
      ...all
        .filter((o) => o.kind === "ServiceMonitor")
        .flatMap((m) => (m.spec.endpoints as unknown[]).map((_, i) => `serviceMonitor/${m.metadata.namespace}/${m.metadata.name}/${i}`)),
      ...all.filter((o) => o.kind === "Probe").map((p) => `probe/${p.metadata.namespace}/${p.metadata.name}`),
    ].sort();
    expect((config.scrape_configs as { job_name: string }[]).map((j) => j.job_name).sort()).toEqual(expected);
    expect(config.global.external_labels).toMatchObject({ cluster: "local", prometheus: "monitoring/k8s" });
  });

  it("WHEN a Probe names no prober path THEN its job gets the CRD's default /probe, as on the API server", async () => {
    const all = objects();
    const probe = all.find((o) => o.kind === "Probe")!;
    expect(probe.spec.prober.path).toBeUndefined();
    const job = ((await operatorConfig(all, dir)).scrape_configs as { job_name: string; metrics_path: string }[]).find((j) =>
      j.job_name.startsWith("probe/"),
    )!;
    expect(job.metrics_path).toBe("/probe");
  });

  it("WHEN a ServiceMonitor has a field its CRD does not know THEN promconfig fails naming the field", async () => {
    const all = objects();
    monitor(all, "ServiceMonitor", "backend").spec.endpoints[0].intervall = "15s";
    expect(await refusal(all, dir)).toMatch(/ServiceMonitor guestbook\/backend: .*unknown field "intervall"/);
  });

  it("WHEN a ServiceMonitor's relabelling has an invalid regex THEN the operator rejects it, naming the object", async () => {
    const all = objects();
    monitor(all, "ServiceMonitor", "backend").spec.endpoints[0].relabelings = [
      { sourceLabels: ["__address__"], regex: "(", targetLabel: "x" },
    ];
    expect(await refusal(all, dir)).toMatch(/rejects 1 object\(s\):\s+ServiceMonitor guestbook\/backend: .*regex/s);
  });

  it("WHEN no Prometheus is among the inputs THEN promconfig says how many it expected", () => {
    let stderr = "";
    try {
      execFileSync(promconfigBin!, ["/dev/null"], { encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      stderr = String((error as { stderr: string }).stderr);
    }
    expect(stderr).toContain("expected exactly one monitoring.coreos.com/v1 Prometheus in /dev/null, got 0");
  });
});
