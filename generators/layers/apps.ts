// Wave 4: the guestbook: MongoDB, backend, frontend and the network policies between them.
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { credentials, names, namespace, component as role, servicePort } from "../components/guestbook.js";
import { guestbookBackend } from "../components/guestbook-backend.js";
import { guestbookFrontend } from "../components/guestbook-frontend.js";
import { guestbookMongodb, mongoshConfigName } from "../components/guestbook-mongodb.js";
import { guestbookNetwork } from "../components/guestbook-network.js";
import type { Layer } from "../layer.js";
import { labels, selectorLabels } from "../meta.js";
import type { EnvironmentConfig, IngressConfig } from "../config.js";
import { component, patches } from "../model.js";
import { deletePatch, deploymentSpreadPatch, externalUriKey, uiIngress } from "../production.js";

/** Keeps all but one pod of each web app up through node drains (MongoDB is a single replica: no budget). */
const guestbookDisruptionBudgets = component(import.meta.url, "guestbookDisruptionBudgets", function guestbookDisruptionBudgets() {
  return [names.backend, names.frontend].map(
    (name) =>
      new PodDisruptionBudget({
        metadata: { name, namespace, labels: labels(name, role) },
        spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(name, role) } },
      }),
  );
});

/**
 * With `production`: the web apps spread across nodes and zones; with an external database, MongoDB's
 * objects leave the overlay and the backend reads the connection string from the credentials Secret.
 */
const guestbookProductionPatches = patches(
  import.meta.url,
  "guestbookProductionPatches",
  function guestbookProductionPatches(env: EnvironmentConfig) {
    const prod = env.production;
    if (!prod) return [];
    const spread = [
      { name: names.backend, count: env.replicas.backend },
      { name: names.frontend, count: env.replicas.frontend },
    ]
      .filter((w) => w.count > 1)
      .map((w) => deploymentSpreadPatch(prod, w.name, namespace, selectorLabels(w.name, role)));
    if (prod.database.kind !== "external") return spread;
    const backendEnv = [
      // The bundled database's address means nothing here; the URI names the external one.
      { name: "GUESTBOOK_DB_ADDR", $patch: "delete" },
      { name: "MONGODB_URI", value: null, valueFrom: { secretKeyRef: { name: credentials.secret, key: externalUriKey } } },
    ];
    // One patch per object and overlay: the backend's env joins its spread patch when it has one.
    const backendSpread = spread.find((p) => p.metadata.name === names.backend);
    const podSpec = (backendSpread?.spec as { template?: { spec?: object } } | undefined)?.template?.spec ?? {};
    const backend = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: names.backend, namespace },
      spec: { template: { spec: { ...podSpec, containers: [{ name: names.backend, env: backendEnv }] } } },
    };
    return [
      ...spread.filter((p) => p !== backendSpread),
      backend,
      deletePatch("apps/v1", "StatefulSet", names.mongodb, namespace),
      deletePatch("v1", "Service", names.mongodb, namespace),
      deletePatch("v1", "ConfigMap", mongoshConfigName, namespace),
      deletePatch("networking.k8s.io/v1", "NetworkPolicy", names.mongodb, namespace),
    ];
  },
);

/** The guestbook's Ingress (the frontend), when the environment asks for one. */
const guestbookIngress = component(import.meta.url, "guestbookIngress", function guestbookIngress(ingress: IngressConfig) {
  return [
    uiIngress(ingress, {
      target: "guestbook",
      name: names.frontend,
      namespace,
      service: names.frontend,
      port: servicePort,
      component: role,
    }),
  ];
});

export const apps: Layer = {
  name: "apps",
  base: (config) => [guestbookMongodb(config), guestbookBackend(config), guestbookFrontend(config), guestbookNetwork()],
  overlay: (_config, env) => ({
    resources: [
      ...(env.podDisruptionBudgets ? [guestbookDisruptionBudgets()] : []),
      ...(env.production?.ingress ? [guestbookIngress(env.production.ingress)] : []),
    ],
    patches: [guestbookProductionPatches(env)],
    replicas: [
      { name: names.backend, count: env.replicas.backend },
      { name: names.frontend, count: env.replicas.frontend },
    ],
  }),
};
