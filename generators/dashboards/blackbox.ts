// Blackbox probes: does the guestbook answer from outside, how fast, with which status.
import { guestbook } from "../monitoring.js";
import { q, stat, timeseries, type DashboardSpec } from "./panels.js";

const sel = `job="${guestbook.probeJob}"`;

export const blackboxDashboard: DashboardSpec = {
  name: "blackbox",
  uid: "stackwave-blackbox",
  title: "Blackbox probes",
  description: "HTTP probes of the guestbook from the blackbox exporter: success, latency and status code.",
  tags: ["blackbox", "guestbook"],
  rows: [
    {
      title: "Probes",
      panels: [
        stat("Probes succeeding", "Share of probe targets whose last probe succeeded.", "percentunit", [
          q(`avg(probe_success{${sel}})`, "success"),
        ]),
        stat("Last HTTP status", "Status code of the last probe of each target.", "none", [
          q(`max by (instance) (probe_http_status_code{${sel}})`, "{{instance}}"),
        ]),
        stat("Probe duration", "Total time of the last probe.", "s", [q(`max(probe_duration_seconds{${sel}})`, "duration")]),
        stat("Availability (1h)", "Share of successful probes over the last hour.", "percentunit", [
          q(`avg(avg_over_time(probe_success{${sel}}[1h]))`, "1h"),
        ]),
        timeseries("Success", "1 when the probe got a 2xx in time.", "none", [q(`probe_success{${sel}}`, "{{instance}}")]),
        timeseries("HTTP status code", "Status code returned to the prober.", "none", [
          q(`probe_http_status_code{${sel}}`, "{{instance}}"),
        ]),
        timeseries(
          "Latency by phase",
          "Time spent resolving, connecting, waiting for the first byte and transferring.",
          "s",
          [q(`sum by (phase) (probe_http_duration_seconds{${sel}})`, "{{phase}}")],
          24,
        ),
      ],
    },
  ],
};
