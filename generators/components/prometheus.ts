import { Prometheus } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { ServiceAccount } from "kubernetes-models/v1";
import type { StackConfig } from "../config.js";
import { labels, resources } from "../meta.js";
import { imageString } from "../versions.js";
import { component } from "../model.js";

/** The Prometheus CR the operator turns into a StatefulSet. */
export const prometheus = component(import.meta.url, function prometheus(config: StackConfig) {
  const meta = { name: "prometheus-k8s", namespace: "monitoring", labels: labels("prometheus", "prometheus", config.images.prometheus) };
  return [
    new ServiceAccount({ metadata: meta }),
    new Prometheus({
      metadata: { ...meta, name: "k8s" },
      spec: {
        image: imageString(config.images.prometheus),
        version: config.images.prometheus.tag,
        serviceAccountName: meta.name,
        replicas: 1,
        retention: "2d",
        resources: resources(200, 400),
      },
    }),
  ];
});
