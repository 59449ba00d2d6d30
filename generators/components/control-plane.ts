import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import type { IEndpoint } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Endpoint";
import { Service } from "kubernetes-models/v1/Service";
import { labels } from "../meta.js";
import { component } from "../model.js";
import { monitoringNamespace as namespace } from "../monitoring.js";

const tokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token";
/** Control-plane components on Kind serve self-signed certificates for 127.0.0.1, not for the pod IP. */
const selfSigned = { scheme: "https" as const, tlsConfig: { insecureSkipVerify: true }, bearerTokenFile: tokenFile };
/** Keep the scrape path as a label so kubelet's /metrics and /metrics/cadvisor stay apart. */
const pathLabel = { sourceLabels: ["__metrics_path__"], targetLabel: "metrics_path", action: "replace" as const };

/** A control-plane component that kubeadm runs as a static pod (or a DaemonSet) without a Service. */
interface Component {
  readonly name: string;
  readonly podLabels: Record<string, string>;
  readonly port: number;
  readonly https: boolean;
}

/** Metrics ports opened by the Kind patches in generators/clusters/kind.ts. */
const headless: readonly Component[] = [
  { name: "kube-controller-manager", podLabels: { component: "kube-controller-manager" }, port: 10257, https: true },
  { name: "kube-scheduler", podLabels: { component: "kube-scheduler" }, port: 10259, https: true },
  { name: "etcd", podLabels: { component: "etcd" }, port: 2381, https: false },
  { name: "kube-proxy", podLabels: { "k8s-app": "kube-proxy" }, port: 10249, https: false },
];

function monitor(
  name: string,
  targetNamespace: string,
  selector: Record<string, string>,
  endpoints: IEndpoint[],
  jobLabel?: string,
): ServiceMonitor {
  return new ServiceMonitor({
    metadata: { name, namespace, labels: labels(name, "control-plane-monitor") },
    spec: {
      ...(jobLabel ? { jobLabel } : {}),
      namespaceSelector: { matchNames: [targetNamespace] },
      selector: { matchLabels: selector },
      endpoints,
    },
  });
}

/**
 * Scraping the control plane: the apiserver, the kubelet with cAdvisor, CoreDNS, and the headless
 * kube-system Services Kind does not create for kube-controller-manager, kube-scheduler, etcd and kube-proxy.
 */
export const controlPlane = component(import.meta.url, "controlPlane", function controlPlane() {
  const services = headless.map(
    (c) =>
      new Service({
        metadata: {
          name: c.name,
          namespace: "kube-system",
          labels: { ...labels(c.name, "control-plane"), "stackwave.dev/control-plane": c.name },
        },
        spec: {
          clusterIP: "None",
          selector: c.podLabels,
          ports: [{ name: c.https ? "https-metrics" : "http-metrics", port: c.port, targetPort: c.port }],
        },
      }),
  );
  const monitors = [
    monitor(
      "apiserver",
      "default",
      { component: "apiserver", provider: "kubernetes" },
      [
        {
          port: "https",
          scheme: "https",
          interval: "30s",
          bearerTokenFile: tokenFile,
          tlsConfig: { caFile: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", serverName: "kubernetes" },
          // The apiserver's histograms are large and mostly unused here: keep what dashboards and SLOs need.
          metricRelabelings: [
            {
              sourceLabels: ["__name__"],
              regex: "apiserver_(request_slo|watch_events_sizes|admission_.*_duration_seconds)_bucket|etcd_request_duration_seconds_bucket",
              action: "drop",
            },
          ],
        },
      ],
      "component",
    ),
    monitor("kubelet", "kube-system", { "app.kubernetes.io/name": "kubelet" }, [
      { port: "https-metrics", interval: "30s", honorLabels: true, relabelings: [pathLabel], ...selfSigned },
      { port: "https-metrics", path: "/metrics/cadvisor", interval: "30s", honorLabels: true, relabelings: [pathLabel], ...selfSigned },
    ]),
    monitor("coredns", "kube-system", { "k8s-app": "kube-dns" }, [{ port: "metrics", interval: "30s" }]),
    ...headless.map((c) =>
      monitor(c.name, "kube-system", { "stackwave.dev/control-plane": c.name }, [
        c.https ? { port: "https-metrics", interval: "30s", ...selfSigned } : { port: "http-metrics", interval: "30s" },
      ]),
    ),
  ];
  return [...services, ...monitors];
});
