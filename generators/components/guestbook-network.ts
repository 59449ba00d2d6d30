import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import { labels, selectorLabels } from "../meta.js";
import { component } from "../model.js";
import { component as role, httpPort, mongodbPort, names, namespace } from "./guestbook.js";

/** Namespace of Prometheus and the exporters (the monitoring layers). */
const monitoring = "monitoring";

/** Pods of one guestbook workload, in the policy's own namespace. */
const guestbookPeer = (name: string): INetworkPolicyPeer => ({ podSelector: { matchLabels: selectorLabels(name, role) } });

/** Pods named `name` in the monitoring namespace; both selectors, so another namespace's look-alike gets nothing. */
const monitoringPeer = (name: string): INetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": monitoring } },
  podSelector: { matchLabels: { "app.kubernetes.io/name": name } },
});

/**
 * Ingress for the guestbook namespace: deny by default, then open exactly the paths the guestbook uses.
 * Anyone reaches the frontend (the public NodePort entry, which also covers Prometheus and the blackbox
 * prober); the frontend and Prometheus reach the backend; the backend and the MongoDB exporter reach MongoDB.
 * Egress stays open: the apps only call inside the namespace, and DNS needs no exception that way.
 */
export const guestbookNetwork = component(import.meta.url, "guestbookNetwork", function guestbookNetwork() {
  const policy = (name: string, podSelector: Record<string, string>, from: INetworkPolicyPeer[] | undefined, port?: number) =>
    new NetworkPolicy({
      metadata: { name, namespace, labels: labels(name, role) },
      spec: {
        podSelector: { matchLabels: podSelector },
        policyTypes: ["Ingress"],
        ingress: port === undefined ? [] : [{ ...(from ? { from } : {}), ports: [{ protocol: "TCP", port }] }],
      },
    });
  return [
    policy("default-deny-ingress", {}, undefined),
    policy(names.frontend, selectorLabels(names.frontend, role), undefined, httpPort),
    policy(names.backend, selectorLabels(names.backend, role), [guestbookPeer(names.frontend), monitoringPeer("prometheus")], httpPort),
    policy(
      names.mongodb,
      selectorLabels(names.mongodb, role),
      [guestbookPeer(names.backend), monitoringPeer("mongodb-exporter")],
      mongodbPort,
    ),
  ];
});
