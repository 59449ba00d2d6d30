import { Probe } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Probe";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { labels } from "../meta.js";
import { component } from "../model.js";
import { guestbook, guestbookNamespace as namespace, monitoringNamespace, workloads } from "../monitoring.js";

/**
 * What Prometheus scrapes of the guestbook: the backend's and frontend's /metrics through their
 * Services, and a blackbox probe of the frontend page as a user sees it. They live in the guestbook
 * namespace, beside what they watch; Prometheus selects monitors there too.
 */
export const appMonitors = component(import.meta.url, "appMonitors", function appMonitors() {
  const monitors = guestbook.apps.map(
    (app) =>
      new ServiceMonitor({
        metadata: { name: app, namespace, labels: labels(app, "app-monitor") },
        spec: {
          selector: { matchLabels: { "app.kubernetes.io/name": app, "app.kubernetes.io/component": "guestbook" } },
          // 15 s: the backend-down page depends on it (detection latency, docs/benchmarks.md).
          endpoints: [{ port: guestbook.portName, path: "/metrics", interval: "15s" }],
        },
      }),
  );
  const probe = new Probe({
    metadata: { name: "frontend", namespace, labels: labels("frontend", "app-probe") },
    spec: {
      jobName: guestbook.probeJob,
      interval: "30s",
      module: "http_2xx",
      prober: { url: `${workloads.blackboxExporter.name}.${monitoringNamespace}.svc:${workloads.blackboxExporter.port}` },
      targets: { staticConfig: { static: [guestbook.frontendURL], labels: { service: "frontend" } } },
    },
  });
  return [...monitors, probe];
});
