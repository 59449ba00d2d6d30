import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import type { StackConfig } from "../config.js";
import { container, ingressPolicy, labels, peer, podSecurity, resources, selectorLabels, deployment, bindClusterRole } from "../meta.js";
import { component } from "../model.js";
import { monitoringNamespace as namespace, workloads } from "../monitoring.js";
import { prometheusPods } from "./prometheus.js";
import { imageString } from "../versions.js";

const { name, port } = workloads.operator;

/** Every monitoring.coreos.com kind the operator reconciles, with the subresources it writes. */
const crdResources = ["alertmanagers", "prometheuses", "prometheusagents", "thanosrulers"].flatMap((r) => [
  r,
  `${r}/finalizers`,
  `${r}/status`,
]);
const watchedResources = ["alertmanagerconfigs", "servicemonitors", "podmonitors", "probes", "prometheusrules", "scrapeconfigs"];

/** The operator that turns Prometheus, Alertmanager and monitor CRs into workloads and scrape config. */
export const prometheusOperator = component(import.meta.url, "prometheusOperator", function prometheusOperator(config: StackConfig) {
  const meta = { name, namespace, labels: labels(name, "controller", config.images.prometheusOperator) };
  const pods = selectorLabels(name, "controller");
  return [
    new ServiceAccount({ metadata: meta, automountServiceAccountToken: true }),
    // Cluster-wide because the CRs, their StatefulSets and the kubelet Endpoints live in several namespaces.
    new ClusterRole({
      metadata: { name, labels: meta.labels },
      rules: [
        { apiGroups: ["monitoring.coreos.com"], resources: [...crdResources, ...watchedResources], verbs: ["*"] },
        { apiGroups: ["apps"], resources: ["statefulsets"], verbs: ["*"] },
        { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["*"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["list", "delete"] },
        // The kubelet Service and its Endpoints/EndpointSlices, which the operator keeps for kubelet scraping.
        { apiGroups: [""], resources: ["services", "services/finalizers", "endpoints"], verbs: ["get", "create", "update", "delete"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "create", "list", "update", "delete"] },
        { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
        { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
        { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get"] },
      ],
    }),
    bindClusterRole(name, namespace, meta.labels),
    deployment(meta, pods, {
      serviceAccountName: name,
      securityContext: podSecurity(),
      containers: [
        container(name, config.images.prometheusOperator, {
          args: [
            "--kubelet-service=kube-system/kubelet",
            `--prometheus-config-reloader=${imageString(config.images.prometheusConfigReloader)}`,
            `--web.listen-address=:${port}`,
          ],
          ports: [{ name: "http", containerPort: port }],
          resources: resources(100, 100, { cpuMillis: 200, memoryMiB: 200 }),
        }),
      ],
    }),
    new Service({
      metadata: meta,
      spec: { clusterIP: "None", selector: pods, ports: [{ name: "http", port, targetPort: "http" }] },
    }),
    new ServiceMonitor({
      metadata: meta,
      spec: { selector: { matchLabels: pods }, endpoints: [{ port: "http", interval: "30s" }] },
    }),
    ingressPolicy(name, namespace, pods, [{ ports: [port], from: [peer(namespace, prometheusPods)] }]),
  ];
});
