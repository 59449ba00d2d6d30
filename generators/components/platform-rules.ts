import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { alertRule } from "../alerts.js";
import { labels } from "../meta.js";
import { component } from "../model.js";
import { monitoringNamespace as namespace, workloads } from "../monitoring.js";

const prom = `job="${workloads.prometheus.name}", namespace="${namespace}"`;
const am = `job="${workloads.alertmanager.name}", namespace="${namespace}"`;
const ksm = `job="${workloads.kubeStateMetrics.name}"`;
const node = `job="${workloads.nodeExporter.name}"`;

/** The platform's alert groups (also read by the rule tests). */
export const platformGroups = [
  {
    name: "watchdog",
    rules: [
      alertRule({
        alert: "Watchdog",
        expr: "vector(1)",
        severity: "none",
        summary: "Always firing: proves the whole alerting pipeline works.",
        description:
          "This alert fires all the time. If the heartbeat receiver stops getting it, Prometheus, Alertmanager or the path between them is broken.",
      }),
    ],
  },
  {
    name: "prometheus",
    rules: [
      alertRule({
        alert: "TargetDown",
        expr: "100 * (count by (job, namespace, service) (up == 0) / count by (job, namespace, service) (up)) > 10",
        for: "10m",
        severity: "warning",
        summary: "Some scrape targets are down.",
        description:
          '{{ printf "%.4g" $value }}% of the {{ $labels.job }}/{{ $labels.service }} targets in {{ $labels.namespace }} have been unreachable for 10 minutes.',
      }),
      alertRule({
        alert: "PrometheusRuleFailures",
        expr: `increase(prometheus_rule_evaluation_failures_total{${prom}}[5m]) > 0`,
        for: "15m",
        severity: "critical",
        summary: "Prometheus is failing to evaluate rules.",
        description:
          'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} failed to evaluate {{ printf "%.0f" $value }} rules in the last 5 minutes (group {{ $labels.rule_group }}).',
      }),
      alertRule({
        alert: "PrometheusNotConnectedToAlertmanagers",
        expr: `max_over_time(prometheus_notifications_alertmanagers_discovered{${prom}}[5m]) < 1`,
        for: "10m",
        severity: "warning",
        summary: "Prometheus sends alerts to no Alertmanager.",
        description:
          "Prometheus {{ $labels.namespace }}/{{ $labels.pod }} has discovered no Alertmanager for 10 minutes: alerts go nowhere.",
      }),
    ],
  },
  {
    name: "alertmanager",
    rules: [
      alertRule({
        alert: "AlertmanagerFailedToSendAlerts",
        expr: `(sum without (reason) (rate(alertmanager_notifications_failed_total{${am}}[5m])) / rate(alertmanager_notifications_total{${am}}[5m])) > 0.01`,
        for: "5m",
        severity: "warning",
        summary: "Alertmanager fails to deliver notifications.",
        description:
          "Alertmanager {{ $labels.namespace }}/{{ $labels.pod }} failed to send {{ $value | humanizePercentage }} of notifications to {{ $labels.integration }}.",
      }),
    ],
  },
  {
    name: "prometheus-operator",
    rules: [
      alertRule({
        alert: "PrometheusOperatorReconcileErrors",
        expr: `(sum by (controller, namespace) (rate(prometheus_operator_reconcile_errors_total{job="${workloads.operator.name}"}[5m]))) / (sum by (controller, namespace) (rate(prometheus_operator_reconcile_operations_total{job="${workloads.operator.name}"}[5m]))) > 0.1`,
        for: "10m",
        severity: "warning",
        summary: "The operator fails to reconcile objects.",
        description:
          "{{ $value | humanizePercentage }} of the {{ $labels.controller }} controller's reconciliations in {{ $labels.namespace }} failed over 10 minutes.",
      }),
    ],
  },
  {
    name: "kubernetes",
    rules: [
      alertRule({
        alert: "KubePodCrashLooping",
        expr: `max_over_time(kube_pod_container_status_waiting_reason{${ksm}, reason="CrashLoopBackOff"}[5m]) >= 1`,
        for: "15m",
        severity: "warning",
        summary: "A container keeps crashing.",
        description:
          "Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} has been in CrashLoopBackOff for 15 minutes.",
      }),
      alertRule({
        alert: "KubeDeploymentReplicasMismatch",
        expr: `(kube_deployment_spec_replicas{${ksm}} > kube_deployment_status_replicas_available{${ksm}}) and (changes(kube_deployment_status_replicas_updated{${ksm}}[10m]) == 0)`,
        for: "15m",
        severity: "warning",
        summary: "A Deployment lacks available replicas.",
        description:
          "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has had fewer available replicas than desired for 15 minutes, with no rollout in progress.",
      }),
    ],
  },
  {
    name: "node",
    rules: [
      alertRule({
        alert: "NodeFilesystemSpaceFillingUp",
        expr: `(node_filesystem_avail_bytes{${node}, fstype!=""} / node_filesystem_size_bytes{${node}, fstype!=""} * 100 < 15 and predict_linear(node_filesystem_avail_bytes{${node}, fstype!=""}[6h], 24 * 60 * 60) < 0 and node_filesystem_readonly{${node}, fstype!=""} == 0)`,
        for: "1h",
        severity: "warning",
        summary: "A filesystem will be full within a day.",
        description:
          'Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} has {{ printf "%.1f" $value }}% free and, at the last 6 hours\' rate, fills up within 24 hours.',
      }),
    ],
  },
];

/** Alerts about the monitoring platform and the cluster it runs on. */
export const platformRules = component(import.meta.url, "platformRules", function platformRules() {
  return [
    new PrometheusRule({
      metadata: { name: "platform-rules", namespace, labels: labels("prometheus", "alert-rules") },
      spec: { groups: platformGroups },
    }),
  ];
});
