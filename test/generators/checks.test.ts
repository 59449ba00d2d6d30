// The cross-resource checks of generators/checks/: each test breaks one link in the real rendered
// objects and asserts the exact line; the real config passes, and a failed check writes nothing.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterEach, describe, expect, it } from "vitest";
import { crossCheck, type Manifest } from "../../generators/checks/index.js";
import { generate } from "../../generators/generate.js";
import type { Layer } from "../../generators/layer.js";
import type { K8sObject } from "../../generators/model.js";
import { repoRoot } from "../../generators/paths.js";
import { allLayers } from "../../generators/registry.js";
import { render } from "../../generators/render.js";
import { defaultConfig } from "../../generators/stack.js";

const runbooks = new Set(readdirSync(join(repoRoot, "docs", "runbooks")));
const rendered = render(defaultConfig(), allLayers);

/** A fresh copy of every base object of the built-in config. */
function objects(): Manifest[] {
  return [...rendered].filter(([path]) => path.startsWith("base/")).map(([, text]) => yaml.load(text) as Manifest);
}

/** A rendered object the tests may edit anywhere. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Editable = any;

/** The one object of `kind` named `namespace/name` in `all` (throws when missing, so a typo cannot pass). */
function find(all: Manifest[], kind: string, namespace: string, name: string): Editable {
  const hit = all.find((m) => m.kind === kind && m.metadata.name === name && (m.metadata.namespace ?? "default") === namespace);
  if (!hit) throw new Error(`no ${kind} ${namespace}/${name} in the rendered objects`);
  return hit;
}

/** Breaks the real objects with `edit`, then runs the checks. */
function broken(edit: (all: Manifest[]) => void): string[] {
  const all = objects();
  edit(all);
  return crossCheck(all, { runbooks });
}

describe("GIVEN the built-in config", () => {
  it("WHEN checked across resources THEN nothing is reported", () => {
    expect(crossCheck(objects(), { runbooks })).toEqual([]);
  });

  it("WHEN a runbook folder without one alert's file is given THEN only that alert is reported (the check reads the real folder)", () => {
    const fewer = new Set([...runbooks].filter((f) => f !== "Watchdog.md"));
    expect(crossCheck(objects(), { runbooks: fewer })).toEqual([
      "PrometheusRule monitoring/platform-rules: alert Watchdog: runbook_url https://github.com/stackwave/stackwave/blob/main/docs/runbooks/Watchdog.md names docs/runbooks/Watchdog.md, which does not exist",
    ]);
  });
});

describe("GIVEN a ServiceMonitor", () => {
  it("WHEN its selector matches no Service THEN the line names the monitor, the namespace and the labels", () => {
    const problems = broken((all) => {
      find(all, "ServiceMonitor", "guestbook", "backend").spec.selector.matchLabels["app.kubernetes.io/name"] = "backnd";
    });
    expect(problems).toEqual([
      "ServiceMonitor guestbook/backend: selects no Service in namespace guestbook with labels {app.kubernetes.io/component=guestbook,app.kubernetes.io/name=backnd}",
    ]);
  });

  it("WHEN its endpoint names a port the Service lacks THEN the line names both and the ports there are", () => {
    const problems = broken((all) => {
      find(all, "ServiceMonitor", "guestbook", "backend").spec.endpoints[0].port = "metrics";
    });
    expect(problems).toEqual([
      'ServiceMonitor guestbook/backend: endpoint port "metrics" is no port of Service guestbook/backend (ports: http)',
    ]);
  });

  it("WHEN it lives in a namespace the Prometheus does not watch THEN the line names the Prometheus and its selector", () => {
    const problems = broken((all) => {
      find(all, "Prometheus", "monitoring", "k8s").spec.serviceMonitorNamespaceSelector.matchExpressions[0].values = ["monitoring"];
    });
    const refusal =
      "selected by no Prometheus: Prometheus monitoring/k8s does not watch namespace guestbook (serviceMonitorNamespaceSelector {kubernetes.io/metadata.name in (monitoring)})";
    expect(problems).toEqual([`ServiceMonitor guestbook/backend: ${refusal}`, `ServiceMonitor guestbook/frontend: ${refusal}`]);
  });

  it("WHEN its labels do not match the Prometheus' serviceMonitorSelector THEN the line shows both label sets", () => {
    const problems = broken((all) => {
      find(all, "Prometheus", "monitoring", "k8s").spec.serviceMonitorSelector = {
        matchLabels: { "app.kubernetes.io/part-of": "stackwave" },
      };
      delete find(all, "ServiceMonitor", "monitoring", "grafana").metadata.labels["app.kubernetes.io/part-of"];
    });
    expect(problems).toEqual([
      "ServiceMonitor monitoring/grafana: selected by no Prometheus: Prometheus monitoring/k8s serviceMonitorSelector {app.kubernetes.io/part-of=stackwave} does not match its labels {app.kubernetes.io/component=self-monitor,app.kubernetes.io/name=grafana}",
    ]);
  });

  it("WHEN the Prometheus may not list endpoints in the target namespace THEN the line names the ServiceAccount and the namespace", () => {
    const problems = broken((all) => {
      const role = find(all, "Role", "guestbook", "prometheus-k8s-guestbook");
      role.rules[0].resources = ["services", "pods"];
    });
    const denied =
      "Prometheus monitoring/k8s (ServiceAccount monitoring/prometheus-k8s) may not list and watch endpoints in namespace guestbook";
    expect(problems).toEqual([`ServiceMonitor guestbook/backend: ${denied}`, `ServiceMonitor guestbook/frontend: ${denied}`]);
  });

  it("WHEN the selected Service selects no pod template THEN the line names the Service and its selector", () => {
    const problems = broken((all) => {
      find(all, "Service", "monitoring", "mongodb-exporter").spec.selector["app.kubernetes.io/name"] = "mongo-exporter";
    });
    expect(problems).toEqual([
      "ServiceMonitor monitoring/mongodb-exporter: Service monitoring/mongodb-exporter selects no pod template with labels {app.kubernetes.io/component=exporter,app.kubernetes.io/name=mongo-exporter}",
    ]);
  });

  it("WHEN the Service's named targetPort is no container port THEN the line names the Service and the workload", () => {
    const problems = broken((all) => {
      find(all, "Deployment", "guestbook", "backend").spec.template.spec.containers[0].ports[0].name = "web";
    });
    expect(problems).toEqual([
      'ServiceMonitor guestbook/backend: Service guestbook/backend port http targets "http", which no container of Deployment guestbook/backend declares (ports: web)',
    ]);
  });

  it("WHEN the operator does not keep the kubelet Service THEN the kubelet monitor selects nothing", () => {
    const problems = broken((all) => {
      const container = find(all, "Deployment", "monitoring", "prometheus-operator").spec.template.spec.containers[0];
      container.args = container.args.filter((a: string) => !a.startsWith("--kubelet-service="));
    });
    expect(problems).toEqual([
      "ServiceMonitor monitoring/kubelet: selects no Service in namespace kube-system with labels {app.kubernetes.io/name=kubelet}",
    ]);
  });
});

describe("GIVEN a PodMonitor", () => {
  const podMonitor = (port: string, name = "backend"): Manifest => ({
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: "backend-pods", namespace: "guestbook" },
    spec: {
      selector: { matchLabels: { "app.kubernetes.io/name": name } },
      podMetricsEndpoints: [{ port }],
    },
  });

  it("WHEN it selects the backend's pods on their port THEN nothing is reported", () => {
    expect(broken((all) => all.push(podMonitor("http")))).toEqual([]);
  });

  it("WHEN its endpoint names a port the pods lack THEN the line names the workload and its ports", () => {
    expect(broken((all) => all.push(podMonitor("metrics")))).toEqual([
      'PodMonitor guestbook/backend-pods: endpoint port "metrics" is no container port of Deployment guestbook/backend (ports: http)',
    ]);
  });

  it("WHEN its selector matches no pod template THEN the line names the namespace and the labels", () => {
    expect(broken((all) => all.push(podMonitor("http", "backnd")))).toEqual([
      "PodMonitor guestbook/backend-pods: selects no pod template in namespace guestbook with labels {app.kubernetes.io/name=backnd}",
    ]);
  });
});

describe("GIVEN a Probe", () => {
  it("WHEN its target names a Service that does not exist THEN the line names the Probe and the Service", () => {
    const problems = broken((all) => {
      find(all, "Probe", "guestbook", "frontend").spec.targets.staticConfig.static = ["http://frontnd.guestbook.svc:80/"];
    });
    expect(problems).toEqual([
      "Probe guestbook/frontend: target http://frontnd.guestbook.svc:80/ names Service guestbook/frontnd, which does not exist",
    ]);
  });

  it("WHEN its target port is not a port of the Service THEN the line lists the Service's ports", () => {
    const problems = broken((all) => {
      find(all, "Probe", "guestbook", "frontend").spec.targets.staticConfig.static = ["http://frontend.guestbook.svc:8080/"];
    });
    expect(problems).toEqual([
      "Probe guestbook/frontend: target http://frontend.guestbook.svc:8080/: Service guestbook/frontend has no port 8080 (ports: 80)",
    ]);
  });

  it("WHEN its prober is no Service of the cluster THEN the line says so", () => {
    const problems = broken((all) => {
      find(all, "Probe", "guestbook", "frontend").spec.prober.url = "blackbox.example.com:9115";
    });
    expect(problems).toEqual(["Probe guestbook/frontend: prober blackbox.example.com:9115 is not the address of a Service in the cluster"]);
  });
});

describe("GIVEN a PrometheusRule", () => {
  it("WHEN it lives in a namespace the Prometheus' ruleNamespaceSelector leaves out THEN the line names both", () => {
    const problems = broken((all) => {
      find(all, "PrometheusRule", "guestbook", "guestbook-rules").metadata.namespace = "default";
    });
    expect(problems).toEqual([
      "PrometheusRule default/guestbook-rules: selected by no Prometheus: Prometheus monitoring/k8s does not watch namespace default (ruleNamespaceSelector {kubernetes.io/metadata.name in (monitoring,guestbook)})",
    ]);
  });

  it("WHEN it lives in a namespace that nothing creates THEN the line says the namespace is missing", () => {
    const problems = broken((all) => {
      find(all, "PrometheusRule", "guestbook", "guestbook-slo").metadata.namespace = "shop";
    });
    expect(problems).toEqual([
      "PrometheusRule shop/guestbook-slo: selected by no Prometheus: Prometheus monitoring/k8s cannot watch namespace shop: no such Namespace is generated or built in",
    ]);
  });

  it("WHEN the Prometheus has no ruleSelector THEN every rule is reported as selected by none", () => {
    const problems = broken((all) => {
      delete find(all, "Prometheus", "monitoring", "k8s").spec.ruleSelector;
    });
    const none = "selected by no Prometheus: Prometheus monitoring/k8s has no ruleSelector (null selects nothing)";
    expect(problems).toEqual([
      `PrometheusRule guestbook/guestbook-rules: ${none}`,
      `PrometheusRule guestbook/guestbook-slo: ${none}`,
      `PrometheusRule monitoring/platform-rules: ${none}`,
    ]);
  });

  it("WHEN an alert's runbook_url names a file missing from docs/runbooks THEN the line names the alert and the file", () => {
    const problems = broken((all) => {
      const rule = find(all, "PrometheusRule", "guestbook", "guestbook-rules").spec.groups[0].rules[0];
      rule.annotations.runbook_url = "https://github.com/stackwave/stackwave/blob/main/docs/runbooks/BackendGone.md";
    });
    expect(problems).toEqual([
      "PrometheusRule guestbook/guestbook-rules: alert GuestbookBackendDown: runbook_url https://github.com/stackwave/stackwave/blob/main/docs/runbooks/BackendGone.md names docs/runbooks/BackendGone.md, which does not exist",
    ]);
  });

  it("WHEN an alert has no runbook_url THEN the line names the alert and the URL expected", () => {
    const problems = broken((all) => {
      delete find(all, "PrometheusRule", "guestbook", "guestbook-rules").spec.groups[0].rules[0].annotations.runbook_url;
    });
    expect(problems).toEqual([
      "PrometheusRule guestbook/guestbook-rules: alert GuestbookBackendDown has no runbook_url: expected https://github.com/stackwave/stackwave/blob/main/docs/runbooks/GuestbookBackendDown.md",
    ]);
  });
});

describe("GIVEN the NetworkPolicies", () => {
  it("WHEN the backend's policy opens another port than the scraped one THEN the line names the policies, Prometheus, the pod port and the monitor", () => {
    const problems = broken((all) => {
      find(all, "NetworkPolicy", "guestbook", "backend").spec.ingress[0].ports[0].port = 8081;
    });
    expect(problems).toEqual([
      "NetworkPolicy guestbook/backend, guestbook/default-deny-ingress: admits no traffic from Prometheus monitoring/k8s to Deployment guestbook/backend port 8080/TCP, which ServiceMonitor guestbook/backend needs",
    ]);
  });

  it("WHEN the frontend admits only Prometheus THEN the blackbox exporter's probe of it is reported", () => {
    const problems = broken((all) => {
      find(all, "NetworkPolicy", "guestbook", "frontend").spec.ingress[0].from = [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
          podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
        },
      ];
    });
    expect(problems).toEqual([
      "NetworkPolicy guestbook/default-deny-ingress, guestbook/frontend: admits no traffic from Deployment monitoring/blackbox-exporter to Deployment guestbook/frontend port 8080/TCP, which Probe guestbook/frontend needs",
    ]);
  });

  it("WHEN an egress policy keeps the blackbox exporter inside its namespace THEN the probe path out of it is reported", () => {
    const problems = broken((all) =>
      all.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "blackbox-egress", namespace: "monitoring" },
        spec: {
          podSelector: { matchLabels: { "app.kubernetes.io/name": "blackbox-exporter" } },
          policyTypes: ["Egress"],
          egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }] }],
        },
      }),
    );
    expect(problems).toEqual([
      "NetworkPolicy monitoring/blackbox-egress: lets no traffic out of Deployment monitoring/blackbox-exporter to Deployment guestbook/frontend port 8080/TCP, which Probe guestbook/frontend needs",
    ]);
  });
});

describe("GIVEN the Prometheus' Alertmanager endpoint", () => {
  it("WHEN it names a port the Alertmanager Service lacks THEN the line names both", () => {
    const problems = broken((all) => {
      find(all, "Prometheus", "monitoring", "k8s").spec.alerting.alertmanagers[0].port = "http";
    });
    expect(problems).toEqual([
      "Prometheus monitoring/k8s: alerting.alertmanagers port http is no port of Service monitoring/alertmanager-main (ports: web, reloader-web)",
    ]);
  });
});

describe("GIVEN a layer whose ServiceMonitor selects nothing", () => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

  /** The monitors layer with the backend ServiceMonitor's selector broken. */
  const brokenMonitors = (layer: Layer): Layer => ({
    ...layer,
    base: (config) =>
      layer.base(config).map((group) => ({
        ...group,
        objects: group.objects.map((object): K8sObject => {
          if (object.kind !== "ServiceMonitor" || object.metadata?.name !== "backend") return object;
          const json = JSON.parse(JSON.stringify(object.toJSON()));
          json.spec.selector.matchLabels["app.kubernetes.io/name"] = "backnd";
          return { ...json, validate: () => undefined, toJSON: () => json };
        }),
      })),
  });

  it("WHEN generated THEN generation fails with the line and writes nothing", () => {
    const root = mkdtempSync(join(tmpdir(), "stackwave-checks-"));
    roots.push(root);
    const layers = allLayers.map((l) => (l.name === "monitors" ? brokenMonitors(l) : l));
    const result = generate({ config: defaultConfig(), root, layers });
    expect(result).toEqual({
      ok: false,
      problems: [
        "ServiceMonitor guestbook/backend: selects no Service in namespace guestbook with labels {app.kubernetes.io/component=guestbook,app.kubernetes.io/name=backnd}",
      ],
    });
    expect(readdirSync(root)).toEqual([]);
    expect(existsSync(join(root, "base"))).toBe(false);
  });
});
