// The monitoring stack's shared facts: namespaces, workload names, ports and the runbook URL. Components,
// rules, dashboards and tests read them from here so a name changes in one place.

/** Where the stack runs and what it watches. */
export const monitoringNamespace = "monitoring";
export const guestbookNamespace = "guestbook";

/** Namespaces whose ServiceMonitors, PodMonitors, Probes and PrometheusRules Prometheus selects. */
export const watchedNamespaces = [monitoringNamespace, guestbookNamespace] as const;

/** Namespaces Prometheus discovers targets in (control-plane Services live in kube-system, the apiserver in default). */
export const scrapedNamespaces = [monitoringNamespace, guestbookNamespace, "kube-system", "default"] as const;

/** Every alert's runbook lives at docs/runbooks/<Alert>.md in this repository. */
export const repositoryURL = "https://github.com/stackwave/stackwave";
export function runbookURL(alert: string): string {
  return `${repositoryURL}/blob/main/docs/runbooks/${alert}.md`;
}

/** Workloads of the stack: name (also the Service name and so the `job` label), container port. */
export const workloads = {
  operator: { name: "prometheus-operator", port: 8080 },
  prometheus: { name: "prometheus-k8s", cr: "k8s", port: 9090 },
  alertmanager: { name: "alertmanager-main", cr: "main", port: 9093 },
  grafana: { name: "grafana", port: 3000 },
  kubeStateMetrics: { name: "kube-state-metrics", port: 8080, telemetryPort: 8081 },
  nodeExporter: { name: "node-exporter", port: 9100 },
  blackboxExporter: { name: "blackbox-exporter", port: 9115 },
  mongodbExporter: { name: "mongodb-exporter", port: 9216 },
  configReloader: { port: 8080 },
} as const;

/** The guestbook as the stack sees it (the apps layer owns the workloads themselves). */
export const guestbook = {
  /** Services and `job` labels of the two HTTP apps; both serve /metrics on the port named http. */
  apps: ["backend", "frontend"] as const,
  portName: "http",
  mongodb: { service: "mongodb", port: 27017, credentials: "mongodb-credentials" },
  /** The URL the blackbox exporter probes. */
  frontendURL: `http://frontend.${guestbookNamespace}.svc:80/`,
  /** The `job` label of the frontend Probe. */
  probeJob: "blackbox",
} as const;

/** Secrets bootstrap creates (never in git): name and keys. */
export const bootstrapSecrets = {
  grafanaAdmin: { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" },
  pagerduty: { name: "pagerduty", routingKey: "routing-key", pagerKey: "pager" },
  mongodb: { name: "mongodb-credentials", userKey: "username", passwordKey: "password" },
} as const;

/**
 * How the PagerDuty switch works (docs/monitoring.md): Prometheus adds the external label `pager`,
 * expanded from this environment variable, which the Prometheus container reads from the bootstrap
 * Secret `pagerduty` (key `pager`, optional). Bootstrap writes `pagerduty` there only when
 * PAGERDUTY_ROUTING_KEY is set; otherwise the label is empty, Prometheus drops it, and Alertmanager
 * routes critical alerts to the local receiver.
 */
export const pagerSwitch = { label: "pager", env: "STACKWAVE_PAGER", enabled: "pagerduty" } as const;

/** Where the Alertmanager container mounts the `pagerduty` Secret (optional volume, components/alertmanager.ts). */
export const pagerdutyMountPath = "/etc/alertmanager/pagerduty";
export const routingKeyFile = `${pagerdutyMountPath}/${bootstrapSecrets.pagerduty.routingKey}`;

/** PagerDuty Events API v2. */
export const pagerdutyEventsURL = "https://events.pagerduty.com/v2/enqueue";

/** The Grafana datasource every dashboard panel refers to. */
export const prometheusDatasource = { type: "prometheus", uid: "prometheus" } as const;
