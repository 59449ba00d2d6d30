// The environment's requests as bootstrap's preflight computes them from the generators, against the sum over
// what kustomize really renders for the same overlays.
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { allLayers } from "../../generators/registry.js";
import { environmentRequests, reloaderRequests } from "../../generators/requests.js";
import { defaultConfig } from "../../generators/stack.js";
import { quantityValue } from "../../generators/validate.js";
import { build } from "../../tools/dev/kustomize.js";
import { requireTool } from "../support/tools.js";

interface Obj {
  kind: string;
  metadata: { name: string };
  spec?: { replicas?: number; resources?: { requests?: Record<string, string> }; template?: { spec: { containers: Obj["spec"][] } } };
}

const kustomize = requireTool("kustomize", "build the pinned kustomize v5.7.1 into the tool cache: npx tsx tools/cache/build.ts");
const config = defaultConfig();

/** Requests of one container spec: millicores and bytes. */
const sized = (r?: { requests?: Record<string, string> }) => [
  Math.round((quantityValue(r?.requests?.cpu) ?? 0) * 1000),
  quantityValue(r?.requests?.memory) ?? 0,
];

describe.skipIf(!kustomize).each(config.environments.map((e) => [e.name]))("GIVEN the %s environment", (name) => {
  const env = config.environments.find((e) => e.name === name)!;

  it("WHEN its requests are computed THEN they equal the sum over the rendered overlays, replicas and sidecars included", () => {
    let cpu = 0;
    let memory = 0;
    let pods = 0;
    let nodeCpu = 0;
    for (const layer of config.layers) {
      const objects = (yaml.loadAll(build(`overlays/${name}/${layer.name}`)) as (Obj | null)[]).filter((o): o is Obj => !!o);
      for (const o of objects) {
        const containers = o.spec?.template?.spec.containers ?? [];
        const pod = containers.map((c) => sized(c?.resources)).reduce((a, b) => [a[0]! + b[0]!, a[1]! + b[1]!], [0, 0]);
        const replicas = o.spec?.replicas ?? 1;
        if (o.kind === "Deployment" || o.kind === "StatefulSet") {
          cpu += pod[0]! * replicas;
          memory += pod[1]! * replicas;
          pods += replicas;
        } else if (o.kind === "DaemonSet") nodeCpu += pod[0]!;
        else if (o.kind === "Prometheus" || o.kind === "Alertmanager") {
          const [c, m] = sized(o.spec?.resources);
          cpu += (c! + reloaderRequests.cpuMillis) * replicas;
          memory += (m! + reloaderRequests.memoryBytes) * replicas;
          pods += replicas;
        }
      }
    }
    const computed = environmentRequests(config, env, allLayers);
    expect(computed.total).toEqual({ cpuMillis: cpu, memoryBytes: memory });
    expect(computed.pods).toBe(pods);
    expect(computed.perNode.cpuMillis).toBe(nodeCpu);
    expect(computed.largest.cpuMillis).toBeGreaterThan(0);
  });
});

describe("GIVEN the prod cluster", () => {
  it("WHEN Argo CD is counted THEN its four components add their generated requests to the environment's", () => {
    const env = config.environments.find((e) => e.name === "ha")!;
    const prod = config.clusters.find((c) => c.name === "prod")!;
    const without = environmentRequests(config, env, allLayers);
    const withArgo = environmentRequests(config, env, allLayers, prod);
    expect(withArgo.pods - without.pods).toBe(4);
    // server 50m, controller 100m, repo-server 100m, redis 50m (generators/clusters/argocd.ts).
    expect(withArgo.total.cpuMillis - without.total.cpuMillis).toBe(300);
  });
});

describe("GIVEN the local cluster on a 2-core machine", () => {
  it("WHEN its requests are added to kube-system's THEN they fit one Kind node with 2 CPUs, with room for a second frontend", () => {
    const local = config.clusters.find((c) => c.name === "local")!;
    const env = config.environments.find((e) => e.name === local.environment)!;
    const stack = environmentRequests(config, env, allLayers, local);
    // What kube-system of a kind v0.30.0 node requests (measured on real Kind here): CoreDNS 2 × 100m, etcd
    // 100m, kindnet 100m, kube-apiserver 250m, controller-manager 200m, scheduler 100m.
    const kubeSystem = 2 * 100 + 100 + 100 + 250 + 200 + 100;
    const frontend = 50;
    expect(stack.total.cpuMillis + kubeSystem + frontend).toBeLessThanOrEqual(2000);
  });
});
