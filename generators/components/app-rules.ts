import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { alertRule } from "../alerts.js";
import { labels } from "../meta.js";
import { component } from "../model.js";
import { guestbook, guestbookNamespace as namespace, workloads } from "../monitoring.js";
import { sloAlerts, sloRecordingRules, slos } from "../slo.js";

const app = (job: string) => `namespace="${namespace}", job="${job}"`;
const exporter = `job="${workloads.mongodbExporter.name}"`;

/** The guestbook's alert group (also read by the rule tests). */
export const guestbookGroups = [
  {
    name: "guestbook",
    rules: [
      alertRule({
        alert: "GuestbookBackendDown",
        // absent(... == 1) also fires when the target disappears (no ready pod, Deployment scaled to 0).
        expr: `absent(up{${app("backend")}} == 1)`,
        // Two failed 15 s scrapes: pages within ~90 s of an outage (docs/benchmarks.md), yet a rollout does not fire it.
        for: "30s",
        severity: "critical",
        summary: "No guestbook backend is up.",
        description: "Prometheus has scraped no healthy guestbook backend for 30 seconds: the API and the page's messages are down.",
        // absent() of a filtered vector keeps no labels: name the target for grouping and routing.
        labels: { namespace, job: "backend" },
      }),
      alertRule({
        alert: "GuestbookFrontendProbeFailing",
        expr: `probe_success{job="${guestbook.probeJob}", service="frontend"} == 0`,
        for: "2m",
        severity: "critical",
        summary: "The guestbook page fails from outside.",
        description: "The blackbox probe of {{ $labels.instance }} has failed for 2 minutes (no 2xx answer within 5 s).",
        labels: { namespace },
      }),
      alertRule({
        alert: "GuestbookHighErrorRate",
        expr:
          `(sum by (namespace, job) (rate(http_requests_total{namespace="${namespace}", status_code=~"5.."}[5m]))` +
          ` / sum by (namespace, job) (rate(http_requests_total{namespace="${namespace}"}[5m]))) > 0.05`,
        for: "5m",
        severity: "warning",
        summary: "The guestbook answers many requests with 5xx.",
        description: "{{ $value | humanizePercentage }} of {{ $labels.job }}'s requests have failed with a 5xx for 5 minutes.",
      }),
      alertRule({
        alert: "GuestbookHighLatency",
        expr: `histogram_quantile(0.99, sum by (namespace, job, le) (rate(http_request_duration_seconds_bucket{namespace="${namespace}", route!="/metrics"}[5m]))) > 1`,
        for: "10m",
        severity: "warning",
        summary: "The guestbook is slow.",
        description:
          "The 99th percentile of {{ $labels.job }}'s request duration has been {{ humanizeDuration $value }} for 10 minutes (threshold 1 s).",
      }),
      alertRule({
        alert: "GuestbookMongoDBDown",
        expr: `mongodb_up{${exporter}} == 0`,
        for: "2m",
        severity: "critical",
        summary: "The guestbook's MongoDB does not answer.",
        description: "The MongoDB exporter has not reached the guestbook database for 2 minutes: messages can be neither read nor stored.",
        labels: { namespace },
      }),
      alertRule({
        alert: "GuestbookMongoDBExporterDown",
        expr: `absent(up{${exporter}} == 1)`,
        for: "5m",
        severity: "warning",
        summary: "The MongoDB exporter cannot be scraped.",
        description:
          "Prometheus has not scraped the MongoDB exporter for 5 minutes: the database is unobserved and GuestbookMongoDBDown cannot fire.",
        labels: { namespace, job: workloads.mongodbExporter.name },
      }),
    ],
  },
];

/** SLO recording rules and burn-rate alerts, one group per SLO. */
export const sloGroups = slos.map((slo) => ({
  name: `slo-${slo.name}`,
  interval: "30s",
  rules: [...sloRecordingRules(slo), ...sloAlerts(slo)],
}));

/** The guestbook's alerts and SLO rules. */
export const appRules = component(import.meta.url, "appRules", function appRules() {
  return [
    new PrometheusRule({
      metadata: { name: "guestbook-rules", namespace, labels: labels("guestbook", "alert-rules") },
      spec: { groups: guestbookGroups },
    }),
    new PrometheusRule({
      metadata: { name: "guestbook-slo", namespace, labels: labels("guestbook", "slo-rules") },
      spec: { groups: sloGroups },
    }),
  ];
});
