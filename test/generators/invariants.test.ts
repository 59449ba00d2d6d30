// Invariants over what kustomize really renders, per cluster, as Argo CD would apply it.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { crossCheck, type Manifest } from "../../generators/checks/index.js";
import type { ClusterConfig } from "../../generators/config.js";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig } from "../../generators/stack.js";
import { environmentImage } from "../../generators/production.js";
import { imageString } from "../../generators/versions.js";
import { build } from "../../tools/dev/kustomize.js";
import { clusterScoped, validateObject } from "../support/models.js";
import { requireTool } from "../support/tools.js";

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

const parse = (text: string) => yaml.loadAll(text).filter((d): d is Obj => d !== null && typeof d === "object");
const config = defaultConfig();
const kustomize = requireTool("kustomize", "build the pinned kustomize v5.7.1 into the tool cache: npx tsx tools/cache/build.ts");
const go = requireTool("go", "go fetches the upstream CRDs through the module proxy");

/** Namespaces that exist before Argo CD syncs anything. */
const preexisting = new Set(["default", "kube-system", "kube-public", "argocd"]);

function images(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => images(v, out));
  else if (value && typeof value === "object")
    for (const [key, child] of Object.entries(value)) {
      if ((key === "containers" || key === "initContainers") && Array.isArray(child))
        child.forEach((c: { image: string }) => out.push(c.image));
      else images(child, out);
    }
  return out;
}

describe.skipIf(!kustomize || !go).each(config.clusters.map((c) => [c.name, c] as [string, ClusterConfig]))(
  "GIVEN cluster %s rendered by kustomize",
  (_name, cluster) => {
    const byLayer = new Map<string, Obj[]>();
    let applications: Obj[] = [];
    beforeAll(() => {
      for (const layer of config.layers) byLayer.set(layer.name, parse(build(`overlays/${cluster.environment}/${layer.name}`)));
      applications = parse(build(`clusters/${cluster.name}/apps`));
    }, 300_000);
    const everything = () => [...[...byLayer.values()].flat(), ...applications];

    it("WHEN each object is checked against its schema THEN all are valid", async () => {
      const objects = everything();
      expect(objects.length).toBeGreaterThan(20);
      for (const object of objects) await validateObject(object);
    });

    it("WHEN the generate-time cross-resource checks run on what kustomize renders THEN they report nothing", () => {
      const objects = [...byLayer.values()].flat();
      expect(objects.filter((o) => o.kind === "ServiceMonitor").length).toBeGreaterThan(0);
      expect(crossCheck(objects as unknown as Manifest[], { runbooks: new Set(readdirSync(join(repoRoot, "docs", "runbooks"))) })).toEqual(
        [],
      );
    });

    it("WHEN objects are keyed by apiVersion, kind, namespace and name THEN no key repeats", () => {
      const keys = everything().map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ""} ${o.metadata.name}`);
      const repeated = keys.filter((k, i) => keys.indexOf(k) !== i);
      expect(repeated).toEqual([]);
    });

    it("WHEN a namespaced object is applied THEN its namespace was created in the same wave or an earlier one", () => {
      const created = new Map<string, number>();
      for (const layer of config.layers)
        for (const o of byLayer.get(layer.name)!)
          if (o.kind === "Namespace") created.set(o.metadata.name, Math.min(created.get(o.metadata.name) ?? Infinity, layer.wave));
      expect(created.size).toBeGreaterThan(0);
      for (const layer of config.layers)
        for (const o of byLayer.get(layer.name)!) {
          if (clusterScoped.has(o.kind)) continue;
          const ns = o.metadata.namespace ?? layer.namespace;
          if (preexisting.has(ns)) continue;
          expect(created.get(ns), `${layer.name}: ${o.kind}/${o.metadata.name} in ${ns}`).toBeLessThanOrEqual(layer.wave);
        }
    });

    it("WHEN the child Applications are read THEN their waves are strictly ordered crds < operator < monitors < apps", () => {
      const wave = (name: string) =>
        Number(
          applications.find((a) => a.kind === "Application" && a.metadata.name === name)?.metadata.annotations?.[
            "argocd.argoproj.io/sync-wave"
          ],
        );
      const order = ["crds", "operator", "monitors", "apps"].map(wave);
      expect(order.every(Number.isFinite)).toBe(true);
      for (let i = 1; i < order.length; i++) expect(order[i]!).toBeGreaterThan(order[i - 1]!);
      expect(wave("platform")).toBeGreaterThan(wave("operator"));
      expect(wave("platform")).toBeLessThanOrEqual(wave("monitors"));
    });

    it("WHEN each Application's path in our repo is followed THEN it exists and builds", () => {
      const apps = applications.filter((a) => a.kind === "Application");
      const layerApps = apps.filter((a) => config.layers.some((l) => l.name === a.metadata.name));
      expect(layerApps).toHaveLength(config.layers.length);
      for (const app of layerApps) {
        const spec = app.spec as { source?: { repoURL: string; path: string }; sources?: { repoURL: string; path: string }[] };
        const ours = [...(spec.source ? [spec.source] : []), ...(spec.sources ?? [])].filter((s) => s.repoURL === cluster.repoURL);
        expect(ours.length, app.metadata.name).toBeGreaterThan(0);
        for (const source of ours) {
          expect(existsSync(join(repoRoot, source.path, "kustomization.yaml")), source.path).toBe(true);
          expect(parse(build(source.path)).length, source.path).toBeGreaterThan(0);
        }
      }
    });

    it("WHEN images are collected THEN each is pinned and comes from the versions module", () => {
      // The versions module's images, as this cluster's environment pulls them (appRegistry for the guestbook).
      const environment = config.environments.find((e) => e.name === cluster.environment)!;
      const allowed = new Set(Object.values(config.images).map((i) => imageString(environmentImage(i, environment))));
      const used = [
        ...images(everything()),
        ...everything()
          .filter((o) => ["Prometheus", "Alertmanager"].includes(o.kind) && typeof o.spec?.image === "string")
          .map((o) => o.spec!.image as string),
      ];
      expect(used.length).toBeGreaterThan(2);
      for (const image of used) {
        expect(image, image).toMatch(/:[\w][\w.-]*$/);
        expect(image.endsWith(":latest"), image).toBe(false);
        expect(allowed.has(image), `${image} is not in generators/versions.ts`).toBe(true);
      }
    });
  },
);
