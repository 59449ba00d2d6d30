import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { labels } from "../meta.js";
import { component } from "../model.js";

/** Alerts about the monitoring platform itself. */
export const platformRules = component(import.meta.url, function platformRules() {
  return [
    new PrometheusRule({
      metadata: { name: "platform-rules", namespace: "monitoring", labels: labels("prometheus", "alert-rules") },
      spec: {
        groups: [
          {
            name: "watchdog",
            rules: [
              {
                alert: "Watchdog",
                expr: "vector(1)",
                labels: { severity: "none" },
                annotations: { summary: "Always firing: proves the alerting pipeline works." },
              },
            ],
          },
        ],
      },
    }),
  ];
});
