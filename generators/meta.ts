// Shared object parts: labels, hardening and sizing. Components build on these instead of repeating them.
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { ImageRef } from "./versions.js";
import { imageString } from "./versions.js";

/** Recommended labels (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels). */
export function labels(name: string, component: string, image?: ImageRef): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "stackwave",
    ...(image ? { "app.kubernetes.io/version": image.tag } : {}),
  };
}

/** The stable subset of `labels` used in selectors (the version label changes on upgrade). */
export function selectorLabels(name: string, component: string): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/component": component };
}

/** Pod-level hardening: a fixed non-root UID and the runtime's default seccomp profile. */
export function podSecurity(uid = 65534): IPodSecurityContext {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}

/** Container-level hardening: read-only root, no privilege escalation, every capability dropped. */
export function containerSecurity(): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Requests and limits; CPU in millicores, memory in MiB. The limit defaults to twice the request for CPU. */
export function resources(
  cpuMillis: number,
  memoryMiB: number,
  limits?: { cpuMillis?: number; memoryMiB?: number },
): IResourceRequirements {
  return {
    requests: { cpu: `${cpuMillis}m`, memory: `${memoryMiB}Mi` },
    limits: { cpu: `${limits?.cpuMillis ?? cpuMillis * 2}m`, memory: `${limits?.memoryMiB ?? memoryMiB}Mi` },
  };
}

/** A container with the hardened defaults; `spec` adds or overrides the rest. */
export function container(name: string, image: ImageRef, spec: Omit<IContainer, "name" | "image">): IContainer {
  return { name, image: imageString(image), imagePullPolicy: "IfNotPresent", securityContext: containerSecurity(), ...spec };
}

// --- Added for the monitoring stack (issue 4): generic policy objects. ---

/** A peer of a NetworkPolicy rule: pods with these labels, in the namespace with this name (or any pod in it). */
export function peer(namespace: string, podLabels?: Record<string, string>): INetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
    ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
  };
}

/**
 * An ingress-only NetworkPolicy: the selected pods accept traffic on each rule's ports from its peers
 * (from anywhere when a rule has no peers, for UIs behind a NodePort). Egress stays open: the pods
 * call the API server, whose address differs per cluster.
 */
export function ingressPolicy(
  name: string,
  namespace: string,
  podLabels: Record<string, string>,
  rules: readonly { ports: readonly (number | string)[]; from?: readonly INetworkPolicyPeer[]; protocols?: readonly ("TCP" | "UDP")[] }[],
): NetworkPolicy {
  return new NetworkPolicy({
    metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": "stackwave" } },
    spec: {
      podSelector: { matchLabels: podLabels },
      policyTypes: ["Ingress"],
      ingress: rules.map((rule) => ({
        ports: (rule.protocols ?? ["TCP"]).flatMap((protocol) => rule.ports.map((port) => ({ protocol, port }))),
        ...(rule.from && rule.from.length > 0 ? { from: [...rule.from] } : {}),
      })),
    },
  });
}

/**
 * Lets voluntary disruptions (drains, upgrades) take one pod of a replicated workload at a time. With one
 * replica per node (generators/production.ts) a node's drain always passes, and a 3-member Alertmanager keeps
 * its majority; `minAvailable: 1` would have let a drain take two of three.
 */
export function disruptionBudget(name: string, namespace: string, podLabels: Record<string, string>): PodDisruptionBudget {
  return new PodDisruptionBudget({
    metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": "stackwave" } },
    spec: { maxUnavailable: 1, selector: { matchLabels: podLabels } },
  });
}

/**
 * A Deployment whose pods carry `meta.labels` and are selected by the stable `selector`. It starts at one
 * replica: overlays set the environment's count.
 */
export function deployment(
  meta: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> },
  selector: Record<string, string>,
  pod: IPodSpec,
): Deployment {
  return new Deployment({
    metadata: meta,
    spec: { replicas: 1, selector: { matchLabels: selector }, template: { metadata: { labels: meta.labels }, spec: pod } },
  });
}

/** Binds the ClusterRole `name` to the ServiceAccount of the same name in `namespace`. */
export function bindClusterRole(name: string, namespace: string, metaLabels: Record<string, string>): ClusterRoleBinding {
  return new ClusterRoleBinding({
    metadata: { name, labels: metaLabels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects: [{ kind: "ServiceAccount", name, namespace }],
  });
}
