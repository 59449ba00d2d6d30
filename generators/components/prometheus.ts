import { Prometheus } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Prometheus";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { StackConfig } from "../config.js";
import { ingressPolicy, labels, peer, podSecurity, resources, bindClusterRole } from "../meta.js";
import { component } from "../model.js";
import {
  bootstrapSecrets,
  monitoringNamespace as namespace,
  pagerSwitch,
  scrapedNamespaces,
  watchedNamespaces,
  workloads,
} from "../monitoring.js";
import { nodePorts } from "../stack.js";
import { imageString } from "../versions.js";

const { name, cr, port } = workloads.prometheus;

/** Labels the operator puts on every Prometheus pod: NetworkPolicies admit scrapes from these. */
export const prometheusPods = { "app.kubernetes.io/name": "prometheus" } as const;
/** The pods of this Prometheus CR (the Service and the PDB select them). */
export const prometheusK8sPods = { ...prometheusPods, prometheus: cr } as const;

/** Selects objects in the watched namespaces only. */
const inWatched = { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...watchedNamespaces] }] };

/**
 * The Service in front of a workload the operator runs (Prometheus, Alertmanager): its UI on a NodePort,
 * which Kind maps to localhost, and the config-reloader sidecar's metrics port.
 */
export function operatedService(
  meta: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> },
  selector: Record<string, string>,
  port: number,
  nodePort: number,
): Service {
  return new Service({
    metadata: meta,
    spec: {
      type: "NodePort",
      selector,
      ports: [
        { name: "web", port, targetPort: "web", nodePort },
        { name: "reloader-web", port: workloads.configReloader.port, targetPort: "reloader-web" },
      ],
    },
  });
}

/** Prometheus: the CR the operator turns into a StatefulSet, its identity and RBAC, and its NodePort. */
export const prometheus = component(import.meta.url, "prometheus", function prometheus(config: StackConfig) {
  const meta = { name, namespace, labels: labels("prometheus", "prometheus", config.images.prometheus) };
  const rbacMeta = { name, labels: meta.labels };
  return [
    new ServiceAccount({ metadata: meta, automountServiceAccountToken: true }),
    // Cluster-scoped only for what has no namespace: node objects and the kubelet's /metrics, /metrics/cadvisor.
    new ClusterRole({
      metadata: rbacMeta,
      rules: [
        { apiGroups: [""], resources: ["nodes", "nodes/metrics"], verbs: ["get", "list", "watch"] },
        { nonResourceURLs: ["/metrics", "/metrics/cadvisor"], verbs: ["get"] },
      ],
    }),
    bindClusterRole(name, namespace, rbacMeta.labels),
    // Service discovery, namespace by namespace: nothing outside the scraped namespaces is readable.
    ...scrapedNamespaces.flatMap((ns) => [
      // Named per namespace: same-named objects would share one generated file.
      new Role({
        metadata: { ...rbacMeta, name: `${name}-${ns}`, namespace: ns },
        rules: [
          { apiGroups: [""], resources: ["services", "endpoints", "pods"], verbs: ["get", "list", "watch"] },
          { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
          { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get", "list", "watch"] },
          ...(ns === namespace ? [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }] : []),
        ],
      }),
      new RoleBinding({
        metadata: { ...rbacMeta, name: `${name}-${ns}`, namespace: ns },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${name}-${ns}` },
        subjects: [{ kind: "ServiceAccount", name, namespace }],
      }),
    ]),
    new Prometheus({
      metadata: { ...meta, name: cr },
      spec: {
        image: imageString(config.images.prometheus),
        version: config.images.prometheus.tag,
        serviceAccountName: name,
        replicas: 1,
        retention: "2d",
        scrapeInterval: "30s",
        // Rules run twice per default scrape so an alert's `for` starts soon after the 15 s app scrapes see a failure.
        evaluationInterval: "15s",
        // Requests sized to fit a 2-core Kind node beside kube-system (see generators/clusters/argocd.ts).
        resources: resources(100, 512, { cpuMillis: 1000, memoryMiB: 1024 }),
        securityContext: podSecurity(1000),
        podMetadata: { labels: labels("prometheus", "prometheus") },
        externalLabels: {
          cluster: "stackwave",
          // Expanded by Prometheus (3.x default) from the environment: see monitoring.ts pagerSwitch.
          [pagerSwitch.label]: `\${${pagerSwitch.env}}`,
        },
        containers: [
          {
            // Merged by name into the operator's container; the image repeats spec.image so every container names one.
            name: "prometheus",
            image: imageString(config.images.prometheus),
            env: [
              {
                name: pagerSwitch.env,
                valueFrom: {
                  secretKeyRef: { name: bootstrapSecrets.pagerduty.name, key: bootstrapSecrets.pagerduty.pagerKey, optional: true },
                },
              },
            ],
          },
        ],
        alerting: { alertmanagers: [{ namespace, name: workloads.alertmanager.name, port: "web", apiVersion: "v2" }] },
        serviceMonitorSelector: {},
        serviceMonitorNamespaceSelector: inWatched,
        podMonitorSelector: {},
        podMonitorNamespaceSelector: inWatched,
        probeSelector: {},
        probeNamespaceSelector: inWatched,
        ruleSelector: {},
        ruleNamespaceSelector: inWatched,
      },
    }),
    operatedService(meta, prometheusK8sPods, port, nodePorts.prometheus),
    ingressPolicy(name, namespace, prometheusK8sPods, [
      // The UI and API: Grafana, the NodePort (whose source is a node address) and the HA peer.
      { ports: [port] },
      { ports: [workloads.configReloader.port], from: [peer(namespace, prometheusPods)] },
    ]),
  ];
});
