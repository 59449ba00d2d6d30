// The Grafana dashboards: built by the SDK's typed builders, structurally sound for Grafana's dashboard
// schema, pointing at the provisioned datasource, with PromQL that parses, one ConfigMap each under 1 MiB.
// (The SDK 0.0.21 has no validator of its own: its typed builders are the schema check at compile time.)
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { dashboardConfigMap } from "../../generators/components/grafana.js";
import { dashboards } from "../../generators/dashboards/index.js";
import { testDir } from "../support/temp.js";
import { find, overlay, promtool, run, writeYaml } from "./support.js";

interface Panel {
  id?: number;
  type?: string;
  title?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: { refId?: string; expr?: string; datasource?: { type?: string; uid?: string } }[];
}

const platform = overlay("local", "platform");
const datasource = (
  yaml.load(find(platform, "ConfigMap", "grafana-datasources").data!["datasources.yaml"]!) as {
    datasources: { uid: string; type: string; isDefault: boolean }[];
  }
).datasources;

describe("GIVEN the dashboards as code", () => {
  it("WHEN listed THEN the issue's dashboards all exist with unique uids and titles", () => {
    expect(dashboards.map((d) => d.name).sort()).toEqual(["blackbox", "guestbook", "kubernetes", "mongodb", "node", "prometheus"]);
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(dashboards.length);
    expect(new Set(dashboards.map((d) => d.title)).size).toBe(dashboards.length);
  });

  it("WHEN the datasources ConfigMap is read THEN it provisions one default Prometheus datasource", () => {
    expect(datasource).toEqual([expect.objectContaining({ uid: "prometheus", type: "prometheus", isDefault: true })]);
  });

  describe.each(dashboards.map((d) => [d.name, d] as const))("GIVEN the %s dashboard as Grafana loads it", (_, spec) => {
    // What Grafana reads: the JSON in the rendered ConfigMap, not the generator's in-memory build.
    const cm = find(platform, "ConfigMap", dashboardConfigMap(spec.name));
    const text = cm.data?.[`${spec.name}.json`] ?? "";
    const json = JSON.parse(text || "{}") as Dashboard;
    const panels = (json.panels ?? []) as Panel[];
    const graphs = panels.filter((p) => p.type !== "row");

    it("WHEN its header is read THEN uid, title, schemaVersion and time settings are valid", () => {
      expect(json.uid).toMatch(/^[a-zA-Z0-9_-]{8,40}$/);
      expect(json.title).toBe(spec.title);
      // At least Grafana 11.0's schema (39). No Grafana runs here, so nothing checks the pinned 12.1's upper end.
      expect(json.schemaVersion).toBeGreaterThanOrEqual(39);
      expect(json.time).toEqual({ from: "now-1h", to: "now" });
      expect(json.editable).toBe(false);
    });

    it("WHEN its panels are read THEN ids are unique and every panel sits inside the 24-column grid without overlap", () => {
      const ids = panels.map((p) => p.id);
      expect(ids.every((id) => Number.isInteger(id) && id! > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      const cells = new Set<string>();
      for (const p of panels) {
        const g = p.gridPos!;
        expect(g.x + g.w, p.title).toBeLessThanOrEqual(24);
        expect(g.h, p.title).toBeGreaterThan(0);
        for (let x = g.x; x < g.x + g.w; x++)
          for (let y = g.y; y < g.y + g.h; y++) {
            expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
            cells.add(`${x},${y}`);
          }
      }
    });

    it("WHEN its queries are read THEN each panel and target names the provisioned datasource, with unique refIds", () => {
      expect(graphs.length).toBeGreaterThan(3);
      for (const p of graphs) {
        expect(["timeseries", "stat"]).toContain(p.type);
        expect(p.datasource, p.title).toEqual({ type: datasource[0]!.type, uid: datasource[0]!.uid });
        expect(p.targets?.length, p.title).toBeGreaterThan(0);
        const refIds = p.targets!.map((t) => t.refId);
        expect(new Set(refIds).size, p.title).toBe(refIds.length);
        for (const t of p.targets!) {
          expect(t.datasource).toEqual(p.datasource);
          expect(t.expr?.trim().length, p.title).toBeGreaterThan(0);
        }
      }
    });

    it.skipIf(!promtool)("WHEN promtool parses every query (as a recording rule) THEN all are valid PromQL", () => {
      const exprs = graphs.flatMap((p) => p.targets!.map((t) => t.expr!.replaceAll("$__rate_interval", "5m")));
      const path = writeYaml(testDir("dash"), `${spec.name}.yaml`, {
        groups: [{ name: spec.name, rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}:check`, expr })) }],
      });
      const result = run(promtool!, ["check", "rules", path]);
      expect(result.code, result.output).toBe(0);
      expect(result.output).toContain(`${exprs.length} rules found`);
    });

    it("WHEN its ConfigMap is read THEN it is the only dashboard there, under 1 MiB, and Grafana mounts it", () => {
      expect(Object.keys(cm.data!)).toEqual([`${spec.name}.json`]);
      expect(Buffer.byteLength(text)).toBeLessThan(2 ** 20);
      // Also under the 262144-byte last-applied annotation, so client-side apply works too.
      expect(Buffer.byteLength(text)).toBeLessThan(262_144);
      const volumes = find(platform, "Deployment", "grafana").spec.template.spec.volumes as {
        name: string;
        projected?: { sources: { configMap: { name: string } }[] };
      }[];
      const sources = volumes.find((v) => v.name === "dashboards")!.projected!.sources.map((s) => s.configMap.name);
      expect(sources).toContain(cm.metadata.name);
    });
  });
});
