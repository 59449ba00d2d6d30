// What the cluster holds before Argo CD syncs anything: objects Kind (kubeadm v1.32) and the
// prometheus-operator create themselves, which generated monitors select. Only the fields the checks
// read are modelled; each comes from the upstream manifest named beside it.
import type { PodTemplate, Service } from "./inventory.js";

/** Namespaces every cluster has (kube-apiserver creates them). */
export const clusterNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"] as const;

/** Services that no generator writes. */
export const clusterServices: readonly Service[] = [
  // kube-apiserver's own Service (pkg/controlplane/controller/kubernetesservice); its endpoints are the apiservers.
  {
    origin: "cluster",
    namespace: "default",
    name: "kubernetes",
    labels: { component: "apiserver", provider: "kubernetes" },
    ports: [{ name: "https", port: 443, targetPort: 6443, protocol: "TCP" }],
  },
  // kubeadm's CoreDNS addon (cmd/kubeadm/app/phases/addons/dns/manifests.go).
  {
    origin: "cluster",
    namespace: "kube-system",
    name: "kube-dns",
    labels: { "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS" },
    selector: { "k8s-app": "kube-dns" },
    ports: [
      { name: "dns", port: 53, targetPort: 53, protocol: "UDP" },
      { name: "dns-tcp", port: 53, targetPort: 53, protocol: "TCP" },
      { name: "metrics", port: 9153, targetPort: 9153, protocol: "TCP" },
    ],
  },
];

/**
 * The kubelet Service the operator keeps when started with `--kubelet-service=<ns>/<name>`
 * (pkg/kubelet/controller.go): endpoints are the nodes, so it has no selector.
 */
export function kubeletService(namespace: string, name: string): Service {
  return {
    origin: "cluster",
    namespace,
    name,
    labels: { "app.kubernetes.io/name": "kubelet", "app.kubernetes.io/managed-by": "prometheus-operator", "k8s-app": "kubelet" },
    ports: [
      { name: "https-metrics", port: 10250, targetPort: 10250, protocol: "TCP" },
      { name: "http-metrics", port: 10255, targetPort: 10255, protocol: "TCP" },
      { name: "cadvisor", port: 4194, targetPort: 4194, protocol: "TCP" },
    ],
  };
}

const controlPlane = (component: string): PodTemplate => ({
  origin: "cluster",
  kind: "static Pod",
  namespace: "kube-system",
  name: component,
  labels: { component, tier: "control-plane" },
  ports: [],
  hostNetwork: true,
});

/** Pods of the control plane (kubeadm static pods), kube-proxy (DaemonSet) and CoreDNS (Deployment). */
export const clusterPods: readonly PodTemplate[] = [
  ...["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"].map(controlPlane),
  {
    origin: "cluster",
    kind: "DaemonSet",
    namespace: "kube-system",
    name: "kube-proxy",
    labels: { "k8s-app": "kube-proxy" },
    ports: [],
    hostNetwork: true,
  },
  {
    origin: "cluster",
    kind: "Deployment",
    namespace: "kube-system",
    name: "coredns",
    labels: { "k8s-app": "kube-dns" },
    ports: [
      { name: "dns", containerPort: 53, protocol: "UDP" },
      { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
      { name: "metrics", containerPort: 9153, protocol: "TCP" },
    ],
    hostNetwork: false,
  },
];
