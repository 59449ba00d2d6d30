// Wave 4: the guestbook: MongoDB, backend, frontend and the network policies between them.
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { names, namespace, component as role } from "../components/guestbook.js";
import { guestbookBackend } from "../components/guestbook-backend.js";
import { guestbookFrontend } from "../components/guestbook-frontend.js";
import { guestbookMongodb } from "../components/guestbook-mongodb.js";
import { guestbookNetwork } from "../components/guestbook-network.js";
import type { Layer } from "../layer.js";
import { labels, selectorLabels } from "../meta.js";
import { component } from "../model.js";

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

export const apps: Layer = {
  name: "apps",
  base: (config) => [guestbookMongodb(config), guestbookBackend(config), guestbookFrontend(config), guestbookNetwork()],
  overlay: (_config, env) => ({
    resources: env.podDisruptionBudgets ? [guestbookDisruptionBudgets()] : [],
    patches: [],
    replicas: [
      { name: names.backend, count: env.replicas.backend },
      { name: names.frontend, count: env.replicas.frontend },
    ],
  }),
};
