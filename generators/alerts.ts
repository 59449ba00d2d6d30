// One way to write an alert: every alert gets a severity, a summary, a description and its runbook URL.
import { runbookURL } from "./monitoring.js";

export type Severity = "critical" | "warning" | "info" | "none";

/** An alerting rule before it is placed into a PrometheusRule group. */
export interface AlertSpec {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold; omitted fires at the first evaluation. */
  readonly for?: string;
  readonly severity: Severity;
  /** One line for pagers and notification titles. */
  readonly summary: string;
  /** What is wrong, with the label values that say where ({{ $labels.x }}, {{ $value }}). */
  readonly description: string;
  /** Extra labels (e.g. the namespace an alert is about when the series carry another). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A Prometheus alerting rule with the labels and annotations every stackwave alert carries. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}

export function alertRule(spec: AlertSpec): AlertRule {
  return {
    alert: spec.alert,
    expr: spec.expr,
    ...(spec.for ? { for: spec.for } : {}),
    labels: { ...spec.labels, severity: spec.severity },
    annotations: { summary: spec.summary, description: spec.description, runbook_url: runbookURL(spec.alert) },
  };
}

/** A recording rule. */
export interface RecordRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}
