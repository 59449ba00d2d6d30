import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { StackConfig } from "../config.js";
import { container, ingressPolicy, labels, peer, podSecurity, resources, selectorLabels, deployment, bindClusterRole } from "../meta.js";
import { component } from "../model.js";
import { monitoringNamespace as namespace, workloads } from "../monitoring.js";
import { prometheusPods } from "./prometheus.js";

const { name, port, telemetryPort } = workloads.kubeStateMetrics;

/** What kube-state-metrics turns into metrics: read-only list/watch, nothing else. */
const watched: readonly { group: string; resources: string[] }[] = [
  {
    group: "",
    resources: [
      "configmaps",
      "secrets",
      "nodes",
      "pods",
      "services",
      "serviceaccounts",
      "resourcequotas",
      "replicationcontrollers",
      "limitranges",
      "persistentvolumeclaims",
      "persistentvolumes",
      "namespaces",
      "endpoints",
    ],
  },
  { group: "apps", resources: ["statefulsets", "daemonsets", "deployments", "replicasets"] },
  { group: "batch", resources: ["cronjobs", "jobs"] },
  { group: "autoscaling", resources: ["horizontalpodautoscalers"] },
  { group: "policy", resources: ["poddisruptionbudgets"] },
  { group: "storage.k8s.io", resources: ["storageclasses", "volumeattachments"] },
  { group: "networking.k8s.io", resources: ["networkpolicies", "ingresses"] },
  { group: "coordination.k8s.io", resources: ["leases"] },
  { group: "discovery.k8s.io", resources: ["endpointslices"] },
  { group: "certificates.k8s.io", resources: ["certificatesigningrequests"] },
  { group: "admissionregistration.k8s.io", resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"] },
];

/** kube-state-metrics: object state (Deployments, Pods, ...) as metrics, for the Kube* alerts and dashboards. */
export const kubeStateMetrics = component(import.meta.url, "kubeStateMetrics", function kubeStateMetrics(config: StackConfig) {
  const meta = { name, namespace, labels: labels(name, "exporter", config.images.kubeStateMetrics) };
  const pods = selectorLabels(name, "exporter");
  return [
    new ServiceAccount({ metadata: meta, automountServiceAccountToken: true }),
    new ClusterRole({
      metadata: { name, labels: meta.labels },
      rules: watched.map((w) => ({ apiGroups: [w.group], resources: w.resources, verbs: ["list", "watch"] })),
    }),
    bindClusterRole(name, namespace, meta.labels),
    deployment(meta, pods, {
      serviceAccountName: name,
      securityContext: podSecurity(65534),
      containers: [
        container(name, config.images.kubeStateMetrics, {
          args: [`--port=${port}`, `--telemetry-port=${telemetryPort}`],
          ports: [
            { name: "http-metrics", containerPort: port },
            { name: "telemetry", containerPort: telemetryPort },
          ],
          readinessProbe: { httpGet: { path: "/", port: telemetryPort }, periodSeconds: 10 },
          livenessProbe: { httpGet: { path: "/livez", port }, periodSeconds: 10 },
          resources: resources(20, 64, { cpuMillis: 100, memoryMiB: 128 }),
        }),
      ],
    }),
    new Service({
      metadata: meta,
      spec: {
        clusterIP: "None",
        selector: pods,
        ports: [
          { name: "http-metrics", port, targetPort: "http-metrics" },
          { name: "telemetry", port: telemetryPort, targetPort: "telemetry" },
        ],
      },
    }),
    ingressPolicy(name, namespace, pods, [{ ports: [port, telemetryPort], from: [peer(namespace, prometheusPods)] }]),
  ];
});
