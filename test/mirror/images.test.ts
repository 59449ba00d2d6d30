// The mirror's list of pulled images against what is really rendered: kustomize builds of the cluster's
// overlays and `helm template` of the pinned argo-cd chart with the generated values. An image the manifests
// name but the list lacks would make an air-gapped node reach out for it.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { argocdValuesPath } from "../../generators/clusters/argocd.js";
import { parseReference, pulledImages } from "../../generators/clusters/mirror.js";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig } from "../../generators/stack.js";
import { kubernetes, localRegistry } from "../../generators/versions.js";
import { build } from "../../tools/dev/kustomize.js";
import { allImages, kindNodeReference } from "../../tools/images/list.js";
import { dockerImages, listedPullable, mirrorImages } from "../../tools/mirror/images.js";
import { fullReference } from "../../tools/mirror/seed.js";
import { inCI, requireTool } from "../support/tools.js";

const config = defaultConfig();
const kustomize = requireTool("kustomize", "build the pinned kustomize v5.7.1 into the tool cache: npx tsx tools/cache/build.ts");
const helm = requireTool("helm", "node --import tsx tools/cache/build.ts helm (helm v3.19.0 into the tool cache)");
const chart = join(repoRoot, "..", "shared", "charts", "argo-cd-9.3.7.tgz");
if (!existsSync(chart)) {
  const message = `missing chart ${chart}: the pinned argo-cd 9.3.7 chart (DESIGN.md §6)`;
  if (inCI) throw new Error(`${message} (CI=true: missing inputs fail the run)`);
  console.warn(`skipped: ${message}`);
}

/** A full image reference, alone or as a flag's value (`--prometheus-config-reloader=quay.io/...:v0.93.0`). */
const reference = /^(?:--[\w-]+=)?((?:[a-z0-9-]+(?:\.[a-z0-9-]+)+|localhost)(?::\d+)?\/[a-z0-9._/-]+:[\w.-]+)$/;

/** Every string in the rendered documents that is an image reference. */
function imagesIn(text: string): Set<string> {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === "string") {
      const match = reference.exec(value);
      if (match) found.add(match[1]!);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  yaml.loadAll(text).forEach(walk);
  return found;
}

describe.skipIf(!kustomize || !helm || !existsSync(chart))("GIVEN the Kind clusters with a mirror", () => {
  const kinds = config.clusters.filter((c) => c.runtime === "kind" && c.mirror);

  it.each(kinds.map((c) => [c.name, c] as const))(
    "WHEN cluster %s's overlays and the argo-cd chart are rendered THEN the images they name are exactly the mirror's pulled images, from mirrored registries",
    (_name, cluster) => {
      const rendered = new Set<string>();
      // The crds layer holds CRDs and Namespaces only: no images (and it needs the Go module proxy to build).
      for (const layer of config.layers.filter((l) => l.name !== "crds"))
        for (const image of imagesIn(build(`overlays/${cluster.environment}/${layer.name}`))) rendered.add(image);
      const values = join(repoRoot, argocdValuesPath(cluster));
      const chartText = execFileSync(
        helm!,
        ["template", "argocd", chart, "-n", "argocd", "--kube-version", kubernetes.version, "-f", values],
        {
          encoding: "utf8",
          maxBuffer: 64 * 2 ** 20,
        },
      );
      for (const image of imagesIn(chartText)) rendered.add(image);

      const upstream = [...rendered].filter((r) => !r.startsWith(`${localRegistry.host}/`)).sort();
      expect(upstream.length).toBeGreaterThan(5);
      expect(upstream).toEqual(pulledImages(config));
      for (const image of upstream) expect(cluster.mirror!.registries).toContain(parseReference(image).registry);
    },
  );
});

describe("GIVEN the mirror list of the local cluster", () => {
  const cluster = config.clusters.find((c) => c.name === "local")!;

  it("WHEN it is built from the pinned image list THEN the pulled images are required, the node's others optional, and neither the node image nor localhost ones appear", () => {
    const list = mirrorImages(config, cluster);
    expect(list.filter((i) => i.required).map((i) => i.reference)).toEqual(pulledImages(config));
    const optional = list.filter((i) => !i.required).map((i) => i.reference);
    expect(optional).toContain("registry.k8s.io/pause:3.10");
    expect(optional).not.toContain(kindNodeReference);
    expect(list.some((i) => i.reference.startsWith("localhost/"))).toBe(false);
    expect(listedPullable(allImages, ["quay.io"]).every((r) => r.startsWith("quay.io/"))).toBe(true);
  });

  it("WHEN it is checked against tools/images/list.ts THEN the harness builds every image the cluster pulls", () => {
    const unbuildable = mirrorImages(config, cluster).filter((i) => i.required && !i.listed);
    expect(unbuildable.map((i) => i.reference)).toEqual([]);
  });

  it("WHEN a bundle is planned THEN it adds the registry image and the node image Docker runs itself", () => {
    expect(dockerImages(config)).toEqual(expect.arrayContaining(["docker.io/library/registry:2.8.3", kindNodeReference]));
  });

  it("WHEN Docker prints short names THEN they become the full upstream references the list uses", () => {
    expect(fullReference("debian:bookworm-slim")).toBe("docker.io/library/debian:bookworm-slim");
    expect(fullReference("kindest/node:v1.32.9")).toBe("docker.io/kindest/node:v1.32.9");
    expect(fullReference("quay.io/prometheus/prometheus:v3.5.0")).toBe("quay.io/prometheus/prometheus:v3.5.0");
    expect(fullReference("localhost:5001/guestbook-backend:src-1")).toBe("localhost:5001/guestbook-backend:src-1");
    expect(fullReference("localhost/stackwave/kind-base:v0.30.0")).toBe("localhost/stackwave/kind-base:v0.30.0");
  });
});
