// promtool unit tests of the guestbook and SLO alerts: each fires with exact labels and annotations on
// the series that should trigger it, and stays silent on the series that should not.
import { beforeAll, describe, expect, it } from "vitest";
import { runbookURL } from "../../generators/monitoring.js";
import { suiteDir } from "../support/temp.js";
import { allGroups, promtool, run, writeYaml } from "./support.js";

const gb = 'namespace="guestbook"';
const backend = `${gb}, job="backend", instance="10.244.0.7:8080"`;
const probeTarget = 'job="blackbox", service="frontend", instance="http://frontend.guestbook.svc:80/"';
const exporter = 'job="mongodb-exporter", namespace="monitoring", instance="10.244.0.9:9216"';

const annotations = (alert: string, summary: string, description: string) => ({ summary, description, runbook_url: runbookURL(alert) });

/** One promtool test: input series (1m apart), then what each alert must be at each time. */
interface Case {
  name: string;
  series: Record<string, string>;
  alerts: { at: string; alert: string; expect: { labels: Record<string, string>; annotations: Record<string, string> }[] }[];
  records?: { at: string; expr: string; expect: { labels: string; value: number }[] }[];
}

const requests = (route: string, status: string) =>
  `http_requests_total{${backend}, method="GET", route="${route}", status_code="${status}"}`;
const bucket = (le: string) =>
  `http_request_duration_seconds_bucket{${backend}, method="GET", route="/messages", status_code="200", le="${le}"}`;

const cases: Case[] = [
  {
    name: "backend target down",
    series: { [`up{${backend}}`]: "0x10" },
    alerts: [
      { at: "0m", alert: "GuestbookBackendDown", expect: [] },
      {
        at: "3m",
        alert: "GuestbookBackendDown",
        expect: [
          {
            labels: { severity: "critical", namespace: "guestbook", job: "backend" },
            annotations: annotations(
              "GuestbookBackendDown",
              "No guestbook backend is up.",
              "Prometheus has scraped no healthy guestbook backend for 30 seconds: the API and the page's messages are down.",
            ),
          },
        ],
      },
    ],
  },
  {
    name: "backend target gone (no series at all)",
    series: { 'up{job="frontend", namespace="guestbook"}': "1x10" },
    alerts: [
      {
        at: "3m",
        alert: "GuestbookBackendDown",
        expect: [
          {
            labels: { severity: "critical", namespace: "guestbook", job: "backend" },
            annotations: annotations(
              "GuestbookBackendDown",
              "No guestbook backend is up.",
              "Prometheus has scraped no healthy guestbook backend for 30 seconds: the API and the page's messages are down.",
            ),
          },
        ],
      },
    ],
  },
  { name: "backend up", series: { [`up{${backend}}`]: "1x10" }, alerts: [{ at: "5m", alert: "GuestbookBackendDown", expect: [] }] },
  {
    name: "frontend probe failing",
    series: { [`probe_success{${probeTarget}}`]: "0x10" },
    alerts: [
      { at: "1m", alert: "GuestbookFrontendProbeFailing", expect: [] },
      {
        at: "5m",
        alert: "GuestbookFrontendProbeFailing",
        expect: [
          {
            labels: {
              severity: "critical",
              namespace: "guestbook",
              job: "blackbox",
              service: "frontend",
              instance: "http://frontend.guestbook.svc:80/",
            },
            annotations: annotations(
              "GuestbookFrontendProbeFailing",
              "The guestbook page fails from outside.",
              "The blackbox probe of http://frontend.guestbook.svc:80/ has failed for 2 minutes (no 2xx answer within 5 s).",
            ),
          },
        ],
      },
    ],
  },
  {
    name: "frontend probe passing",
    series: { [`probe_success{${probeTarget}}`]: "1x10" },
    alerts: [{ at: "5m", alert: "GuestbookFrontendProbeFailing", expect: [] }],
  },
  {
    name: "9 % of backend requests fail with 503",
    series: { [requests("/messages", "200")]: "0+60x20", [requests("/messages", "503")]: "0+6x20" },
    alerts: [
      {
        at: "15m",
        alert: "GuestbookHighErrorRate",
        expect: [
          {
            labels: { severity: "warning", namespace: "guestbook", job: "backend" },
            annotations: annotations(
              "GuestbookHighErrorRate",
              "The guestbook answers many requests with 5xx.",
              "9.091% of backend's requests have failed with a 5xx for 5 minutes.",
            ),
          },
        ],
      },
    ],
  },
  {
    name: "1.6 % of backend requests fail",
    series: { [requests("/messages", "200")]: "0+60x20", [requests("/messages", "503")]: "0+1x20" },
    alerts: [{ at: "15m", alert: "GuestbookHighErrorRate", expect: [] }],
  },
  {
    name: "every request takes between 1 and 2.5 s",
    series: { [bucket("0.5")]: "0x30", [bucket("1")]: "0x30", [bucket("2.5")]: "0+10x30", [bucket("+Inf")]: "0+10x30" },
    alerts: [
      { at: "8m", alert: "GuestbookHighLatency", expect: [] },
      {
        at: "20m",
        alert: "GuestbookHighLatency",
        expect: [
          {
            labels: { severity: "warning", namespace: "guestbook", job: "backend" },
            annotations: annotations(
              "GuestbookHighLatency",
              "The guestbook is slow.",
              "The 99th percentile of backend's request duration has been 2.485s for 10 minutes (threshold 1 s).",
            ),
          },
        ],
      },
    ],
  },
  {
    name: "every request under 0.5 s",
    series: { [bucket("0.5")]: "0+10x30", [bucket("1")]: "0+10x30", [bucket("2.5")]: "0+10x30", [bucket("+Inf")]: "0+10x30" },
    alerts: [{ at: "20m", alert: "GuestbookHighLatency", expect: [] }],
  },
  {
    name: "MongoDB unreachable from the exporter",
    series: { [`mongodb_up{${exporter}}`]: "0x10", [`up{${exporter}}`]: "1x10" },
    alerts: [
      {
        at: "5m",
        alert: "GuestbookMongoDBDown",
        expect: [
          {
            labels: { severity: "critical", namespace: "guestbook", job: "mongodb-exporter", instance: "10.244.0.9:9216" },
            annotations: annotations(
              "GuestbookMongoDBDown",
              "The guestbook's MongoDB does not answer.",
              "The MongoDB exporter has not reached the guestbook database for 2 minutes: messages can be neither read nor stored.",
            ),
          },
        ],
      },
      { at: "5m", alert: "GuestbookMongoDBExporterDown", expect: [] },
    ],
  },
  {
    name: "MongoDB up",
    series: { [`mongodb_up{${exporter}}`]: "1x10" },
    alerts: [{ at: "5m", alert: "GuestbookMongoDBDown", expect: [] }],
  },
  {
    name: "MongoDB exporter not scraped",
    series: { [`up{${exporter}}`]: "0x10" },
    alerts: [
      {
        at: "7m",
        alert: "GuestbookMongoDBExporterDown",
        expect: [
          {
            labels: { severity: "warning", namespace: "guestbook", job: "mongodb-exporter" },
            annotations: annotations(
              "GuestbookMongoDBExporterDown",
              "The MongoDB exporter cannot be scraped.",
              "Prometheus has not scraped the MongoDB exporter for 5 minutes: the database is unobserved and GuestbookMongoDBDown cannot fire.",
            ),
          },
        ],
      },
    ],
  },
  {
    name: "MongoDB exporter scraped",
    series: { [`up{${exporter}}`]: "1x10" },
    alerts: [{ at: "7m", alert: "GuestbookMongoDBExporterDown", expect: [] }],
  },
];

// SLO: 1.75 good and 0.25 failed requests per second is a 12.5 % error ratio, 25× the 0.5 % budget.
const burn = (alert: string) => ({
  summary: `guestbook-availability: error budget burning ${alert === "fast" ? "14.4" : "6"}× too fast`,
  description:
    `The guestbook-availability SLO (99.5 % over 30d) is losing its error budget ${alert === "fast" ? "14.4" : "6"} times faster than it may: ` +
    `the error ratio is 12.5% over ${alert === "fast" ? "1h" : "6h"} and above ${alert === "fast" ? "7.2" : "3.0"} % over ${alert === "fast" ? "5m" : "30m"} too. ` +
    `At this rate the 30d budget is gone in ${alert === "fast" ? "about 2.1 days" : "about 5.0 days"}.`,
  runbook_url: runbookURL("GuestbookErrorBudgetBurn"),
});
const slo = { severity: "", namespace: "guestbook", slo: "guestbook-availability" };
cases.push(
  {
    name: "SLO: 12.5 % errors for 70 minutes (health checks failing too, but excluded)",
    series: {
      [requests("/messages", "200")]: "0+105x100",
      [requests("/messages", "500")]: "0+15x100",
      [requests("/healthz", "503")]: "0+600x100",
    },
    alerts: [
      {
        at: "70m",
        alert: "GuestbookErrorBudgetBurn",
        expect: [
          { labels: { ...slo, severity: "critical", long_window: "1h", short_window: "5m" }, annotations: burn("fast") },
          { labels: { ...slo, severity: "warning", long_window: "6h", short_window: "30m" }, annotations: burn("slow") },
        ],
      },
    ],
    // Rounded to per mille: rate() extrapolation leaves float noise in the last digits.
    records: ["5m", "30m", "1h", "6h"].map((w) => ({
      at: "70m",
      expr: `round(1000 * slo:sli_error:ratio_rate${w}{slo="guestbook-availability"})`,
      expect: [{ labels: '{slo="guestbook-availability"}', value: 125 }],
    })),
  },
  {
    name: "SLO: 1 % errors (within twice the budget)",
    series: { [requests("/messages", "200")]: "0+594x100", [requests("/messages", "500")]: "0+6x100" },
    alerts: [{ at: "90m", alert: "GuestbookErrorBudgetBurn", expect: [] }],
  },
  {
    name: "SLO: a 3-minute burst of errors after an hour of success (short window high, long window not)",
    series: { [requests("/messages", "200")]: "0+60x60 3600x3 3600+60x10", [requests("/messages", "500")]: "0x60 0+60x3 180x10" },
    alerts: [{ at: "63m", alert: "GuestbookErrorBudgetBurn", expect: [] }],
  },
);

describe.skipIf(!promtool)("GIVEN the generated rules and promtool unit tests", () => {
  const folder = suiteDir("rules-unit");
  let dir: string;
  beforeAll(() => {
    dir = folder();
    writeYaml(dir, "rules.yaml", { groups: allGroups() });
  });

  it.each(cases.map((c) => [c.name, c] as const))("WHEN the series are '%s' THEN the alerts are exactly as expected", (_, c) => {
    const file = writeYaml(dir, `${c.name.replace(/\W+/g, "-")}.test.yaml`, {
      rule_files: ["rules.yaml"],
      evaluation_interval: "30s",
      tests: [
        {
          interval: "1m",
          input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
          alert_rule_test: c.alerts.map((a) => ({
            eval_time: a.at,
            alertname: a.alert,
            exp_alerts: a.expect.map((e) => ({ exp_labels: e.labels, exp_annotations: e.annotations })),
          })),
          ...(c.records ? { promql_expr_test: c.records.map((r) => ({ expr: r.expr, eval_time: r.at, exp_samples: r.expect })) } : {}),
        },
      ],
    });
    const result = run(promtool!, ["test", "rules", file], dir);
    expect(result.output, result.output).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  it("WHEN an expectation is wrong THEN promtool fails (the cases above can fail)", () => {
    const file = writeYaml(dir, "wrong.test.yaml", {
      rule_files: ["rules.yaml"],
      evaluation_interval: "30s",
      tests: [
        {
          interval: "1m",
          input_series: [{ series: `up{${backend}}`, values: "1x10" }],
          alert_rule_test: [
            {
              eval_time: "5m",
              alertname: "GuestbookBackendDown",
              exp_alerts: [{ exp_labels: { severity: "critical", namespace: "guestbook", job: "backend" } }],
            },
          ],
        },
      ],
    });
    const result = run(promtool!, ["test", "rules", file], dir);
    expect(result.code).not.toBe(0);
    // It fails for the wrong expectation itself (a healthy backend raises no alert), not for a broken file.
    expect(result.output).toMatch(/FAILED:\s+alertname: GuestbookBackendDown, time: 5m/);
    expect(result.output).toMatch(/got:\[\]/);
  });
});
