// Wave 2: Prometheus, Alertmanager, the exporters and Grafana.
import { prometheus } from "../components/prometheus.js";
import type { Layer } from "../layer.js";
import { patches } from "../model.js";

const retention = patches(import.meta.url, function prometheusRetention(retention: string, replicas: number) {
  return [
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "Prometheus",
      metadata: { name: "k8s", namespace: "monitoring" },
      spec: { retention, replicas },
    },
  ];
});

export const platform: Layer = {
  name: "platform",
  base: (config) => [prometheus(config)],
  overlay: (_config, env) => ({ resources: [], patches: [retention(env.retention, env.replicas.prometheus)], replicas: [] }),
};
