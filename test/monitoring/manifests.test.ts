// What kube-prometheus gives every component, checked on the rendered overlays: pinned images from the
// versions module, requests and limits, hardened security contexts (documented exceptions only),
// NetworkPolicies, scoped RBAC, PDBs in `ha`, NodePorts, and no default Grafana password.
import { describe, expect, it } from "vitest";
import { watchedNamespaces } from "../../generators/monitoring.js";
import { environments, nodePorts } from "../../generators/stack.js";
import { defaultConfig } from "../../generators/stack.js";
import { imageString } from "../../generators/versions.js";
import { environmentNames, find, overlay, stack, type Obj } from "./support.js";

const workloadKinds = ["Deployment", "DaemonSet", "StatefulSet"];
const podSpec = (o: Obj) => o.spec.template.spec;
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each(environmentNames)("GIVEN the monitoring layers rendered for %s", (env) => {
  const objects = stack(env);
  const workloads = objects.filter((o) => workloadKinds.includes(o.kind));
  const config = defaultConfig();
  const allowed = new Set(Object.values(config.images).map(imageString));

  it("WHEN workloads are listed THEN the operator, Grafana and every exporter are there", () => {
    expect(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual([
      "DaemonSet/node-exporter",
      "Deployment/blackbox-exporter",
      "Deployment/grafana",
      "Deployment/kube-state-metrics",
      "Deployment/mongodb-exporter",
      "Deployment/prometheus-operator",
    ]);
  });

  it("WHEN images are read THEN each comes from the versions module (workloads and both CRs)", () => {
    const images = [
      ...workloads.flatMap((w) => podSpec(w).containers.map((c: { image: string }) => c.image)),
      find(objects, "Prometheus", "k8s").spec.image,
      find(objects, "Alertmanager", "main").spec.image,
    ];
    for (const image of images) expect(allowed.has(image), image).toBe(true);
    const operatorArgs: string[] = podSpec(find(objects, "Deployment", "prometheus-operator")).containers[0].args;
    expect(operatorArgs).toContain(`--prometheus-config-reloader=${imageString(config.images.prometheusConfigReloader)}`);
  });

  it("WHEN containers are read THEN each has requests and limits and the hardened security context", () => {
    for (const w of workloads)
      for (const c of podSpec(w).containers) {
        expect(
          c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.cpu && c.resources?.limits?.memory,
          `${w.metadata.name}`,
        ).toBeTruthy();
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ["ALL"] },
        });
        expect(podSpec(w).securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      }
    for (const cr of [find(objects, "Prometheus", "k8s"), find(objects, "Alertmanager", "main")]) {
      expect(cr.spec.resources.requests && cr.spec.resources.limits).toBeTruthy();
      expect(cr.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    }
  });

  it("WHEN host access is read THEN only node-exporter has it, read-only and without HostToContainer propagation", () => {
    for (const w of workloads.filter((x) => x.metadata.name !== "node-exporter")) {
      expect(podSpec(w).hostNetwork ?? false).toBe(false);
      expect((podSpec(w).volumes ?? []).some((v: { hostPath?: unknown }) => v.hostPath)).toBe(false);
    }
    const ne = podSpec(find(objects, "DaemonSet", "node-exporter"));
    expect(ne.hostNetwork && ne.hostPID).toBe(true);
    expect(ne.containers[0].volumeMounts).toEqual([{ name: "root", mountPath: "/host/root", readOnly: true }]);
    expect(JSON.stringify(ne)).not.toContain("mountPropagation");
    expect(ne.containers[0].args.join(" ")).toMatch(/device-exclude=\^\(veth\.\*\|docker\.\*/);
  });

  it("WHEN NetworkPolicies are read THEN every pod-network workload and both CRs' pods are selected by one", () => {
    const policies = objects.filter((o) => o.kind === "NetworkPolicy");
    const selected = (labels: Record<string, string>) => policies.some((p) => matches(p.spec.podSelector.matchLabels, labels));
    for (const w of workloads.filter((x) => !podSpec(x).hostNetwork))
      expect(selected(w.spec.template.metadata.labels), w.metadata.name).toBe(true);
    expect(selected({ "app.kubernetes.io/name": "prometheus", prometheus: "k8s" })).toBe(true);
    expect(selected({ "app.kubernetes.io/name": "alertmanager", alertmanager: "main" })).toBe(true);
  });

  it("WHEN ServiceAccounts and RBAC are read THEN every workload has its own account and Prometheus reads only the scraped namespaces", () => {
    for (const w of workloads) {
      const sa = podSpec(w).serviceAccountName;
      expect(
        objects.some((o) => o.kind === "ServiceAccount" && o.metadata.name === sa),
        w.metadata.name,
      ).toBe(true);
    }
    const roles = objects
      .filter((o) => o.kind === "Role" && o.metadata.name.startsWith("prometheus-k8s-"))
      .map((o) => o.metadata.namespace);
    expect(roles.sort()).toEqual(["default", "guestbook", "kube-system", "monitoring"]);
    const cluster = find(objects, "ClusterRole", "prometheus-k8s");
    expect(cluster.rules).toEqual([
      { apiGroups: [""], resources: ["nodes", "nodes/metrics"], verbs: ["get", "list", "watch"] },
      { nonResourceURLs: ["/metrics", "/metrics/cadvisor"], verbs: ["get"] },
    ]);
    for (const role of objects.filter((o) => o.kind === "ClusterRole" && o.metadata.name === "kube-state-metrics"))
      for (const rule of role.rules) expect(rule.verbs).toEqual(["list", "watch"]);
  });

  it("WHEN the Prometheus CR is read THEN it selects monitors and rules from the watched namespaces and alerts Alertmanager", () => {
    const p = find(objects, "Prometheus", "k8s").spec;
    const inWatched = { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...watchedNamespaces] }] };
    for (const kind of ["serviceMonitor", "podMonitor", "probe", "rule"]) {
      expect(p[`${kind}Selector`], kind).toEqual({});
      expect(p[`${kind}NamespaceSelector`], kind).toEqual(inWatched);
    }
    const e = environments.find((x) => x.name === env)!;
    expect(p.retention).toBe(e.retention);
    expect(p.replicas).toBe(e.replicas.prometheus);
    expect(p.externalLabels.cluster).toBe(env);
    expect(p.alerting.alertmanagers).toEqual([{ namespace: "monitoring", name: "alertmanager-main", port: "web", apiVersion: "v2" }]);
    expect(find(objects, "Alertmanager", "main").spec.replicas).toBe(e.replicas.alertmanager);
  });

  it("WHEN Services are read THEN Prometheus, Alertmanager and Grafana answer on the stack's NodePorts", () => {
    const nodePort = (name: string) => find(objects, "Service", name).spec.ports.find((p: { nodePort?: number }) => p.nodePort)?.nodePort;
    expect(nodePort("prometheus-k8s")).toBe(nodePorts.prometheus);
    expect(nodePort("alertmanager-main")).toBe(nodePorts.alertmanager);
    expect(nodePort("grafana")).toBe(nodePorts.grafana);
  });

  it("WHEN Grafana's environment is read THEN the admin account comes from the bootstrap Secret, never a literal", () => {
    const envs: { name: string; value?: string; valueFrom?: unknown }[] = podSpec(find(objects, "Deployment", "grafana")).containers[0].env;
    for (const [name, key] of [
      ["GF_SECURITY_ADMIN_USER", "admin-user"],
      ["GF_SECURITY_ADMIN_PASSWORD", "admin-password"],
    ])
      expect(envs.find((e) => e.name === name)).toEqual({ name, valueFrom: { secretKeyRef: { name: "grafana-admin", key } } });
    expect(objects.some((o) => o.kind === "Secret" && o.metadata.name === "grafana-admin")).toBe(false);
  });

  it("WHEN PodDisruptionBudgets are read THEN they exist exactly in environments that ask for them, for replicated components", () => {
    const e = environments.find((x) => x.name === env)!;
    const pdbs = objects.filter((o) => o.kind === "PodDisruptionBudget");
    if (!e.podDisruptionBudgets) return expect(pdbs).toEqual([]);
    // Grafana and kube-state-metrics run once (no budget: it would block every drain).
    expect(pdbs.map((p) => p.metadata.name).sort()).toEqual(["alertmanager-main", "blackbox-exporter", "prometheus-k8s"]);
    // One at a time: a node's drain passes, a 3-member Alertmanager keeps its majority.
    for (const pdb of pdbs) expect(pdb.spec.maxUnavailable).toBe(1);
  });

  it("WHEN the control-plane monitors are read THEN kcm, scheduler, etcd and kube-proxy get headless kube-system Services on Kind's metrics ports", () => {
    const monitors = overlay(env, "monitors");
    const svc = (name: string) => find(monitors, "Service", name);
    expect(svc("kube-controller-manager").spec.ports[0].port).toBe(10257);
    expect(svc("kube-scheduler").spec.ports[0].port).toBe(10259);
    expect(svc("etcd").spec.ports[0]).toMatchObject({ name: "http-metrics", port: 2381 });
    expect(svc("kube-proxy").spec.ports[0]).toMatchObject({ name: "http-metrics", port: 10249 });
    for (const name of ["kube-controller-manager", "kube-scheduler", "etcd", "kube-proxy"]) {
      expect(svc(name).metadata.namespace).toBe("kube-system");
      expect(svc(name).spec.clusterIP).toBe("None");
    }
    const kubelet = find(monitors, "ServiceMonitor", "kubelet").spec.endpoints;
    expect(kubelet.map((e: { path?: string }) => e.path ?? "/metrics")).toEqual(["/metrics", "/metrics/cadvisor"]);
    for (const e of kubelet) expect(e).toMatchObject({ scheme: "https", tlsConfig: { insecureSkipVerify: true } });
  });
});
