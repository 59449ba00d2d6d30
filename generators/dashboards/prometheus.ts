// The monitoring stack's own health: Prometheus, Alertmanager and the targets they depend on.
import { workloads } from "../monitoring.js";
import { q, stat, timeseries, type DashboardSpec } from "./panels.js";

const prom = `job="${workloads.prometheus.name}"`;
const am = `job="${workloads.alertmanager.name}"`;

export const prometheusDashboard: DashboardSpec = {
  name: "prometheus",
  uid: "stackwave-prometheus",
  title: "Prometheus and Alertmanager",
  description: "Is the monitoring itself working: targets, rule evaluation, alert delivery.",
  tags: ["prometheus", "alertmanager"],
  rows: [
    {
      title: "Prometheus",
      panels: [
        stat("Targets up", "Scrape targets that answered, over all targets.", "percentunit", [q("sum(up) / count(up)", "up")]),
        stat("Head series", "Series in the in-memory head block.", "short", [q(`sum(prometheus_tsdb_head_series{${prom}})`, "series")]),
        stat("Alertmanagers discovered", "Alertmanagers each Prometheus sends alerts to.", "none", [
          q(`min(prometheus_notifications_alertmanagers_discovered{${prom}})`, "discovered"),
        ]),
        stat("Rule failures (5m)", "Rule evaluations that failed in the last 5 minutes.", "none", [
          q(`sum(increase(prometheus_rule_evaluation_failures_total{${prom}}[5m]))`, "failures"),
        ]),
        timeseries("Targets down by job", "Targets per job whose last scrape failed.", "none", [
          q("count by (job) (up == 0) or count by (job) (up) * 0", "{{job}}"),
        ]),
        timeseries("Rule group duration", "Time to evaluate each rule group (should stay well under its interval).", "s", [
          q(`max by (rule_group) (prometheus_rule_group_last_duration_seconds{${prom}})`, "{{rule_group}}"),
        ]),
        timeseries("Samples appended", "Samples ingested per second.", "short", [
          q(`sum(rate(prometheus_tsdb_head_samples_appended_total{${prom}}[$__rate_interval]))`, "samples/s"),
        ]),
        timeseries("Alerts sent and dropped", "Alerts Prometheus sent to Alertmanager, and dropped.", "short", [
          q(`sum(rate(prometheus_notifications_sent_total{${prom}}[$__rate_interval]))`, "sent"),
          q(`sum(rate(prometheus_notifications_dropped_total{${prom}}[$__rate_interval]))`, "dropped"),
        ]),
      ],
    },
    {
      title: "Alertmanager",
      panels: [
        stat("Active alerts", "Alerts Alertmanager holds, by state.", "none", [
          q(`sum by (state) (alertmanager_alerts{${am}})`, "{{state}}"),
        ]),
        stat("Config loaded", "1 when the last configuration reload succeeded.", "none", [
          q(`min(alertmanager_config_last_reload_successful{${am}})`, "ok"),
        ]),
        timeseries("Notifications by integration", "Notifications attempted and failed per second.", "short", [
          q(`sum by (integration) (rate(alertmanager_notifications_total{${am}}[$__rate_interval]))`, "sent {{integration}}"),
          q(`sum by (integration) (rate(alertmanager_notifications_failed_total{${am}}[$__rate_interval]))`, "failed {{integration}}"),
        ]),
        timeseries("Alerts received", "Alerts Alertmanager received per second, by status.", "short", [
          q(`sum by (status) (rate(alertmanager_alerts_received_total{${am}}[$__rate_interval]))`, "{{status}}"),
        ]),
      ],
    },
  ],
};
