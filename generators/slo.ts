// Service level objectives as typed data, and the Prometheus rules they imply: SLI recording rules per
// window and multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs", table 5-8).
import { alertRule, type AlertRule, type RecordRule, type Severity } from "./alerts.js";
import { guestbookNamespace } from "./monitoring.js";

/** A ratio SLI: the share of events that are good, from two counters' selectors. */
export interface RatioSli {
  /** The counter of all events, without a range, e.g. http_requests_total{job="x"}. */
  readonly total: string;
  /** The same counter restricted to good events. */
  readonly good: string;
}

/** One pair of windows that must both burn faster than `burnRate` for the alert to fire. */
export interface BurnWindow {
  readonly long: string;
  readonly short: string;
  /** Multiple of the error budget rate: 14.4 spends 2 % of a 30-day budget in 1 h. */
  readonly burnRate: number;
  readonly severity: Severity;
  /** How long both windows must agree (a little debounce against one bad scrape). */
  readonly for: string;
}

/** A service level objective. */
export interface Slo {
  /** `slo` label value and rule group name, e.g. guestbook-availability. */
  readonly name: string;
  /** The alert both burn-rate alerts share (inhibition then hides the slow one while the fast one fires). */
  readonly alert: string;
  /** Namespace label the alerts carry (Alertmanager groups by it). */
  readonly namespace: string;
  /** Target share of good events, 0 < objective < 1, e.g. 0.995. */
  readonly objective: number;
  /** Compliance period, a Prometheus duration such as 30d. */
  readonly period: string;
  readonly sli: RatioSli;
  readonly windows: readonly BurnWindow[];
  /** What the SLO promises, in words (for annotations and docs). */
  readonly description: string;
}

/** The SRE workbook's page and ticket pairs for a 30-day SLO. */
export const workbookWindows: readonly BurnWindow[] = [
  { long: "1h", short: "5m", burnRate: 14.4, severity: "critical", for: "2m" },
  { long: "6h", short: "30m", burnRate: 6, severity: "warning", for: "15m" },
];

const guestbookRequests = `http_requests_total{namespace="${guestbookNamespace}", job=~"backend|frontend", route!~"/metrics|/healthz|/readyz"}`;

/** The guestbook's availability: 99.5 % of requests to the backend and frontend answer without a 5xx. */
export const guestbookAvailability: Slo = {
  name: "guestbook-availability",
  alert: "GuestbookErrorBudgetBurn",
  namespace: guestbookNamespace,
  objective: 0.995,
  period: "30d",
  sli: { total: guestbookRequests, good: guestbookRequests.replace("}", ', status_code!~"5.."}') },
  windows: workbookWindows,
  description: "99.5 % of guestbook HTTP requests (backend and frontend, probes excluded) answer without a 5xx, over 30 days.",
};

export const slos: readonly Slo[] = [guestbookAvailability];

/** Checks an SLO; returns one message per problem, naming the field and the expected value. */
export function sloProblems(slo: Slo): string[] {
  const problems: string[] = [];
  const duration = /^\d+(ms|s|m|h|d|w|y)$/;
  if (!(slo.objective > 0 && slo.objective < 1))
    problems.push(`${slo.name}.objective: expected a number between 0 and 1 (exclusive), got ${slo.objective}`);
  if (!duration.test(slo.period)) problems.push(`${slo.name}.period: expected a Prometheus duration such as 30d, got "${slo.period}"`);
  if (!/^[a-z0-9-]+$/.test(slo.name)) problems.push(`${slo.name}.name: expected lowercase letters, digits and dashes`);
  slo.windows.forEach((w, i) => {
    for (const key of ["long", "short", "for"] as const)
      if (!duration.test(w[key])) problems.push(`${slo.name}.windows[${i}].${key}: expected a Prometheus duration, got "${w[key]}"`);
    if (!(w.burnRate > 1)) problems.push(`${slo.name}.windows[${i}].burnRate: expected a number > 1, got ${w.burnRate}`);
    if (w.burnRate * (1 - slo.objective) >= 1)
      problems.push(
        `${slo.name}.windows[${i}].burnRate: expected burnRate × error budget < 1, got ${w.burnRate} × ${(1 - slo.objective).toFixed(4)}`,
      );
  });
  return problems;
}

/** The recording-rule name of the error ratio over `window`. */
export const errorRatio = (window: string) => `slo:sli_error:ratio_rate${window}`;

/** Every window the alerts read, short and long, once each. */
export function sloWindows(slo: Slo): string[] {
  return [...new Set(slo.windows.flatMap((w) => [w.short, w.long]))];
}

/** Recording rules: the objective, the error budget, and the error ratio over each window. */
export function sloRecordingRules(slo: Slo): RecordRule[] {
  const problems = sloProblems(slo);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  const labels = { slo: slo.name };
  const budget = Number((1 - slo.objective).toFixed(6));
  return [
    { record: "slo:objective:ratio", expr: `vector(${slo.objective})`, labels },
    { record: "slo:error_budget:ratio", expr: `vector(${budget})`, labels },
    // 1 − good/total: defined as soon as there is traffic, even before the first error.
    ...sloWindows(slo).map((w) => ({
      record: errorRatio(w),
      expr: `1 - (sum(rate(${slo.sli.good}[${w}])) / sum(rate(${slo.sli.total}[${w}])))`,
      labels,
    })),
  ];
}

/** One alert per window pair, sharing the SLO's alert name; severity and the long window tell them apart. */
export function sloAlerts(slo: Slo): AlertRule[] {
  const budget = Number((1 - slo.objective).toFixed(6));
  const pct = `${(slo.objective * 100).toFixed(1)} %`;
  return slo.windows.map((w) => {
    const threshold = Number((w.burnRate * budget).toFixed(6));
    const sel = `{slo="${slo.name}"}`;
    return alertRule({
      alert: slo.alert,
      expr: `${errorRatio(w.long)}${sel} > ${threshold} and ${errorRatio(w.short)}${sel} > ${threshold}`,
      for: w.for,
      severity: w.severity,
      labels: { namespace: slo.namespace, slo: slo.name, long_window: w.long, short_window: w.short },
      summary: `${slo.name}: error budget burning ${w.burnRate}× too fast`,
      description:
        `The ${slo.name} SLO (${pct} over ${slo.period}) is losing its error budget ${w.burnRate} times faster than it may: ` +
        `the error ratio is {{ $value | humanizePercentage }} over ${w.long} and above ${(threshold * 100).toFixed(1)} % over ${w.short} too. ` +
        `At this rate the ${slo.period} budget is gone in ${durationText(slo.period, w.burnRate)}.`,
    });
  });
}

/** "30d" at 14.4× → "about 2.1 days" (for descriptions). */
function durationText(period: string, burnRate: number): string {
  const units: Record<string, number> = { ms: 1 / 3_600_000, s: 1 / 3600, m: 1 / 60, h: 1, d: 24, w: 168, y: 8760 };
  const match = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(period);
  const hours = match ? (Number(match[1]) * units[match[2]!]!) / burnRate : NaN;
  return hours >= 48 ? `about ${(hours / 24).toFixed(1)} days` : `about ${hours.toFixed(1)} hours`;
}
