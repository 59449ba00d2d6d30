// Cluster, namespace and pod resources from cAdvisor (kubelet) and kube-state-metrics.
import { q, stat, timeseries, type DashboardSpec } from "./panels.js";

const cadvisor = 'job="kubelet", metrics_path="/metrics/cadvisor", container!="", image!=""';
const ksm = 'job="kube-state-metrics"';

export const kubernetesDashboard: DashboardSpec = {
  name: "kubernetes",
  uid: "stackwave-kubernetes",
  title: "Kubernetes: cluster, namespaces and pods",
  description: "CPU and memory usage against requests and limits, restarts and rollout state.",
  tags: ["kubernetes"],
  rows: [
    {
      title: "Cluster",
      panels: [
        stat("CPU used / allocatable", "All containers' CPU use over the nodes' allocatable CPU.", "percentunit", [
          q(
            `sum(rate(container_cpu_usage_seconds_total{${cadvisor}}[$__rate_interval])) / sum(kube_node_status_allocatable{${ksm}, resource="cpu"})`,
            "used",
          ),
        ]),
        stat("CPU requested / allocatable", "Sum of CPU requests over allocatable CPU.", "percentunit", [
          q(
            `sum(kube_pod_container_resource_requests{${ksm}, resource="cpu"}) / sum(kube_node_status_allocatable{${ksm}, resource="cpu"})`,
            "requested",
          ),
        ]),
        stat("Memory used / allocatable", "Working set of all containers over allocatable memory.", "percentunit", [
          q(`sum(container_memory_working_set_bytes{${cadvisor}}) / sum(kube_node_status_allocatable{${ksm}, resource="memory"})`, "used"),
        ]),
        stat("Memory requested / allocatable", "Sum of memory requests over allocatable memory.", "percentunit", [
          q(
            `sum(kube_pod_container_resource_requests{${ksm}, resource="memory"}) / sum(kube_node_status_allocatable{${ksm}, resource="memory"})`,
            "requested",
          ),
        ]),
      ],
    },
    {
      title: "Namespaces",
      panels: [
        timeseries("CPU by namespace", "CPU cores used, by namespace.", "short", [
          q(`sum by (namespace) (rate(container_cpu_usage_seconds_total{${cadvisor}}[$__rate_interval]))`, "{{namespace}}"),
        ]),
        timeseries("Memory by namespace", "Working-set bytes, by namespace.", "bytes", [
          q(`sum by (namespace) (container_memory_working_set_bytes{${cadvisor}})`, "{{namespace}}"),
        ]),
      ],
    },
    {
      title: "Pods",
      panels: [
        timeseries("CPU by pod vs request", "CPU used by each pod in the monitoring and guestbook namespaces, and its request.", "short", [
          q(
            `sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{${cadvisor}, namespace=~"monitoring|guestbook"}[$__rate_interval]))`,
            "{{namespace}}/{{pod}}",
          ),
          q(
            `sum by (namespace, pod) (kube_pod_container_resource_requests{${ksm}, resource="cpu", namespace=~"monitoring|guestbook"})`,
            "request {{namespace}}/{{pod}}",
          ),
        ]),
        timeseries("Memory by pod vs limit", "Working set of each pod and its memory limit.", "bytes", [
          q(
            `sum by (namespace, pod) (container_memory_working_set_bytes{${cadvisor}, namespace=~"monitoring|guestbook"})`,
            "{{namespace}}/{{pod}}",
          ),
          q(
            `sum by (namespace, pod) (kube_pod_container_resource_limits{${ksm}, resource="memory", namespace=~"monitoring|guestbook"})`,
            "limit {{namespace}}/{{pod}}",
          ),
        ]),
        timeseries("Container restarts (1h)", "Restarts per container over the last hour.", "none", [
          q(
            `sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{${ksm}}[1h]))`,
            "{{namespace}}/{{pod}}/{{container}}",
          ),
        ]),
        timeseries("Deployments: available vs desired", "Replicas available against spec, per Deployment.", "none", [
          q(`kube_deployment_status_replicas_available{${ksm}}`, "available {{namespace}}/{{deployment}}"),
          q(`kube_deployment_spec_replicas{${ksm}}`, "desired {{namespace}}/{{deployment}}"),
        ]),
      ],
    },
  ],
};
