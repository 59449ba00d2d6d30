// Wave 2: Prometheus, Alertmanager, the exporters and Grafana.
import {
  alertmanager,
  alertmanagerConfigSecret,
  alertmanagerPods,
  alertmanagerYaml,
  defaultAlertmanagerOptions,
} from "../components/alertmanager.js";
import { blackboxExporter } from "../components/blackbox-exporter.js";
import { grafana, grafanaDashboards } from "../components/grafana.js";
import { kubeStateMetrics } from "../components/kube-state-metrics.js";
import { mongodbExporter } from "../components/mongodb-exporter.js";
import { nodeExporter } from "../components/node-exporter.js";
import { prometheus, prometheusK8sPods } from "../components/prometheus.js";
import type { EnvironmentConfig, IngressConfig } from "../config.js";
import { mongodbExporterArgs } from "../components/mongodb-exporter.js";
import { deploymentSpreadPatch, externalUriKey, spreadConstraints, uiIngress, volumeClaim } from "../production.js";
import type { Layer } from "../layer.js";
import { disruptionBudget, selectorLabels } from "../meta.js";
import { component, patches } from "../model.js";
import { bootstrapSecrets, monitoringNamespace as namespace, workloads } from "../monitoring.js";

/**
 * Retention, replicas and the cluster label of the two CRs, per environment; with `production`, also their
 * spread across nodes and zones, a volume per replica and Prometheus' size-based retention.
 */
const crPatches = patches(import.meta.url, "monitoringCrPatches", function monitoringCrPatches(env: EnvironmentConfig) {
  const prod = env.production;
  return [
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "Prometheus",
      metadata: { name: workloads.prometheus.cr, namespace },
      spec: {
        retention: env.retention,
        replicas: env.replicas.prometheus,
        externalLabels: { cluster: env.name },
        ...(prod
          ? {
              retentionSize: prod.prometheus.retentionSize,
              storage: volumeClaim(prod.prometheus.storage),
              topologySpreadConstraints: spreadConstraints(prod, prometheusK8sPods, "operated"),
            }
          : {}),
      },
    },
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "Alertmanager",
      metadata: { name: workloads.alertmanager.cr, namespace },
      spec: {
        replicas: env.replicas.alertmanager,
        ...(prod
          ? {
              // Silences and the notification log live in the data folder: on a volume they outlive restarts.
              storage: volumeClaim(prod.alertmanager.storage),
              topologySpreadConstraints: spreadConstraints(prod, alertmanagerPods, "operated"),
            }
          : {}),
      },
    },
  ];
});

/** The generated Alertmanager configuration with the environment's endpoint and timers, when it sets any. */
const pagingPatches = patches(import.meta.url, "monitoringPagingPatches", function monitoringPagingPatches(env: EnvironmentConfig) {
  if (!env.paging) return [];
  const options = { ...defaultAlertmanagerOptions, ...env.paging };
  return [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: alertmanagerConfigSecret, namespace },
      stringData: { "alertmanager.yaml": alertmanagerYaml(options) },
    },
  ];
});

/** The Deployments of this layer, their pods and their replica count in `env`. */
const deployments = (env: EnvironmentConfig) => [
  { name: workloads.grafana.name, count: env.replicas.grafana, pods: selectorLabels(workloads.grafana.name, "dashboards") },
  {
    name: workloads.kubeStateMetrics.name,
    count: env.replicas.kubeStateMetrics,
    pods: selectorLabels(workloads.kubeStateMetrics.name, "exporter"),
  },
  {
    name: workloads.blackboxExporter.name,
    count: env.replicas.blackboxExporter,
    pods: selectorLabels(workloads.blackboxExporter.name, "exporter"),
  },
];

/** Spread for every replicated Deployment, and the exporter's URI from the Secret when the database is external. */
const productionPatches = patches(
  import.meta.url,
  "monitoringProductionPatches",
  function monitoringProductionPatches(env: EnvironmentConfig) {
    const prod = env.production;
    if (!prod) return [];
    const spread = deployments(env)
      .filter((d) => d.count > 1)
      .map((d) => deploymentSpreadPatch(prod, d.name, namespace, d.pods));
    const external =
      prod.database.kind === "external"
        ? [
            {
              apiVersion: "apps/v1",
              kind: "Deployment",
              metadata: { name: workloads.mongodbExporter.name, namespace },
              spec: {
                template: {
                  spec: {
                    containers: [
                      {
                        name: workloads.mongodbExporter.name,
                        args: mongodbExporterArgs(),
                        env: [
                          {
                            name: "MONGODB_URI",
                            valueFrom: { secretKeyRef: { name: bootstrapSecrets.mongodb.name, key: externalUriKey } },
                          },
                        ],
                      },
                    ],
                  },
                },
              },
            },
          ]
        : [];
    return [...spread, ...external];
  },
);

/** Grafana's Ingress, when the environment asks for one. */
const grafanaIngress = component(import.meta.url, "grafanaIngress", function grafanaIngress(ingress: IngressConfig) {
  const { name, port } = workloads.grafana;
  return [uiIngress(ingress, { target: "grafana", name, namespace, service: name, port, component: "dashboards" })];
});

/** PodDisruptionBudgets for every component the environment runs with more than one replica (one may be down). */
const budgets = component(import.meta.url, "monitoringDisruptionBudgets", function monitoringDisruptionBudgets(env: EnvironmentConfig) {
  const replicated = [
    { name: workloads.prometheus.name, count: env.replicas.prometheus, pods: prometheusK8sPods },
    { name: workloads.alertmanager.name, count: env.replicas.alertmanager, pods: alertmanagerPods },
    { name: workloads.grafana.name, count: env.replicas.grafana, pods: selectorLabels(workloads.grafana.name, "dashboards") },
    {
      name: workloads.kubeStateMetrics.name,
      count: env.replicas.kubeStateMetrics,
      pods: selectorLabels(workloads.kubeStateMetrics.name, "exporter"),
    },
    {
      name: workloads.blackboxExporter.name,
      count: env.replicas.blackboxExporter,
      pods: selectorLabels(workloads.blackboxExporter.name, "exporter"),
    },
  ];
  return replicated.filter((r) => r.count > 1).map((r) => disruptionBudget(r.name, namespace, { ...r.pods }));
});

export const platform: Layer = {
  name: "platform",
  base: (config) => [
    prometheus(config),
    alertmanager(config),
    kubeStateMetrics(config),
    nodeExporter(config),
    blackboxExporter(config),
    mongodbExporter(config),
    grafana(config),
    grafanaDashboards(),
  ],
  overlay: (_config, env) => ({
    resources: [
      ...(env.podDisruptionBudgets ? [budgets(env)] : []),
      ...(env.production?.ingress ? [grafanaIngress(env.production.ingress)] : []),
    ],
    patches: [crPatches(env), productionPatches(env), pagingPatches(env)],
    replicas: [
      { name: workloads.grafana.name, count: env.replicas.grafana },
      { name: workloads.kubeStateMetrics.name, count: env.replicas.kubeStateMetrics },
      { name: workloads.blackboxExporter.name, count: env.replicas.blackboxExporter },
    ],
  }),
};
