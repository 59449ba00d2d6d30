import { Alertmanager } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Alertmanager";
import { Secret } from "kubernetes-models/v1/Secret";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import yaml from "js-yaml";
import type { StackConfig } from "../config.js";
import { ingressPolicy, labels, peer, podSecurity, resources } from "../meta.js";
import { component } from "../model.js";
import {
  bootstrapSecrets,
  monitoringNamespace as namespace,
  pagerSwitch,
  pagerdutyEventsURL,
  pagerdutyMountPath,
  routingKeyFile,
  workloads,
} from "../monitoring.js";
import { nodePorts } from "../stack.js";
import { imageString } from "../versions.js";
import { operatedService, prometheusPods } from "./prometheus.js";

const { name, cr, port } = workloads.alertmanager;

/** The Secret holding the generated configuration (spec.configSecret). It holds no key: that comes from a file. */
export const alertmanagerConfigSecret = "alertmanager-stackwave";

/** Labels the operator puts on this Alertmanager's pods. */
export const alertmanagerPods = { "app.kubernetes.io/name": "alertmanager", alertmanager: cr } as const;

/** Knobs of the generated configuration; tests shorten the timers and point PagerDuty at a local double. */
export interface AlertmanagerOptions {
  /** PagerDuty Events API v2 endpoint. Default: PagerDuty's. */
  readonly pagerdutyURL: string;
  /** File holding the routing key (the mounted bootstrap Secret). */
  readonly routingKeyFile: string;
  /** Wait before the first notification of a new group. Default 30s. */
  readonly groupWait: string;
  /** The same for critical groups, which page: short, so detection stays within 90 s. Default 10s. */
  readonly criticalGroupWait: string;
  /** Wait before notifying about changes in a group. Default 5m. */
  readonly groupInterval: string;
  /** Resend interval of a still-firing group. Default 4h. */
  readonly repeatInterval: string;
}

export const defaultAlertmanagerOptions: AlertmanagerOptions = {
  pagerdutyURL: pagerdutyEventsURL,
  routingKeyFile,
  groupWait: "30s",
  criticalGroupWait: "10s",
  groupInterval: "5m",
  repeatInterval: "4h",
};

/** Receiver names, referenced by routes, docs and tests. */
export const receivers = {
  /** Everything not routed elsewhere: visible in the Alertmanager UI, notifies nobody. */
  default: "default",
  /** Watchdog only: wire a dead man's switch here (docs/monitoring.md). */
  heartbeat: "heartbeat",
  /** Critical alerts when PagerDuty is not configured: visible in the Alertmanager UI and API. */
  criticalLocal: "critical-local",
  pagerduty: "pagerduty",
} as const;

/** The Alertmanager configuration (alertmanager.yaml) as a plain object. */
export function alertmanagerConfig(options: AlertmanagerOptions = defaultAlertmanagerOptions): Record<string, unknown> {
  const first = "(index .Alerts 0).Annotations";
  return {
    global: { resolve_timeout: "5m" },
    route: {
      receiver: receivers.default,
      group_by: ["alertname", "namespace"],
      group_wait: options.groupWait,
      group_interval: options.groupInterval,
      repeat_interval: options.repeatInterval,
      routes: [
        // A heartbeat: a dead man's switch expects it about every minute, whatever the grouping defaults.
        {
          matchers: ['alertname="Watchdog"'],
          receiver: receivers.heartbeat,
          group_wait: "0s",
          group_interval: "1m",
          repeat_interval: "1m",
        },
        // Prometheus labels alerts pager="pagerduty" only when bootstrap had a routing key (monitoring.ts pagerSwitch).
        {
          matchers: ['severity="critical"', `${pagerSwitch.label}="${pagerSwitch.enabled}"`],
          receiver: receivers.pagerduty,
          group_wait: options.criticalGroupWait,
        },
        { matchers: ['severity="critical"'], receiver: receivers.criticalLocal, group_wait: options.criticalGroupWait },
      ],
    },
    // A louder alert hides the quieter one about the same thing (kube-prometheus' convention).
    inhibit_rules: [
      { source_matchers: ['severity="critical"'], target_matchers: ['severity=~"warning|info"'], equal: ["namespace", "alertname"] },
      { source_matchers: ['severity="warning"'], target_matchers: ['severity="info"'], equal: ["namespace", "alertname"] },
    ],
    receivers: [
      { name: receivers.default },
      { name: receivers.heartbeat },
      { name: receivers.criticalLocal },
      {
        name: receivers.pagerduty,
        pagerduty_configs: [
          {
            routing_key_file: options.routingKeyFile,
            url: options.pagerdutyURL,
            send_resolved: true,
            severity: "critical",
            // payload.summary: PagerDuty requires it on every trigger, so it never depends on a shared annotation.
            description: `{{ .CommonLabels.alertname }} ({{ .CommonLabels.namespace }}): {{ ${first}.summary }}`,
            source: '{{ or .CommonLabels.cluster "stackwave" }}',
            component: "{{ .CommonLabels.namespace }}",
            group: "{{ .CommonLabels.alertname }}",
            class: "{{ .CommonLabels.severity }}",
            client: "stackwave Alertmanager",
            client_url: "{{ .ExternalURL }}",
            details: {
              description: `{{ ${first}.description }}`,
              runbook_url: `{{ ${first}.runbook_url }}`,
              firing: "{{ len .Alerts.Firing }}",
            },
          },
        ],
      },
    ],
  };
}

/** alertmanager.yaml as text. */
export function alertmanagerYaml(options?: AlertmanagerOptions): string {
  return yaml.dump(alertmanagerConfig(options), { noRefs: true, lineWidth: -1 });
}

/** Alertmanager: the CR, its generated configuration, identity and NodePort. */
export const alertmanager = component(import.meta.url, "alertmanager", function alertmanager(config: StackConfig) {
  const meta = { name, namespace, labels: labels("alertmanager", "alert-router", config.images.alertmanager) };
  return [
    // Alertmanager calls no Kubernetes API.
    new ServiceAccount({ metadata: meta, automountServiceAccountToken: false }),
    new Secret({
      metadata: { name: alertmanagerConfigSecret, namespace, labels: meta.labels },
      type: "Opaque",
      stringData: { "alertmanager.yaml": alertmanagerYaml() },
    }),
    new Alertmanager({
      metadata: { ...meta, name: cr },
      spec: {
        image: imageString(config.images.alertmanager),
        version: config.images.alertmanager.tag,
        serviceAccountName: name,
        replicas: 1,
        configSecret: alertmanagerConfigSecret,
        // The routing key file. Optional: without PAGERDUTY_ROUTING_KEY bootstrap creates no Secret, the
        // pod still starts, and nothing routes to PagerDuty (no `pager` label; docs/monitoring.md).
        volumes: [{ name: "pagerduty", secret: { secretName: bootstrapSecrets.pagerduty.name, optional: true } }],
        volumeMounts: [{ name: "pagerduty", mountPath: pagerdutyMountPath, readOnly: true }],
        resources: resources(50, 64, { cpuMillis: 200, memoryMiB: 128 }),
        securityContext: podSecurity(1000),
        podMetadata: { labels: labels("alertmanager", "alert-router") },
      },
    }),
    operatedService(meta, alertmanagerPods, port, nodePorts.alertmanager),
    ingressPolicy(name, namespace, alertmanagerPods, [
      // UI and API: Prometheus pushes alerts here, people use the NodePort.
      { ports: [port] },
      // Gossip between replicas (ha overlay).
      { ports: [9094], from: [peer(namespace, alertmanagerPods)], protocols: ["TCP", "UDP"] },
      { ports: [workloads.configReloader.port], from: [peer(namespace, prometheusPods)] },
    ]),
  ];
});
