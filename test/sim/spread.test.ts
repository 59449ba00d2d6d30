// The ha environment on three simulated nodes in three zones, with the real scheduler, controller-manager
// (disruption, ReplicaSet, StatefulSet, PV binder) and prometheus-operator: every replicated workload is spread
// one per node and zone as its constraints require, and one node drains through the Eviction API without any
// workload dropping below its PodDisruptionBudget at any observed moment.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zoneLabel } from "../../generators/production.js";
import { goTools, prometheusOperator } from "../../generators/versions.js";
import { goModuleDir } from "../../tools/cache/gomod.js";
import { build } from "../../tools/dev/kustomize.js";
import { up, type Sim } from "../../tools/sim/cluster.js";
import { waitFor } from "../../tools/sim/probe.js";
import { controlPlane, missingSimTools } from "./requirements.js";

const missing = missingSimTools(...[...controlPlane, "prometheus-operator", "kustomize"]);

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}
interface Pod {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string }[];
  };
  spec: { nodeName?: string };
  status: { phase?: string; conditions?: { type: string; status: string }[] };
}

const zones = ["zone-a", "zone-b", "zone-c"];
const drained = "sim-node-0";
const parse = (text: string) => (yaml.loadAll(text) as (Obj | null)[]).filter((o): o is Obj => !!o);
const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const healthy = (p: Pod) =>
  !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

/** A replicated workload of the rendered overlays: the labels its pods carry and how many it runs. */
interface Workload {
  readonly id: string;
  readonly namespace: string;
  readonly pods: Record<string, string>;
  readonly replicas: number;
}

describe.skipIf(missing.length > 0)("GIVEN the ha environment on 3 simulated nodes in 3 zones", () => {
  let sim: Sim;
  let scratch: string;
  let objects: Obj[] = [];
  let workloads: Workload[] = [];
  const zoneOf = new Map<string, string>();

  const pods = async (): Promise<Pod[]> =>
    (JSON.parse(await sim.kubectl(["get", "pods", "--all-namespaces", "-o", "json"])) as { items: Pod[] }).items;
  const podsOf = (all: readonly Pod[], w: Workload) =>
    all.filter((p) => p.metadata.namespace === w.namespace && selects(w.pods, p.metadata.labels));

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "stackwave-sim-spread-"));
    sim = await up({ dir: join(scratch, "sim"), argocd: false, prometheusOperator: true, nodes: 3, zones });
    zones.forEach((z, i) => zoneOf.set(`sim-node-${i}`, z));
    const crdDir = join(await goModuleDir(goTools.prometheusOperator.module, prometheusOperator.version), prometheusOperator.crdModulePath);
    const crds = readdirSync(crdDir)
      .filter((f) => f.endsWith(".yaml"))
      .flatMap((f) => ["-f", join(crdDir, f)]);
    await sim.kubectl(["apply", "--server-side", ...crds]);
    await sim.kubectl(["wait", "--for=condition=Established", "--timeout=180s", ...crds]);
    await sim.kubectl(["apply", "--server-side", "-f", "-"], build("base/crds/namespaces"));
    // No provisioner on fake nodes: static volumes without a class take the claims (the sim has no default class).
    const volumes = Array.from({ length: 8 }, (_, i) => ({
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: `spread-volume-${i}` },
      spec: {
        capacity: { storage: "20Gi" },
        accessModes: ["ReadWriteOnce"],
        storageClassName: "",
        hostPath: { path: join(scratch, `volume-${i}`) },
      },
    }));
    await sim.kubectl(["apply", "-f", "-"], volumes.map((v) => yaml.dump(v)).join("---\n"));
    objects = ["platform", "apps"].flatMap((layer) => parse(build(`overlays/ha/${layer}`)));
    await sim.kubectl(["apply", "--server-side", "-f", "-"], objects.map((o) => yaml.dump(o, { noRefs: true })).join("---\n"));

    const operated = (kind: string) => (o: Obj) => ({
      "app.kubernetes.io/name": kind.toLowerCase(),
      [kind.toLowerCase()]: o.metadata.name,
    });
    workloads = objects
      .filter((o) => ["Deployment", "StatefulSet", "Prometheus", "Alertmanager"].includes(o.kind))
      .map((o) => ({
        id: `${o.kind}/${o.metadata.name}`,
        namespace: o.metadata.namespace!,
        pods:
          o.kind === "Prometheus" || o.kind === "Alertmanager"
            ? operated(o.kind)(o)
            : (o.spec!.selector.matchLabels as Record<string, string>),
        replicas: Number(o.spec!.replicas ?? 1),
      }));
    // Everything Ready: the operator has made its StatefulSets, the claims are bound, kwok runs the pods.
    await waitFor(
      undefined,
      "every ha workload Ready",
      async () => {
        const all = await pods();
        const short = workloads.filter((w) => podsOf(all, w).filter(healthy).length < w.replicas).map((w) => w.id);
        if (short.length) throw new Error(`not Ready yet: ${short.join(", ")}`);
      },
      600_000,
    );
  });

  afterAll(async () => {
    await sim?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("WHEN the scheduler has placed every replicated workload THEN each node and each zone holds one replica (at most one more than any other)", async () => {
    const all = await pods();
    const replicated = workloads.filter((w) => w.replicas > 1);
    expect(replicated.map((w) => w.id).sort()).toEqual(
      ["Alertmanager/main", "Deployment/backend", "Deployment/blackbox-exporter", "Deployment/frontend", "Prometheus/k8s"].sort(),
    );
    for (const w of replicated) {
      const placed = podsOf(all, w).filter(healthy);
      const perNode = Object.fromEntries(
        [0, 1, 2].map((i) => [`sim-node-${i}`, placed.filter((p) => p.spec.nodeName === `sim-node-${i}`).length]),
      );
      const perZone = Object.fromEntries(zones.map((z) => [z, placed.filter((p) => zoneOf.get(p.spec.nodeName ?? "") === z).length]));
      console.log(`[spread] ${w.id}: ${w.replicas} replicas; per node ${JSON.stringify(perNode)}; per zone ${JSON.stringify(perZone)}`);
      for (const counts of [Object.values(perNode), Object.values(perZone)]) {
        expect(Math.max(...counts) - Math.min(...counts), w.id).toBeLessThanOrEqual(1);
        expect(Math.max(...counts), w.id).toBe(Math.ceil(w.replicas / 3));
      }
    }
    // The zone labels the constraints read are the nodes' own.
    const nodes = JSON.parse(await sim.kubectl(["get", "nodes", "-o", "json"])) as {
      items: { metadata: { name: string; labels: Record<string, string> } }[];
    };
    expect(nodes.items.map((n) => n.metadata.labels[zoneLabel]).sort()).toEqual(zones);
  });

  it("WHEN one node is cordoned and drained through the Eviction API THEN it empties, every workload is whole again elsewhere, and no budget was ever broken", async () => {
    const budgets = objects
      .filter((o) => o.kind === "PodDisruptionBudget")
      .map((pdb) => {
        const w = workloads.find((x) => x.namespace === pdb.metadata.namespace && selects(pdb.spec!.selector.matchLabels, x.pods))!;
        const minAvailable = Number(pdb.spec!.minAvailable ?? w.replicas - Number(pdb.spec!.maxUnavailable));
        return {
          name: pdb.metadata.name,
          namespace: pdb.metadata.namespace!,
          selector: pdb.spec!.selector.matchLabels as Record<string, string>,
          minAvailable,
          replicas: w.replicas,
          lowest: w.replicas,
        };
      });
    expect(budgets.length).toBe(5);

    // Every pod event from here on: the healthy count of each budget's pods after each one.
    const { Watch } = await import("@kubernetes/client-node");
    const state = new Map<string, Pod>();
    for (const p of await pods()) state.set(p.metadata.uid, p);
    const observe = () => {
      for (const b of budgets) {
        const n = [...state.values()].filter(
          (p) => p.metadata.namespace === b.namespace && selects(b.selector, p.metadata.labels) && healthy(p),
        ).length;
        b.lowest = Math.min(b.lowest, n);
      }
    };
    let events = 0;
    const watch = await new Watch(await sim.kubeConfig()).watch(
      "/api/v1/pods",
      {},
      (type: string, pod: Pod) => {
        events++;
        if (type === "DELETED") state.delete(pod.metadata.uid);
        else state.set(pod.metadata.uid, pod);
        observe();
      },
      () => undefined,
    );

    try {
      await sim.kubectl(["cordon", drained]);
      // The node lifecycle controller taints a cordoned node; the spread constraints honour that taint.
      await waitFor(undefined, "unschedulable taint", async () => {
        const taints = await sim.kubectl(["get", "node", drained, "-o", "jsonpath={.spec.taints[*].key}"]);
        if (!taints.includes("node.kubernetes.io/unschedulable")) throw new Error(`taints: ${taints || "none"}`);
      });
      const core = (await sim.kubeConfig()).makeApiClient((await import("@kubernetes/client-node")).CoreV1Api);
      let refused = 0;
      let evicted = 0;
      const deadline = Date.now() + 300_000;
      // As kubectl drain does: evict every pod but DaemonSets', retry what a budget refuses (429) until it passes.
      for (;;) {
        const left = (await pods()).filter(
          (p) =>
            p.spec.nodeName === drained &&
            !p.metadata.ownerReferences?.some((o) => o.kind === "DaemonSet") &&
            !p.metadata.deletionTimestamp,
        );
        if (left.length === 0) break;
        expect(Date.now() < deadline, `still on ${drained}: ${left.map((p) => p.metadata.name).join(", ")}`).toBe(true);
        for (const p of left) {
          try {
            await core.createNamespacedPodEviction({
              name: p.metadata.name,
              namespace: p.metadata.namespace,
              body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: p.metadata.name, namespace: p.metadata.namespace } },
            });
            evicted++;
          } catch (error) {
            if ((error as { code?: number }).code !== 429) throw error;
            refused++;
          }
        }
        // The next pass retries what a budget refused once the evicted pods' replacements are Ready elsewhere.
        await waitFor(
          undefined,
          "every workload whole again",
          async () => {
            const all = await pods();
            if (all.some((p) => p.metadata.deletionTimestamp)) throw new Error("pods still terminating");
            const short = workloads.filter((w) => podsOf(all, w).filter(healthy).length < w.replicas).map((w) => w.id);
            if (short.length) throw new Error(`not whole yet: ${short.join(", ")}`);
          },
          300_000,
        );
      }
      const all = await pods();
      console.log(
        `[drain] ${drained}: ${evicted} evictions accepted, ${refused} refused by a budget (429) and retried, ${events} pod events watched`,
      );
      for (const b of budgets)
        console.log(
          `[drain] ${b.namespace}/${b.name}: ${b.replicas} replicas, lowest healthy ${b.lowest}, budget minAvailable ${b.minAvailable}`,
        );
      for (const b of budgets) expect(b.lowest, b.name).toBeGreaterThanOrEqual(b.minAvailable);
      // Alertmanager kept a majority of its three members throughout.
      expect(budgets.find((b) => b.name === "alertmanager-main")!.lowest).toBeGreaterThanOrEqual(2);
      expect(evicted).toBeGreaterThan(0);
      for (const w of workloads) for (const p of podsOf(all, w).filter(healthy)) expect(p.spec.nodeName, w.id).not.toBe(drained);
    } finally {
      watch.abort();
    }
  });

  it("WHEN nothing can be rescheduled and two Alertmanager members are evicted at once THEN the API server accepts one and its budget refuses the other (429), so a majority stays", async () => {
    const am = workloads.find((w) => w.id === "Alertmanager/main")!;
    await waitFor(
      undefined,
      "Alertmanager whole",
      async () => {
        const ready = podsOf(await pods(), am).filter(healthy);
        if (ready.length < am.replicas) throw new Error(`${ready.length} of ${am.replicas} Ready`);
        // The disruption controller must have seen them all, or it refuses every eviction.
        const allowed = await sim.kubectl([
          "get",
          "pdb",
          "alertmanager-main",
          "-n",
          am.namespace,
          "-o",
          "jsonpath={.status.disruptionsAllowed}",
        ]);
        if (allowed !== "1") throw new Error(`disruptionsAllowed=${allowed || "(none)"}`);
      },
      300_000,
    );
    // kwok restarts a pod in milliseconds, so a replacement would be Ready before the second eviction is judged
    // (the drain above needed no refusal for that reason). With every node cordoned it stays Pending instead.
    for (const node of ["sim-node-0", "sim-node-1", "sim-node-2"]) await sim.kubectl(["cordon", node]);
    const [first, second] = podsOf(await pods(), am).filter(healthy);
    const core = (await sim.kubeConfig()).makeApiClient((await import("@kubernetes/client-node")).CoreV1Api);
    const evict = (p: Pod) =>
      core
        .createNamespacedPodEviction({
          name: p.metadata.name,
          namespace: p.metadata.namespace,
          body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: p.metadata.name, namespace: p.metadata.namespace } },
        })
        .then(
          () => 201,
          (error: { code?: number }) => error.code ?? 0,
        );
    const codes = await Promise.all([evict(first!), evict(second!)]);
    console.log(`[drain] two Alertmanager evictions at once answered ${codes.join(" and ")}`);
    expect(codes.sort()).toEqual([201, 429]);
    const ready = podsOf(await pods(), am).filter(healthy).length;
    expect(ready).toBe(2);
  });
});
