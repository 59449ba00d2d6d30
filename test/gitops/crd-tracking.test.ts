// The crds Application's patches give every upstream CRD Argo CD's tracking id, so the controller maps a
// CRD turning Established to that Application instead of waiting for the next poll. Checked with the real
// kustomize on the real CRD files of the pinned module, built the way Argo CD builds a source with patches.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { clusterApplications } from "../../generators/clusters/applications.js";
import { crdFiles } from "../../generators/layers/crds.js";
import { defaultConfig } from "../../generators/stack.js";
import { prometheusOperator } from "../../generators/versions.js";
import { goModuleDir } from "../../tools/cache/gomod.js";
import { kustomizeCommand } from "../../tools/dev/kustomize.js";
import { crdMirrorKustomization } from "../../tools/bootstrap/crds.js";

interface Patch {
  target: { group: string; kind: string; name: string };
  patch: string;
}
interface Source {
  path?: string;
  kustomize?: { patches?: Patch[] };
}
interface App {
  kind: string;
  metadata: { name: string };
  spec: { source?: Source; sources?: Source[]; destination: { namespace: string } };
}
interface Crd {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
}

const scratch = mkdtempSync(join(tmpdir(), "stackwave-crd-tracking-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const moduleCrds = async () =>
  join(await goModuleDir(prometheusOperator.goModule, prometheusOperator.version), prometheusOperator.crdModulePath);

/** Argo CD's parse of an annotation tracking id (util/argo/resource_tracking.go): app:group/kind:namespace/name. */
function parseTrackingId(id: string) {
  const match = /^([^:]+):([^/]*)\/([^:]+):([^/]*)\/(.+)$/.exec(id);
  if (!match) return undefined;
  const [, app, group, kind, namespace, name] = match;
  return { app, group, kind, namespace, name };
}

const config = defaultConfig();

describe.each(config.clusters.map((c) => [c.name, c] as const))("cluster %s: the crds Application", (_name, cluster) => {
  const crdsApp = clusterApplications(config, cluster)
    .objects.map((o) => JSON.parse(JSON.stringify(o)) as App)
    .find((o) => o.kind === "Application" && o.metadata.name === "crds")!;
  const crdSource = (crdsApp.spec.sources ?? [crdsApp.spec.source!]).find((s) => s.kustomize?.patches)!;

  it("WHEN Argo CD builds its CRD source with the patches THEN every upstream CRD carries a tracking id naming that Application and itself", async () => {
    const dir = mkdtempSync(join(scratch, `${cluster.name}-`));
    cpSync(await moduleCrds(), dir, { recursive: true });
    // Argo CD appends source patches to the folder's kustomization (util/kustomize/kustomize.go).
    const kustomization = yaml.load(crdMirrorKustomization()) as Record<string, unknown>;
    writeFileSync(join(dir, "kustomization.yaml"), yaml.dump({ ...kustomization, patches: crdSource.kustomize!.patches }));
    const [tool, ...args] = kustomizeCommand();
    const docs = yaml.loadAll(execFileSync(tool, [...args, dir], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 })) as Crd[];
    const crds = docs.filter((d) => d.kind === "CustomResourceDefinition");
    expect(crds).toHaveLength(crdFiles.length);
    for (const crd of crds) {
      const id = parseTrackingId(crd.metadata.annotations?.["argocd.argoproj.io/tracking-id"] ?? "");
      expect(id, crd.metadata.name).toEqual({
        app: crdsApp.metadata.name,
        group: "apiextensions.k8s.io",
        kind: "CustomResourceDefinition",
        namespace: crdsApp.spec.destination.namespace,
        name: crd.metadata.name,
      });
      // The patch adds; it must not drop upstream's own annotations.
      expect(crd.metadata.annotations?.["operator.prometheus.io/version"], crd.metadata.name).toBe(
        prometheusOperator.version.replace(/^v/, ""),
      );
    }
  });

  it("WHEN the pinned release ships its CRD folder THEN the layer lists every CRD file in it, so none goes without a tracking id", async () => {
    const upstream = readdirSync(await moduleCrds()).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
    expect([...crdFiles].sort()).toEqual(upstream.sort());
  });
});
