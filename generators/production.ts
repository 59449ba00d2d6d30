// What an environment with `production` set adds to the overlays: topology spread, volumes and retention
// size for Prometheus and Alertmanager, Ingress objects and the external-database switch. Pure builders;
// the layers call them from their overlays, so a laptop environment (no `production`) is untouched.
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { ITopologySpreadConstraint } from "kubernetes-models/v1/TopologySpreadConstraint";
import type { EnvironmentConfig, IngressConfig, IngressTarget, ProductionConfig } from "./config.js";
import { labels } from "./meta.js";
import type { Patch } from "./model.js";
import { localRegistry, type ImageRef } from "./versions.js";

/** Node label of the zone a node runs in (kubernetes.io/docs/reference/labels-annotations-taints). */
export const zoneLabel = "topology.kubernetes.io/zone";
export const hostnameLabel = "kubernetes.io/hostname";

/**
 * The image an environment pulls: with `production`, the guestbook's own images come from its `appRegistry`
 * (the local registry exists only beside Kind); everything else is unchanged.
 */
export function environmentImage(image: ImageRef, env: Pick<EnvironmentConfig, "production">): ImageRef {
  const registry = env.production?.appRegistry;
  if (!registry || image.registry !== localRegistry.host) return image;
  const [host, ...path] = registry.split("/");
  return { registry: host!, repository: [...path, image.repository].join("/"), tag: image.tag };
}

/**
 * Spread a workload's pods: hard across nodes, hard or soft across zones (`zoneSpread`).
 * - `nodeTaintsPolicy: Honor` leaves cordoned nodes (tainted `node.kubernetes.io/unschedulable`) out of the
 *   count. With the default (Ignore) a drained node counts as a domain with 0 pods, so the evicted replica
 *   could go nowhere without a skew of 2, and stayed Pending: the drain would leave the workload short.
 * - `matchLabelKeys: [pod-template-hash]` (Deployments only) counts only the current ReplicaSet's pods, so a
 *   rolling update is not blocked by the old pods it is about to remove.
 */
export function spreadConstraints(
  production: Pick<ProductionConfig, "zoneSpread">,
  podLabels: Readonly<Record<string, string>>,
  kind: "Deployment" | "operated",
): ITopologySpreadConstraint[] {
  const common = {
    maxSkew: 1,
    labelSelector: { matchLabels: { ...podLabels } },
    nodeTaintsPolicy: "Honor" as const,
    ...(kind === "Deployment" ? { matchLabelKeys: ["pod-template-hash"] } : {}),
  };
  return [
    { ...common, topologyKey: hostnameLabel, whenUnsatisfiable: "DoNotSchedule" },
    { ...common, topologyKey: zoneLabel, whenUnsatisfiable: production.zoneSpread === "required" ? "DoNotSchedule" : "ScheduleAnyway" },
  ];
}

/** A patch adding the spread to a Deployment's pod template. */
export function deploymentSpreadPatch(
  production: ProductionConfig,
  name: string,
  namespace: string,
  podLabels: Readonly<Record<string, string>>,
): Patch {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: { template: { spec: { topologySpreadConstraints: spreadConstraints(production, podLabels, "Deployment") } } },
  };
}

/** One ReadWriteOnce claim per replica from the default StorageClass (bootstrap's preflight checks there is one). */
export function volumeClaim(size: string): { volumeClaimTemplate: object } {
  // The models of the operator's CRDs require apiVersion and kind on the embedded claim, with these values; the
  // CRD itself takes any string there, and the operator writes its own into the StatefulSet's claim template.
  return {
    volumeClaimTemplate: {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "EmbeddedPersistentVolumeClaim",
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } },
    },
  };
}

/** What one UI's Ingress routes to. */
export interface IngressBackend {
  readonly target: IngressTarget;
  readonly name: string;
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
  readonly component: string;
}

/** A networking.k8s.io/v1 Ingress for one UI: the configured class, its host and its TLS Secret. */
export function uiIngress(ingress: IngressConfig, backend: IngressBackend): Ingress {
  const host = ingress.hosts[backend.target];
  return new Ingress({
    metadata: { name: backend.name, namespace: backend.namespace, labels: labels(backend.name, backend.component) },
    spec: {
      ingressClassName: ingress.className,
      tls: [{ hosts: [host], secretName: ingress.tlsSecrets[backend.target] }],
      rules: [
        {
          host,
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: backend.service, port: { number: backend.port } } } }],
          },
        },
      ],
    },
  });
}

/**
 * The argo-cd chart's values for its own Ingress (charts/argo-cd values.yaml, server.ingress): TLS ends at
 * the ingress controller with the configured Secret, so argocd-server keeps serving plain HTTP behind it.
 */
export function argocdIngressValues(ingress: IngressConfig): Record<string, unknown> {
  return {
    enabled: true,
    ingressClassName: ingress.className,
    hostname: ingress.hosts.argocd,
    // `tls: true` would name the chart's fixed argocd-server-tls Secret; extraTls names ours.
    tls: false,
    extraTls: [{ hosts: [ingress.hosts.argocd], secretName: ingress.tlsSecrets.argocd }],
  };
}

/** Removes one object of the base from an overlay (a strategic-merge delete). */
export function deletePatch(apiVersion: string, kind: string, name: string, namespace: string): Patch {
  return { apiVersion, kind, metadata: { name, namespace }, $patch: "delete" };
}

/** The key of the `mongodb-credentials` Secret that holds an external database's connection string. */
export const externalUriKey = "uri";
