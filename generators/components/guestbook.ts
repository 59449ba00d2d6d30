import { Deployment } from "kubernetes-models/apps/v1";
import { Service } from "kubernetes-models/v1";
import type { StackConfig } from "../config.js";
import { container, labels, podSecurity, resources, selectorLabels } from "../meta.js";
import { component } from "../model.js";

/** The guestbook backend and frontend. */
export const guestbook = component(import.meta.url, function guestbook(config: StackConfig) {
  return (["backend", "frontend"] as const).flatMap((name) => {
    const image = name === "backend" ? config.images.guestbookBackend : config.images.guestbookFrontend;
    const meta = { name, namespace: "guestbook", labels: labels(name, "guestbook", image) };
    return [
      new Deployment({
        metadata: meta,
        spec: {
          replicas: 1,
          selector: { matchLabels: selectorLabels(name, "guestbook") },
          template: {
            metadata: { labels: meta.labels },
            spec: {
              securityContext: podSecurity(10001),
              containers: [container(name, image, { ports: [{ name: "http", containerPort: 8080 }], resources: resources(50, 64) })],
            },
          },
        },
      }),
      new Service({
        metadata: meta,
        spec: { selector: selectorLabels(name, "guestbook"), ports: [{ name: "http", port: 80, targetPort: "http" }] },
      }),
    ];
  });
});
