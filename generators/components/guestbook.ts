// The guestbook's shared parts: names, ports, the credentials Secret contract and the web Deployment
// builder that the backend and frontend components both use.
import type { Deployment } from "kubernetes-models/apps/v1/Deployment";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IVolume } from "kubernetes-models/v1/Volume";
import { Service } from "kubernetes-models/v1/Service";
import { container, deployment, labels, podSecurity, resources, selectorLabels } from "../meta.js";
import type { ImageRef } from "../versions.js";

/** Namespace of every guestbook object (the apps layer's namespace in stack.ts). */
export const namespace = "guestbook";

/** `app.kubernetes.io/component` of the guestbook's pods; selectors are `selectorLabels(name, component)`. */
export const component = "guestbook";

/** Port both web apps listen on (PORT) and serve /healthz, /readyz and /metrics from. */
export const httpPort = 8080;

/** Port of the backend and frontend Services. */
export const servicePort = 80;

/** MongoDB's wire-protocol port, on the pod and on the `mongodb` Service. */
export const mongodbPort = 27017;

/** Workload and Service names; other layers (monitors) select pods by these. */
export const names = { backend: "backend", frontend: "frontend", mongodb: "mongodb" } as const;

/**
 * The Secret bootstrap creates in the guestbook namespace before the apps wave. It is never in git.
 * Its values reach every client as separate variables, never inside a connection string, so any character works.
 */
export const credentials = { secret: "mongodb-credentials", usernameKey: "username", passwordKey: "password" } as const;

/** An env var read from the credentials Secret. */
export function secretEnv(name: string, key: string): IEnvVar {
  return { name, valueFrom: { secretKeyRef: { name: credentials.secret, key } } };
}

/** A writable /tmp for a read-only root filesystem. */
export const tmpVolume: IVolume = { name: "tmp", emptyDir: { sizeLimit: "32Mi" } };

/** What differs between the backend and the frontend. */
export interface WebAppSpec {
  readonly name: string;
  readonly image: ImageRef;
  /** Env vars besides PORT, in order (a `$(VAR)` reference only sees vars listed before it). */
  readonly env: readonly IEnvVar[];
  /** Makes the Service a NodePort on this port (the frontend, which Kind maps to a host port). */
  readonly nodePort?: number;
}

/**
 * A hardened express app: UID 10001 (the Dockerfiles' USER), read-only root with an emptyDir /tmp,
 * /healthz for liveness (no dependencies, so an outage of what it calls never restarts it) and
 * /readyz for readiness, plus a Service on port 80.
 */
export function webApp(spec: WebAppSpec): [Deployment, Service] {
  const meta = { name: spec.name, namespace, labels: labels(spec.name, component, spec.image) };
  const selector = selectorLabels(spec.name, component);
  const probe = (path: string, periodSeconds: number) => ({
    httpGet: { path, port: "http" },
    periodSeconds,
    // Generous: the cluster shares two cores with everything else.
    timeoutSeconds: 3,
    failureThreshold: 3,
  });
  return [
    deployment(meta, selector, {
      securityContext: podSecurity(10001),
      // The apps never call the Kubernetes API, and service-link env vars would only add noise.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      containers: [
        container(spec.name, spec.image, {
          env: [{ name: "PORT", value: String(httpPort) }, ...spec.env],
          ports: [{ name: "http", containerPort: httpPort }],
          livenessProbe: { ...probe("/healthz", 10), initialDelaySeconds: 5 },
          readinessProbe: probe("/readyz", 5),
          resources: resources(50, 128, { cpuMillis: 500, memoryMiB: 256 }),
          volumeMounts: [{ name: tmpVolume.name, mountPath: "/tmp" }],
        }),
      ],
      volumes: [tmpVolume],
    }),
    new Service({
      metadata: meta,
      spec: {
        ...(spec.nodePort === undefined ? {} : { type: "NodePort" }),
        selector,
        ports: [
          { name: "http", port: servicePort, targetPort: "http", ...(spec.nodePort === undefined ? {} : { nodePort: spec.nodePort }) },
        ],
      },
    }),
  ];
}
