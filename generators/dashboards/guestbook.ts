// RED (rate, errors, duration) by route for the guestbook's backend and frontend.
import { guestbookNamespace } from "../monitoring.js";
import { q, stat, timeseries, type DashboardSpec } from "./panels.js";

const red = (job: "backend" | "frontend") => {
  const sel = `namespace="${guestbookNamespace}", job="${job}"`;
  return {
    title: `${job[0]!.toUpperCase()}${job.slice(1)}`,
    panels: [
      stat(`${job}: targets up`, `Scraped ${job} pods that answer /metrics.`, "none", [q(`sum(up{${sel}})`, "up")]),
      stat(`${job}: requests/s`, "All routes, all status codes.", "reqps", [
        q(`sum(rate(http_requests_total{${sel}}[$__rate_interval]))`, "req/s"),
      ]),
      stat(`${job}: 5xx ratio`, "Share of responses with a 5xx status.", "percentunit", [
        q(
          `1 - sum(rate(http_requests_total{${sel}, status_code!~"5.."}[$__rate_interval])) / sum(rate(http_requests_total{${sel}}[$__rate_interval]))`,
          "5xx",
        ),
      ]),
      stat(`${job}: p99 latency`, "99th percentile of request duration, all routes.", "s", [
        q(`histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${sel}}[$__rate_interval])))`, "p99"),
      ]),
      timeseries(`${job}: rate by route`, "Requests per second by method, route template and status code.", "reqps", [
        q(
          `sum by (method, route, status_code) (rate(http_requests_total{${sel}}[$__rate_interval]))`,
          "{{method}} {{route}} {{status_code}}",
        ),
      ]),
      timeseries(`${job}: errors by route`, "5xx responses per second by route (4xx are the client's doing).", "reqps", [
        q(
          `sum by (route, status_code) (rate(http_requests_total{${sel}, status_code=~"5.."}[$__rate_interval])) or sum by (route) (rate(http_requests_total{${sel}}[$__rate_interval])) * 0`,
          "{{route}} {{status_code}}",
        ),
      ]),
      timeseries(`${job}: duration by route`, "p50 and p99 request duration by route template.", "s", [
        q(
          `histogram_quantile(0.5, sum by (route, le) (rate(http_request_duration_seconds_bucket{${sel}}[$__rate_interval])))`,
          "p50 {{route}}",
        ),
        q(
          `histogram_quantile(0.99, sum by (route, le) (rate(http_request_duration_seconds_bucket{${sel}}[$__rate_interval])))`,
          "p99 {{route}}",
        ),
      ]),
      timeseries(`${job}: event-loop lag`, "p99 event-loop lag of each Node.js process: high values delay every request.", "s", [
        q(`max by (instance) (nodejs_eventloop_lag_p99_seconds{${sel}})`, "event-loop lag p99 {{instance}}"),
      ]),
    ],
  };
};

export const guestbookDashboard: DashboardSpec = {
  name: "guestbook",
  uid: "stackwave-guestbook",
  title: "Guestbook: RED",
  description: "Rate, errors and duration by route for the guestbook backend and frontend, and the SLO.",
  tags: ["guestbook"],
  rows: [
    {
      title: "Availability SLO (99.5 % over 30 days)",
      panels: [
        timeseries("Error ratio by window", "The SLO's recording rules: share of failed requests over each window.", "percentunit", [
          q(`slo:sli_error:ratio_rate5m{slo="guestbook-availability"}`, "5m"),
          q(`slo:sli_error:ratio_rate1h{slo="guestbook-availability"}`, "1h"),
          q(`slo:sli_error:ratio_rate6h{slo="guestbook-availability"}`, "6h"),
        ]),
        timeseries("Burn rate", "Error ratio divided by the error budget (1 = spending exactly the budget).", "none", [
          q(
            `slo:sli_error:ratio_rate1h{slo="guestbook-availability"} / on (slo) slo:error_budget:ratio{slo="guestbook-availability"}`,
            "1h",
          ),
          q(
            `slo:sli_error:ratio_rate6h{slo="guestbook-availability"} / on (slo) slo:error_budget:ratio{slo="guestbook-availability"}`,
            "6h",
          ),
        ]),
      ],
    },
    red("backend"),
    red("frontend"),
    {
      title: "Guestbook",
      panels: [
        timeseries("Messages created", "Messages stored per second (backend) and posted through the form (frontend).", "ops", [
          q(`sum by (job) (rate(guestbook_messages_created_total{namespace="${guestbookNamespace}"}[$__rate_interval]))`, "{{job}}"),
        ]),
        timeseries("Dependencies up", "The frontend's view of the backend, and the backend's view of MongoDB (1 = answering).", "none", [
          q(`min(guestbook_backend_up{namespace="${guestbookNamespace}"})`, "backend (from frontend)"),
          q(`min(guestbook_mongodb_up{namespace="${guestbookNamespace}"})`, "MongoDB (from backend)"),
        ]),
      ],
    },
  ],
};
