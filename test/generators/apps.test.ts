// The apps layer as the cluster receives it: the generator's output for base/apps and overlays/*/apps,
// built by real kustomize, then checked for hardening, wiring, secrets, network reachability and HA.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvironmentConfig } from "../../generators/config.js";
import { apps } from "../../generators/layers/apps.js";
import { environmentImage } from "../../generators/production.js";
import { render } from "../../generators/render.js";
import { defaultConfig, nodePorts } from "../../generators/stack.js";
import { imageString } from "../../generators/versions.js";
import { requireTool } from "../support/tools.js";

/** The pinned standalone kustomize from the tool cache (or PATH). */
const kustomizeBin = requireTool("kustomize", "build the pinned kustomize v5.7.1 into the tool cache: npx tsx tools/cache/build.ts");
const kustomize = kustomizeBin ? ([kustomizeBin, "build"] as const) : undefined;

// Loose shapes of what kustomize prints; the assertions check the fields they read.
type Labels = Record<string, string>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  securityContext?: SecurityContext;
  resources?: { requests?: Labels; limits?: Labels };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodTemplate {
  metadata: { labels: Labels };
  spec: { securityContext?: SecurityContext; containers: Container[]; initContainers?: Container[]; volumes?: { name: string }[] };
}
interface NetworkPolicyPeer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: unknown;
}
interface K8s {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  spec?: {
    replicas?: number;
    serviceName?: string;
    template?: PodTemplate;
    volumeClaimTemplates?: { metadata: { name: string }; spec: { resources: { requests: Labels } } }[];
    selector?: Labels | Selector;
    type?: string;
    clusterIP?: string;
    ports?: { name?: string; port: number; targetPort?: number | string; nodePort?: number }[];
    podSelector?: Selector;
    policyTypes?: string[];
    ingress?: { from?: NetworkPolicyPeer[]; ports?: { port?: number | string; protocol?: string }[] }[];
    maxUnavailable?: number | string;
    minAvailable?: number | string;
  };
}

const config = defaultConfig();
let root = "";
const rendered = new Map<string, K8s[]>();
const text = new Map<string, string>();

beforeAll(() => {
  if (!kustomize) return;
  root = mkdtempSync(join(tmpdir(), "stackwave-apps-"));
  for (const [path, content] of render(config, [apps])) {
    if (!/^(base\/apps|overlays\/[^/]+\/apps)\//.test(path)) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  for (const env of config.environments) {
    const [bin, ...args] = kustomize;
    const out = execFileSync(bin, [...args, join(root, "overlays", env.name, "apps")], { encoding: "utf8" });
    text.set(env.name, out);
    rendered.set(env.name, yaml.loadAll(out) as K8s[]);
  }
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const objects = (env: string) => rendered.get(env) ?? [];
const find = (env: string, kind: string, name: string): K8s => {
  const found = objects(env).find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${env}: no ${kind}/${name} in the rendered apps layer`);
  return found;
};
const workloads = (env: string) => objects(env).filter((o) => o.spec?.template);
const mainContainer = (workload: K8s): Container => workload.spec!.template!.spec.containers[0]!;
const envOf = (c: Container, name: string): EnvVar | undefined => c.env?.find((e) => e.name === name);

function selects(selector: Selector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    const has = e.key in labels;
    if (e.operator === "In") return has && e.values!.includes(labels[e.key]!);
    if (e.operator === "NotIn") return !has || !e.values!.includes(labels[e.key]!);
    if (e.operator === "Exists") return has;
    if (e.operator === "DoesNotExist") return !has;
    throw new Error(`unknown selector operator ${e.operator}`);
  });
  return byLabels && byExpressions;
}

/** The workload whose pods a Service (or PDB) selector picks; exactly one is expected. */
function selectedWorkload(env: string, selector: Labels | Selector): K8s {
  const asSelector: Selector =
    "matchLabels" in selector || "matchExpressions" in selector ? (selector as Selector) : { matchLabels: selector as Labels };
  const picked = workloads(env).filter((w) => selects(asSelector, w.spec!.template!.metadata.labels));
  expect(picked.map((w) => w.metadata.name)).toHaveLength(1);
  return picked[0]!;
}

/** Follows `host:port` through a Service to the container port that receives it. */
function resolveAddress(env: string, address: string): { service: K8s; workload: K8s; containerPort: number } {
  const [host, port] = address.split(":");
  const service = find(env, "Service", host!);
  const servicePort = service.spec!.ports!.find((p) => p.port === Number(port));
  expect(servicePort, `Service ${host} has port ${port}`).toBeDefined();
  const workload = selectedWorkload(env, service.spec!.selector!);
  const target = servicePort!.targetPort ?? servicePort!.port;
  const containerPort = mainContainer(workload).ports!.find((p) =>
    typeof target === "number" ? p.containerPort === target : p.name === target,
  );
  expect(containerPort, `Service ${host}'s targetPort ${target} names a port of ${workload.metadata.name}`).toBeDefined();
  return { service, workload, containerPort: containerPort!.containerPort };
}

/** A pod as NetworkPolicy sees it: its labels and its namespace's labels. */
interface Pod {
  readonly namespace: string;
  readonly labels: Labels;
}
const namespaceLabels = (ns: string): Labels => ({ "kubernetes.io/metadata.name": ns });

/**
 * NetworkPolicy ingress semantics for one connection, written from the Kubernetes API reference (no
 * ipBlock peers are expected). This is a model, not the real thing: the test below proves that the
 * generated policies, read the way the reference defines them (pod and namespace selectors, policy
 * namespace, named and numbered ports, default allow until a policy selects a pod), admit exactly the
 * intended peers. It does not prove that a CNI enforces them, nor that this model matches one
 * (egress, endPort, SCTP and ipBlock are not modelled): enforcement is checked on Kind (issue 11).
 */
function ingressAllowed(policies: readonly K8s[], from: Pod, to: Pod & { ports: Container["ports"] }, port: number): boolean {
  const isolating = policies.filter(
    (p) =>
      p.metadata.namespace === to.namespace &&
      (p.spec!.policyTypes ?? ["Ingress"]).includes("Ingress") &&
      selects(p.spec!.podSelector, to.labels),
  );
  if (isolating.length === 0) return true;
  return isolating.some((policy) =>
    (policy.spec!.ingress ?? []).some((rule) => {
      const portOk =
        !rule.ports ||
        rule.ports.length === 0 ||
        rule.ports.some(
          (p) =>
            (p.protocol ?? "TCP") === "TCP" &&
            (p.port === undefined || p.port === port || to.ports?.some((c) => c.name === p.port && c.containerPort === port)),
        );
      const peerOk =
        !rule.from ||
        rule.from.length === 0 ||
        rule.from.some((peer) => {
          if (peer.ipBlock) throw new Error(`${policy.metadata.name}: ipBlock peers are not expected in the guestbook`);
          const nsOk = peer.namespaceSelector
            ? selects(peer.namespaceSelector, namespaceLabels(from.namespace))
            : from.namespace === policy.metadata.namespace;
          const podOk = peer.podSelector ? selects(peer.podSelector, from.labels) : true;
          return nsOk && podOk;
        });
      return portOk && peerOk;
    }),
  );
}

describe.skipIf(!kustomize)("GIVEN the apps layer rendered by kustomize for every environment", () => {
  describe.each(config.environments.map((env) => [env.name, env] as [string, EnvironmentConfig]))("GIVEN environment %s", (envName) => {
    it("WHEN each container is read THEN it is non-root, read-only, drops every capability, uses RuntimeDefault seccomp and sets requests and limits", () => {
      const all = workloads(envName).flatMap((w) =>
        [...w.spec!.template!.spec.containers, ...(w.spec!.template!.spec.initContainers ?? [])].map((c) => ({ w, c })),
      );
      expect(all.map(({ c }) => c.name).sort()).toEqual(["backend", "frontend", "mongodb"]);
      for (const { w, c } of all) {
        const pod = w.spec!.template!.spec.securityContext ?? {};
        const sc = c.securityContext ?? {};
        const where = `${w.kind}/${w.metadata.name} container ${c.name}`;
        expect(sc.runAsNonRoot ?? pod.runAsNonRoot, where).toBe(true);
        expect(sc.runAsUser ?? pod.runAsUser, where).toBeGreaterThan(0);
        expect(sc.readOnlyRootFilesystem, where).toBe(true);
        expect(sc.allowPrivilegeEscalation, where).toBe(false);
        expect(sc.capabilities?.drop, where).toContain("ALL");
        expect(sc.capabilities?.add ?? [], where).toEqual([]);
        expect((sc.seccompProfile ?? pod.seccompProfile)?.type, where).toBe("RuntimeDefault");
        for (const kind of ["requests", "limits"] as const) {
          expect(c.resources?.[kind]?.cpu, `${where} ${kind}.cpu`).toMatch(/^\d+m?$/);
          expect(c.resources?.[kind]?.memory, `${where} ${kind}.memory`).toMatch(/^\d+(Mi|Gi)$/);
        }
        // A read-only root still needs somewhere to write temporary files.
        expect(
          c.volumeMounts?.map((m) => m.mountPath),
          where,
        ).toContain("/tmp");
      }
    });

    it("WHEN images are read THEN they are exactly the configured images as the environment pulls them, never :latest", () => {
      const images = Object.fromEntries(workloads(envName).map((w) => [w.metadata.name, mainContainer(w).image]));
      const env = config.environments.find((e) => e.name === envName)!;
      const pulled = (i: (typeof config.images)["mongodb"]) => imageString(environmentImage(i, env));
      expect(images).toEqual({
        backend: pulled(config.images.guestbookBackend),
        frontend: pulled(config.images.guestbookFrontend),
        mongodb: imageString(config.images.mongodb),
      });
      // Only production environments move the guestbook off the Kind registry.
      expect(images.backend!.startsWith("localhost:5001/")).toBe(!env.production);
      for (const image of Object.values(images)) expect(image).not.toMatch(/:latest$/);
    });

    it("WHEN the web apps' probes are read THEN liveness is /healthz and readiness /readyz on the port PORT names", () => {
      for (const name of ["backend", "frontend"]) {
        const c = mainContainer(find(envName, "Deployment", name));
        const port = Number(envOf(c, "PORT")?.value);
        const http = c.ports!.find((p) => p.containerPort === port);
        expect(http, `${name} exposes PORT ${port}`).toBeDefined();
        for (const [probe, path] of [
          [c.livenessProbe, "/healthz"],
          [c.readinessProbe, "/readyz"],
        ] as const) {
          expect(probe?.httpGet?.path).toBe(path);
          expect([http!.name, http!.containerPort]).toContain(probe?.httpGet?.port);
        }
      }
    });

    it("WHEN the backend's GUESTBOOK_DB_ADDR and MONGODB_URI are followed THEN they reach the MongoDB StatefulSet's port through an existing Service", () => {
      const backend = mainContainer(find(envName, "Deployment", "backend"));
      const address = envOf(backend, "GUESTBOOK_DB_ADDR")?.value ?? "";
      expect(address).toMatch(/^[a-z0-9-]+:\d+$/);
      const { service, workload, containerPort } = resolveAddress(envName, address);
      expect(workload.kind).toBe("StatefulSet");
      expect(containerPort).toBe(27017);
      expect(workload.spec!.serviceName).toBe(service.metadata.name);
      expect(service.spec!.clusterIP).toBe("None");

      const uri = envOf(backend, "MONGODB_URI")?.value ?? "";
      const parsed = /^mongodb:\/\/([^/@]+)\/\w+\?authSource=admin$/.exec(uri);
      expect(parsed, `MONGODB_URI ${uri} (no credentials inside)`).not.toBeNull();
      expect(parsed![1]).toBe(address);
      // Credentials go to the driver as their own variables (any character works), from the Secret the
      // MongoDB entrypoint creates its root user from.
      const mongo = mainContainer(workload);
      for (const [own, rootVar] of [
        ["MONGODB_USERNAME", "MONGO_INITDB_ROOT_USERNAME"],
        ["MONGODB_PASSWORD", "MONGO_INITDB_ROOT_PASSWORD"],
      ] as const) {
        const fromSecret = envOf(backend, own)?.valueFrom?.secretKeyRef;
        expect(fromSecret?.name, own).toBe("mongodb-credentials");
        expect(envOf(mongo, rootVar)?.valueFrom?.secretKeyRef).toEqual(fromSecret);
      }
    });

    it("WHEN the frontend's GUESTBOOK_API_ADDR is followed THEN it reaches the backend's PORT through the backend Service", () => {
      const frontend = mainContainer(find(envName, "Deployment", "frontend"));
      const { service, workload, containerPort } = resolveAddress(envName, envOf(frontend, "GUESTBOOK_API_ADDR")?.value ?? "");
      expect(service.metadata.name).toBe("backend");
      expect(workload.metadata.name).toBe("backend");
      expect(containerPort).toBe(Number(envOf(mainContainer(workload), "PORT")?.value));
    });

    it("WHEN the frontend Service is read THEN it is the NodePort Kind maps to the host's guestbook port", () => {
      const service = find(envName, "Service", "frontend");
      expect(service.spec!.type).toBe("NodePort");
      expect(service.spec!.ports!.map((p) => p.nodePort)).toEqual([nodePorts.guestbook]);
      expect(selectedWorkload(envName, service.spec!.selector!).metadata.name).toBe("frontend");
    });

    it("WHEN MongoDB is read THEN it keeps its data on a claimed volume and authenticates from the bootstrap Secret", () => {
      const mongodb = find(envName, "StatefulSet", "mongodb");
      const claims = mongodb.spec!.volumeClaimTemplates!;
      expect(claims.map((c) => c.metadata.name)).toEqual(["data"]);
      expect(claims[0]!.spec.resources.requests.storage).toMatch(/^\d+Gi$/);
      const c = mainContainer(mongodb);
      expect(c.volumeMounts).toContainEqual({ name: "data", mountPath: "/data/db" });
      expect(c.livenessProbe && c.readinessProbe).toBeTruthy();
      expect(envOf(c, "MONGO_INITDB_ROOT_USERNAME")?.valueFrom?.secretKeyRef).toEqual({ name: "mongodb-credentials", key: "username" });
      expect(envOf(c, "MONGO_INITDB_ROOT_PASSWORD")?.valueFrom?.secretKeyRef).toEqual({ name: "mongodb-credentials", key: "password" });
    });

    it("WHEN the output is searched for secrets THEN there is no Secret object and every credential comes from a secretKeyRef", () => {
      expect(objects(envName).filter((o) => o.kind === "Secret")).toEqual([]);
      const credentialVars = workloads(envName)
        .flatMap((w) => mainContainer(w).env ?? [])
        .filter((e) => /PASSWORD|USERNAME|SECRET|TOKEN/.test(e.name));
      expect(credentialVars.length).toBeGreaterThanOrEqual(4);
      for (const e of credentialVars) {
        expect(e.value, e.name).toBeUndefined();
        expect(e.valueFrom?.secretKeyRef?.name, e.name).toBe("mongodb-credentials");
      }
      // No connection string carries literal user:password@ (only $(VAR) references).
      expect(text.get(envName)).not.toMatch(/:\/\/[^\s$:@/]+:[^\s$@]+@/);
    });

    it("WHEN connections are checked against the NetworkPolicies, as the API reference reads them (a model, not enforcement) THEN only the intended peers reach each pod", () => {
      const policies = objects(envName).filter((o) => o.kind === "NetworkPolicy");
      const podOf = (name: string) => {
        const w = workloads(envName).find((x) => x.metadata.name === name)!;
        return { namespace: "guestbook", labels: w.spec!.template!.metadata.labels, ports: mainContainer(w).ports };
      };
      const sources: Record<string, Pod> = {
        frontend: podOf("frontend"),
        backend: podOf("backend"),
        mongodb: podOf("mongodb"),
        prometheus: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" } },
        mongodbExporter: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "mongodb-exporter" } },
        blackbox: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "blackbox-exporter" } },
        grafana: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "grafana" } },
        strangerInGuestbook: { namespace: "guestbook", labels: { app: "debug" } },
        // Look-alikes in other namespaces: labels alone must not open a door.
        frontendLookalike: { namespace: "default", labels: podOf("frontend").labels },
        prometheusLookalike: { namespace: "default", labels: { "app.kubernetes.io/name": "prometheus" } },
        exporterLookalike: { namespace: "guestbook", labels: { "app.kubernetes.io/name": "mongodb-exporter" } },
      };
      const reachers = (to: ReturnType<typeof podOf>, port: number) =>
        Object.entries(sources)
          .filter(([, from]) => ingressAllowed(policies, from, to, port))
          .map(([name]) => name)
          .sort();

      expect(reachers(podOf("backend"), 8080)).toEqual(["frontend", "prometheus"]);
      expect(reachers(podOf("mongodb"), 27017)).toEqual(["backend", "mongodbExporter"]);
      expect(reachers(podOf("frontend"), 8080)).toEqual(Object.keys(sources).sort());
      // Other ports stay closed, even to allowed peers.
      expect(reachers(podOf("backend"), 9229)).toEqual([]);
      expect(reachers(podOf("mongodb"), 8080)).toEqual([]);
      expect(reachers(podOf("frontend"), 9229)).toEqual([]);
      // A pod added to the namespace later is closed until a policy opens it.
      expect(reachers({ namespace: "guestbook", labels: { app: "new" }, ports: [{ containerPort: 8080 }] }, 8080)).toEqual([]);
    });
  });

  it("WHEN ha and local are compared THEN ha runs the configured replicas with PodDisruptionBudgets and local has none", () => {
    for (const env of config.environments) {
      const budgets = objects(env.name).filter((o) => o.kind === "PodDisruptionBudget");
      const replicas = { backend: env.replicas.backend, frontend: env.replicas.frontend };
      for (const [name, count] of Object.entries(replicas))
        expect(find(env.name, "Deployment", name).spec!.replicas, `${env.name} ${name}`).toBe(count);
      if (!env.podDisruptionBudgets) {
        expect(budgets, env.name).toEqual([]);
        continue;
      }
      const covered = budgets.map((b) => selectedWorkload(env.name, b.spec!.selector!).metadata.name).sort();
      expect(covered).toEqual(["backend", "frontend"]);
      for (const budget of budgets) {
        const count = find(env.name, "Deployment", budget.metadata.name).spec!.replicas!;
        const maxDown =
          budget.spec!.maxUnavailable !== undefined ? Number(budget.spec!.maxUnavailable) : count - Number(budget.spec!.minAvailable);
        // A drain can evict one pod at a time and never the last one.
        expect(maxDown, budget.metadata.name).toBeGreaterThanOrEqual(1);
        expect(count - maxDown, budget.metadata.name).toBeGreaterThanOrEqual(1);
      }
    }
    const ha = config.environments.find((e) => e.name === "ha")!;
    expect(ha.podDisruptionBudgets).toBe(true);
    expect(ha.replicas.backend).toBeGreaterThan(1);
  });
});
