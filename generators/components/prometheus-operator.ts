import { Deployment } from "kubernetes-models/apps/v1";
import { Service, ServiceAccount } from "kubernetes-models/v1";
import type { StackConfig } from "../config.js";
import { container, labels, podSecurity, resources, selectorLabels } from "../meta.js";
import { component } from "../model.js";

const name = "prometheus-operator";
const namespace = "monitoring";

/** The operator that turns Prometheus, Alertmanager and monitor CRs into workloads and scrape config. */
export const prometheusOperator = component(import.meta.url, function prometheusOperator(config: StackConfig) {
  const meta = { name, namespace, labels: labels(name, "controller", config.images.prometheusOperator) };
  return [
    new ServiceAccount({ metadata: meta, automountServiceAccountToken: true }),
    new Deployment({
      metadata: meta,
      spec: {
        replicas: 1,
        selector: { matchLabels: selectorLabels(name, "controller") },
        template: {
          metadata: { labels: meta.labels },
          spec: {
            serviceAccountName: name,
            securityContext: podSecurity(),
            containers: [
              container(name, config.images.prometheusOperator, {
                args: [
                  "--kubelet-service=kube-system/kubelet",
                  `--prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:${config.images.prometheusConfigReloader.tag}`,
                ],
                ports: [{ name: "http", containerPort: 8080 }],
                resources: resources(100, 100),
              }),
            ],
          },
        },
      },
    }),
    new Service({
      metadata: meta,
      spec: { clusterIP: "None", selector: selectorLabels(name, "controller"), ports: [{ name: "http", port: 8080, targetPort: "http" }] },
    }),
  ];
});
