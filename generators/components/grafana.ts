import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import yaml from "js-yaml";
import type { StackConfig } from "../config.js";
import { build } from "../dashboards/panels.js";
import { dashboards } from "../dashboards/index.js";
import { container, ingressPolicy, labels, podSecurity, resources, selectorLabels, deployment } from "../meta.js";
import { component } from "../model.js";
import { bootstrapSecrets, monitoringNamespace as namespace, prometheusDatasource, workloads } from "../monitoring.js";
import { nodePorts } from "../stack.js";

const { name, port } = workloads.grafana;
const secret = bootstrapSecrets.grafanaAdmin;
const dashboardDir = "/var/lib/grafana-dashboards";

/** The ConfigMap name of a dashboard. */
export const dashboardConfigMap = (dashboard: string) => `grafana-dashboard-${dashboard}`;

/** The provisioned Prometheus datasource, with the uid every panel names. */
export function datasourcesYaml(): string {
  return yaml.dump({
    apiVersion: 1,
    datasources: [
      {
        name: "Prometheus",
        uid: prometheusDatasource.uid,
        type: prometheusDatasource.type,
        access: "proxy",
        url: `http://${workloads.prometheus.name}.${namespace}.svc:${workloads.prometheus.port}`,
        isDefault: true,
        editable: false,
        jsonData: { timeInterval: "30s" },
      },
    ],
  });
}

function providersYaml(): string {
  return yaml.dump({
    apiVersion: 1,
    providers: [
      {
        name: "stackwave",
        folder: "stackwave",
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: dashboardDir },
      },
    ],
  });
}

/** One ConfigMap per dashboard (each must stay under 1 MiB; test/monitoring/dashboards.test.ts checks). */
export const grafanaDashboards = component(import.meta.url, "grafanaDashboards", function grafanaDashboards() {
  return dashboards.map(
    (spec) =>
      new ConfigMap({
        metadata: { name: dashboardConfigMap(spec.name), namespace, labels: { ...labels(name, "dashboard"), grafana_dashboard: "1" } },
        data: { [`${spec.name}.json`]: JSON.stringify(build(spec), null, 1) },
      }),
  );
});

/** Grafana with the Prometheus datasource and the dashboards provisioned from files; admin from a bootstrap Secret. */
export const grafana = component(import.meta.url, "grafana", function grafana(config: StackConfig) {
  const meta = { name, namespace, labels: labels(name, "dashboards", config.images.grafana) };
  const pods = selectorLabels(name, "dashboards");
  const fromSecret = (key: string) => ({ secretKeyRef: { name: secret.name, key } });
  const env: Record<string, string> = {
    GF_PATHS_DATA: "/var/lib/grafana",
    GF_PATHS_PROVISIONING: "/etc/grafana/provisioning",
    GF_AUTH_ANONYMOUS_ENABLED: "false",
    GF_AUTH_DISABLE_LOGIN_FORM: "false",
    GF_ANALYTICS_REPORTING_ENABLED: "false",
    GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
    GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
    GF_NEWS_NEWS_FEED_ENABLED: "false",
    GF_LOG_MODE: "console",
  };
  return [
    new ServiceAccount({ metadata: meta, automountServiceAccountToken: false }),
    new ConfigMap({ metadata: { ...meta, name: `${name}-datasources` }, data: { "datasources.yaml": datasourcesYaml() } }),
    new ConfigMap({ metadata: { ...meta, name: `${name}-dashboard-providers` }, data: { "providers.yaml": providersYaml() } }),
    deployment(meta, pods, {
      serviceAccountName: name,
      automountServiceAccountToken: false,
      securityContext: podSecurity(472),
      containers: [
        container(name, config.images.grafana, {
          env: [
            // The admin account comes from the bootstrap Secret: there is no default password.
            { name: "GF_SECURITY_ADMIN_USER", valueFrom: fromSecret(secret.userKey) },
            { name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: fromSecret(secret.passwordKey) },
            ...Object.entries(env).map(([key, value]) => ({ name: key, value })),
          ],
          ports: [{ name: "http", containerPort: port }],
          readinessProbe: { httpGet: { path: "/api/health", port }, periodSeconds: 10 },
          volumeMounts: [
            { name: "data", mountPath: "/var/lib/grafana" },
            // Grafana writes temporary files; the root filesystem stays read-only.
            { name: "tmp", mountPath: "/tmp" },
            { name: "datasources", mountPath: "/etc/grafana/provisioning/datasources", readOnly: true },
            { name: "providers", mountPath: "/etc/grafana/provisioning/dashboards", readOnly: true },
            { name: "dashboards", mountPath: dashboardDir, readOnly: true },
          ],
          resources: resources(50, 128, { cpuMillis: 300, memoryMiB: 256 }),
        }),
      ],
      volumes: [
        { name: "data", emptyDir: {} },
        { name: "tmp", emptyDir: {} },
        { name: "datasources", configMap: { name: `${name}-datasources` } },
        { name: "providers", configMap: { name: `${name}-dashboard-providers` } },
        { name: "dashboards", projected: { sources: dashboards.map((d) => ({ configMap: { name: dashboardConfigMap(d.name) } })) } },
      ],
    }),
    new Service({
      metadata: meta,
      spec: { type: "NodePort", selector: pods, ports: [{ name: "http", port, targetPort: "http", nodePort: nodePorts.grafana }] },
    }),
    ingressPolicy(name, namespace, pods, [{ ports: [port] }]),
  ];
});
