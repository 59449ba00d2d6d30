// Wave 2: Prometheus, Alertmanager, the exporters and Grafana.
import { alertmanager, alertmanagerPods } from "../components/alertmanager.js";
import { blackboxExporter } from "../components/blackbox-exporter.js";
import { grafana, grafanaDashboards } from "../components/grafana.js";
import { kubeStateMetrics } from "../components/kube-state-metrics.js";
import { mongodbExporter } from "../components/mongodb-exporter.js";
import { nodeExporter } from "../components/node-exporter.js";
import { prometheus, prometheusK8sPods } from "../components/prometheus.js";
import type { EnvironmentConfig } from "../config.js";
import type { Layer } from "../layer.js";
import { disruptionBudget, selectorLabels } from "../meta.js";
import { component, patches } from "../model.js";
import { monitoringNamespace as namespace, workloads } from "../monitoring.js";

/** Retention, replicas and the cluster label of the two CRs, per environment. */
const crPatches = patches(import.meta.url, "monitoringCrPatches", function monitoringCrPatches(env: EnvironmentConfig) {
  return [
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "Prometheus",
      metadata: { name: workloads.prometheus.cr, namespace },
      spec: { retention: env.retention, replicas: env.replicas.prometheus, externalLabels: { cluster: env.name } },
    },
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "Alertmanager",
      metadata: { name: workloads.alertmanager.cr, namespace },
      spec: { replicas: env.replicas.alertmanager },
    },
  ];
});

/** PodDisruptionBudgets for every component the environment runs with more than one replica. */
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
    resources: env.podDisruptionBudgets ? [budgets(env)] : [],
    patches: [crPatches(env)],
    replicas: [
      { name: workloads.grafana.name, count: env.replicas.grafana },
      { name: workloads.kubeStateMetrics.name, count: env.replicas.kubeStateMetrics },
      { name: workloads.blackboxExporter.name, count: env.replicas.blackboxExporter },
    ],
  }),
};
