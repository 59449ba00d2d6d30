import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import type { IEndpoint } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Endpoint";
import { labels, selectorLabels } from "../meta.js";
import { component } from "../model.js";
import { monitoringNamespace as namespace, workloads } from "../monitoring.js";

function monitor(name: string, selector: Record<string, string>, endpoints: IEndpoint[]): ServiceMonitor {
  return new ServiceMonitor({
    metadata: { name, namespace, labels: labels(name, "self-monitor") },
    spec: { selector: { matchLabels: selector }, endpoints: endpoints.map((e) => ({ interval: "30s", ...e })) },
  });
}

/**
 * The stack watching itself: Prometheus, Alertmanager, Grafana and the exporters (the operator's own
 * ServiceMonitor ships with it in the operator layer). Each selects its Service by the labels the
 * component put on it; the `job` label is the Service name.
 */
export const stackMonitors = component(import.meta.url, "stackMonitors", function stackMonitors() {
  const service = (name: string) => ({ "app.kubernetes.io/name": name });
  return [
    monitor(workloads.prometheus.name, { ...service("prometheus"), "app.kubernetes.io/component": "prometheus" }, [
      { port: "web" },
      { port: "reloader-web" },
    ]),
    monitor(workloads.alertmanager.name, { ...service("alertmanager"), "app.kubernetes.io/component": "alert-router" }, [
      { port: "web" },
      { port: "reloader-web" },
    ]),
    monitor(workloads.grafana.name, selectorLabels(workloads.grafana.name, "dashboards"), [{ port: "http" }]),
    monitor(workloads.kubeStateMetrics.name, selectorLabels(workloads.kubeStateMetrics.name, "exporter"), [
      // kube-state-metrics reports other objects' namespace and pod labels: keep them.
      { port: "http-metrics", honorLabels: true },
      { port: "telemetry" },
    ]),
    monitor(workloads.nodeExporter.name, selectorLabels(workloads.nodeExporter.name, "exporter"), [
      // instance = node name, not the host-network pod IP.
      { port: "metrics", relabelings: [{ sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "instance", action: "replace" }] },
    ]),
    monitor(workloads.blackboxExporter.name, selectorLabels(workloads.blackboxExporter.name, "exporter"), [{ port: "http" }]),
    monitor(workloads.mongodbExporter.name, selectorLabels(workloads.mongodbExporter.name, "exporter"), [{ port: "metrics" }]),
  ];
});
