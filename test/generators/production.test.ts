// The `production` part of an environment, on what kustomize renders: spread, volumes, retention, single
// kube-state-metrics and Grafana, budgets that let a node drain, Ingress objects and the external database.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import type { EnvironmentConfig, StackConfig } from "../../generators/config.js";
import { generate } from "../../generators/generate.js";
import { repoRoot } from "../../generators/paths.js";
import { hostnameLabel, zoneLabel } from "../../generators/production.js";
import { defaultConfig } from "../../generators/stack.js";
import { validateConfig } from "../../generators/validate.js";
import { build, kustomizeCommand } from "../../tools/dev/kustomize.js";
import { suiteDir } from "../support/temp.js";
import { requireTool } from "../support/tools.js";

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const parse = (text: string) => yaml.loadAll(text).filter((d): d is Obj => d !== null && typeof d === "object");
const kustomize = requireTool("kustomize", "build the pinned kustomize v5.7.1 into the tool cache: npx tsx tools/cache/build.ts");
const config = defaultConfig();
const ha = config.environments.find((e) => e.name === "ha")!;
const prod = ha.production!;
const replicated = ["Deployment", "StatefulSet", "Prometheus", "Alertmanager"];

/** Replicas, pod labels and spread constraints of a workload, wherever its kind keeps them. */
function workload(o: Obj) {
  const operated = o.kind === "Prometheus" || o.kind === "Alertmanager";
  const pod = operated ? { labels: {}, spec: o.spec! } : { labels: o.spec!.template.metadata.labels, spec: o.spec!.template.spec };
  // The operator adds these labels to the pods of its StatefulSets (prometheus-operator pkg/prometheus, pkg/alertmanager).
  const labels: Record<string, string> = operated
    ? { "app.kubernetes.io/name": o.kind.toLowerCase(), [o.kind.toLowerCase()]: o.metadata.name }
    : pod.labels;
  return {
    replicas: Number(o.spec!.replicas ?? 1),
    labels,
    spread: (pod.spec.topologySpreadConstraints ?? []) as {
      topologyKey: string;
      whenUnsatisfiable: string;
      maxSkew: number;
      nodeTaintsPolicy?: string;
      labelSelector: { matchLabels: Record<string, string> };
    }[],
  };
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.skipIf(!kustomize)("GIVEN the ha environment rendered by kustomize", () => {
  let objects: Obj[] = [];
  beforeAll(() => {
    objects = ["operator", "platform", "apps"].flatMap((layer) => parse(build(`overlays/ha/${layer}`)));
  }, 300_000);
  const workloads = () => objects.filter((o) => replicated.includes(o.kind));

  it("WHEN every workload with more than one replica is read THEN it spreads one per node (hard) and across zones, selecting its own pods", () => {
    const many = workloads().filter((o) => workload(o).replicas > 1);
    expect(many.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      ["Alertmanager/main", "Deployment/backend", "Deployment/blackbox-exporter", "Deployment/frontend", "Prometheus/k8s"].sort(),
    );
    for (const o of many) {
      const w = workload(o);
      const node = w.spread.find((c) => c.topologyKey === hostnameLabel);
      const zone = w.spread.find((c) => c.topologyKey === zoneLabel);
      expect(node, o.metadata.name).toMatchObject({ whenUnsatisfiable: "DoNotSchedule", maxSkew: 1, nodeTaintsPolicy: "Honor" });
      expect(zone, o.metadata.name).toMatchObject({
        whenUnsatisfiable: prod.zoneSpread === "required" ? "DoNotSchedule" : "ScheduleAnyway",
      });
      for (const c of [node!, zone!]) expect(selects(c.labelSelector.matchLabels, w.labels), o.metadata.name).toBe(true);
    }
  });

  it("WHEN Prometheus and Alertmanager are read THEN each keeps its data on a claim of the configured size, and Prometheus has both retentions", () => {
    const prom = objects.find((o) => o.kind === "Prometheus")!;
    const am = objects.find((o) => o.kind === "Alertmanager")!;
    expect(prom.spec!.storage.volumeClaimTemplate.spec.resources.requests.storage).toBe(prod.prometheus.storage);
    expect(prom.spec!.retentionSize).toBe(prod.prometheus.retentionSize);
    expect(prom.spec!.retention).toBe(ha.retention);
    expect(am.spec!.storage.volumeClaimTemplate.spec.resources.requests.storage).toBe(prod.alertmanager.storage);
    expect(am.spec!.storage.volumeClaimTemplate.spec.accessModes).toEqual(["ReadWriteOnce"]);
  });

  it("WHEN kube-state-metrics and Grafana are read THEN each runs once (no duplicated series, no split sessions)", () => {
    for (const name of ["kube-state-metrics", "grafana"])
      expect(workload(objects.find((o) => o.kind === "Deployment" && o.metadata.name === name)!).replicas, name).toBe(1);
  });

  it("WHEN the budgets are matched to their workloads THEN every replicated workload has one, each allows one eviction, and none blocks a single replica", () => {
    const budgets = objects.filter((o) => o.kind === "PodDisruptionBudget");
    const covered = new Set<string>();
    for (const pdb of budgets) {
      const targets = workloads().filter((o) => selects(pdb.spec!.selector.matchLabels, workload(o).labels));
      expect(targets, pdb.metadata.name).toHaveLength(1);
      const { replicas } = workload(targets[0]!);
      const minAvailable = pdb.spec!.minAvailable ?? replicas - Number(pdb.spec!.maxUnavailable);
      // Healthy with one pod per node: draining one node takes one pod, which the budget must allow.
      expect(replicas - minAvailable, pdb.metadata.name).toBeGreaterThanOrEqual(1);
      // A majority stays up: an Alertmanager cluster keeps quorum, Prometheus keeps a replica.
      expect(minAvailable, pdb.metadata.name).toBeGreaterThanOrEqual(Math.floor(replicas / 2));
      covered.add(`${targets[0]!.kind}/${targets[0]!.metadata.name}`);
    }
    const many = workloads().filter((o) => workload(o).replicas > 1);
    expect([...covered].sort()).toEqual(many.map((o) => `${o.kind}/${o.metadata.name}`).sort());
  });

  it("WHEN the Ingress objects are read THEN Grafana and the guestbook have the configured class, host and TLS Secret, pointing at their Services", () => {
    const ingresses = objects.filter((o) => o.kind === "Ingress");
    const services = objects.filter((o) => o.kind === "Service");
    expect(ingresses.map((i) => i.spec!.rules[0].host).sort()).toEqual([prod.ingress!.hosts.grafana, prod.ingress!.hosts.guestbook].sort());
    for (const ingress of ingresses) {
      const host = ingress.spec!.rules[0].host as string;
      const target = host === prod.ingress!.hosts.grafana ? "grafana" : "guestbook";
      expect(ingress.apiVersion).toBe("networking.k8s.io/v1");
      expect(ingress.spec!.ingressClassName).toBe(prod.ingress!.className);
      expect(ingress.spec!.tls).toEqual([{ hosts: [host], secretName: prod.ingress!.tlsSecrets[target] }]);
      const backend = ingress.spec!.rules[0].http.paths[0].backend.service;
      const service = services.find((s) => s.metadata.name === backend.name && s.metadata.namespace === ingress.metadata.namespace);
      expect(
        service?.spec!.ports.map((p: { port: number }) => p.port),
        host,
      ).toContain(backend.port.number);
    }
  });

  it("WHEN the prod cluster's Argo CD values are read THEN Argo CD's Ingress has the same class, its host and TLS Secret, and the URL is that host", () => {
    const values = yaml.load(readFileSync(join(repoRoot, "clusters", "prod", "argocd-values.yaml"), "utf8")) as {
      server: { service: { type: string }; ingress: Record<string, unknown> };
      configs: { cm: { url: string }; repositories?: unknown };
    };
    expect(values.server.ingress).toMatchObject({
      enabled: true,
      ingressClassName: prod.ingress!.className,
      hostname: prod.ingress!.hosts.argocd,
    });
    expect(values.server.ingress.extraTls).toEqual([{ hosts: [prod.ingress!.hosts.argocd], secretName: prod.ingress!.tlsSecrets.argocd }]);
    expect(values.configs.cm.url).toBe(`https://${prod.ingress!.hosts.argocd}`);
    expect(values.server.service.type).toBe("ClusterIP");
    // The repository and its credentials come from bootstrap's Secret, never from the values in git.
    expect(values.configs.repositories).toBeUndefined();
  });

  it("WHEN the local environment is rendered THEN it has no Ingress, no spread and no claims for Prometheus", () => {
    const local = ["platform", "apps"].flatMap((layer) => parse(build(`overlays/local/${layer}`)));
    expect(local.filter((o) => o.kind === "Ingress")).toEqual([]);
    expect(local.filter((o) => replicated.includes(o.kind)).flatMap((o) => workload(o).spread)).toEqual([]);
    expect(local.find((o) => o.kind === "Prometheus")!.spec!.storage).toBeUndefined();
  });

  it("WHEN the guestbook's containers are read THEN ha pulls them from appRegistry with the source tags, and local from the Kind registry", () => {
    const imagesOf = (list: Obj[]) =>
      list
        .filter((o) => o.kind === "Deployment" && ["backend", "frontend"].includes(o.metadata.name))
        .map((o) => [o.metadata.name, o.spec!.template.spec.containers[0].image as string])
        .sort();
    const local = parse(build("overlays/local/apps"));
    const tag = (app: string) =>
      (config.images as Record<string, { tag: string }>)[`guestbook${app[0]!.toUpperCase()}${app.slice(1)}`]!.tag;
    expect(imagesOf(objects)).toEqual(["backend", "frontend"].map((a) => [a, `${prod.appRegistry}/guestbook-${a}:${tag(a)}`]));
    expect(imagesOf(local)).toEqual(["backend", "frontend"].map((a) => [a, `localhost:5001/guestbook-${a}:${tag(a)}`]));
  });
});

/** The default config with the ha environment changed by `change`. */
function withHa(change: (env: { -readonly [K in keyof EnvironmentConfig]: EnvironmentConfig[K] }) => void): StackConfig {
  const copy = JSON.parse(JSON.stringify(config)) as StackConfig;
  change(copy.environments.find((e) => e.name === "ha") as never);
  return copy;
}

describe.skipIf(!kustomize)("GIVEN the ha environment with an external database", () => {
  const folder = suiteDir("production");
  let apps: Obj[] = [];
  let platform: Obj[] = [];
  beforeAll(() => {
    const root = folder();
    const external = withHa((env) => (env.production = { ...env.production!, database: { kind: "external" } }));
    const result = generate({ config: external, root });
    expect(result.ok).toBe(true);
    const [program, ...args] = kustomizeCommand();
    const render = (dir: string) => parse(execFileSync(program, [...args, dir], { cwd: root, encoding: "utf8" }));
    apps = render("overlays/ha/apps");
    platform = render("overlays/ha/platform");
  }, 300_000);

  it("WHEN the apps overlay is rendered THEN MongoDB's StatefulSet, Service, ConfigMap and policy are gone", () => {
    expect(apps.filter((o) => o.metadata.name === "mongodb" || o.metadata.name === "mongosh-config")).toEqual([]);
    expect(
      apps
        .filter((o) => o.kind === "Deployment")
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(["backend", "frontend"]);
  });

  it("WHEN the backend is read THEN its MONGODB_URI comes from the credentials Secret's uri key and no bundled address is left", () => {
    const backend = apps.find((o) => o.kind === "Deployment" && o.metadata.name === "backend")!;
    const env = backend.spec!.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: unknown }[];
    const uri = env.find((e) => e.name === "MONGODB_URI")!;
    expect(uri).toEqual({ name: "MONGODB_URI", valueFrom: { secretKeyRef: { name: "mongodb-credentials", key: "uri" } } });
    expect(env.map((e) => e.name)).not.toContain("GUESTBOOK_DB_ADDR");
    // The credentials still arrive separately (the backend refuses a URI with credentials in it).
    expect(env.map((e) => e.name)).toEqual(expect.arrayContaining(["MONGODB_USERNAME", "MONGODB_PASSWORD"]));
    // The same object keeps its spread: both changes share one patch.
    expect(workload(backend).spread.map((c) => c.topologyKey)).toEqual([hostnameLabel, zoneLabel]);
  });

  it("WHEN the MongoDB exporter is read THEN it takes the URI from the Secret, not from a flag naming the bundled Service", () => {
    const exporter = platform.find((o) => o.kind === "Deployment" && o.metadata.name === "mongodb-exporter")!;
    const container = exporter.spec!.template.spec.containers[0];
    expect((container.args as string[]).some((a) => a.startsWith("--mongodb.uri"))).toBe(false);
    expect(container.env).toContainEqual({ name: "MONGODB_URI", valueFrom: { secretKeyRef: { name: "mongodb-credentials", key: "uri" } } });
  });
});

describe("GIVEN a production block with mistakes", () => {
  const problems = (change: Parameters<typeof withHa>[0]) => validateConfig(withHa(change)).map((p) => `${p.path}: expected ${p.expected}`);

  it("WHEN the size-based retention does not fit the volume THEN the field and the largest value are named", () => {
    expect(problems((env) => (env.production = { ...env.production!, prometheus: { storage: "10Gi", retentionSize: "10GiB" } }))).toEqual([
      "environments[1].production.prometheus.retentionSize: expected at most 90% of prometheus.storage 10Gi (9GiB)",
    ]);
  });

  it("WHEN the size is given without the i THEN it still means powers of two, as Prometheus reads it", () => {
    const size = (retentionSize: string) =>
      problems((env) => (env.production = { ...env.production!, prometheus: { storage: "10Gi", retentionSize } }));
    expect(size("9GB")).toEqual([]);
    expect(size("9GiB")).toEqual([]);
    expect(size("10GB")).toEqual([
      "environments[1].production.prometheus.retentionSize: expected at most 90% of prometheus.storage 10Gi (9GiB)",
    ]);
  });

  it("WHEN fields have the wrong form THEN each is named with what it expects", () => {
    const found = problems((env) => {
      env.production = {
        ...env.production!,
        zoneSpread: "always" as never,
        prometheus: { storage: "20GB", retentionSize: "16G" },
        ingress: { ...env.production!.ingress!, hosts: { ...env.production!.ingress!.hosts, grafana: "Grafana!" } },
        appRegistry: "https://ghcr.io/stackwave",
      };
    });
    expect(found).toEqual([
      "environments[1].production.zoneSpread: expected one of preferred, required",
      "environments[1].production.prometheus.storage: expected a volume size such as 20Gi",
      "environments[1].production.prometheus.retentionSize: expected a Prometheus size such as 16GiB",
      "environments[1].production.ingress.hosts.grafana: expected a DNS name such as grafana.example.com",
      "environments[1].production.appRegistry: expected a registry host and optional path such as ghcr.io/stackwave",
    ]);
  });

  it("WHEN two UIs share a host or the database kind is unknown THEN both are named", () => {
    const found = problems((env) => {
      const ingress = env.production!.ingress!;
      env.production = {
        ...env.production!,
        database: { kind: "cloud" } as never,
        ingress: { ...ingress, hosts: { ...ingress.hosts, guestbook: ingress.hosts.grafana } },
      };
    });
    expect(found).toEqual([
      "environments[1].production.database.kind: expected one of bundled, external",
      "environments[1].production.ingress.hosts.guestbook: expected a host not already used by hosts.grafana",
    ]);
  });

  it("WHEN an environment sets two kube-state-metrics or Grafana replicas THEN each is refused", () => {
    expect(problems((env) => (env.replicas = { ...env.replicas, kubeStateMetrics: 2, grafana: 2 }))).toEqual([
      "environments[1].replicas.grafana: expected an integer from 0 to 1",
      "environments[1].replicas.kubeStateMetrics: expected an integer from 0 to 1",
    ]);
  });

  it("WHEN an existing cluster names an ssh remote THEN it is valid, and a Kind cluster with one is refused", () => {
    const copy = JSON.parse(JSON.stringify(config)) as { clusters: { runtime: string; repoURL: string }[] };
    copy.clusters.find((c) => c.runtime === "existing")!.repoURL = "git@git.example.com:team/stackwave.git";
    expect(validateConfig(copy)).toEqual([]);
    copy.clusters[0]!.repoURL = "ssh://git@git.example.com/team/stackwave.git";
    expect(validateConfig(copy).map((p) => p.path)).toEqual(["clusters[0].repoURL"]);
  });
});
