// Prometheus metrics of the backend. Route labels come from the matched express route template, so
// arbitrary paths cannot create new series (they all share route="unmatched").
import type { NextFunction, Request, Response } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const httpLabels = ["method", "route", "status_code"] as const;

export const httpRequests = new Counter({
  name: "http_requests_total",
  help: "HTTP requests served, by method, matched route template and status code.",
  labelNames: httpLabels,
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: "http_request_duration_seconds",
  help: "Time to serve an HTTP request, by method, matched route template and status code.",
  labelNames: httpLabels,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const messagesCreated = new Counter({
  name: "guestbook_messages_created_total",
  help: "Messages stored.",
  registers: [registry],
});

export const mongoDuration = new Histogram({
  name: "guestbook_mongodb_operation_duration_seconds",
  help: "Time of MongoDB operations, by operation and outcome (ok or error).",
  labelNames: ["operation", "outcome"] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const mongoUp = new Gauge({
  name: "guestbook_mongodb_up",
  help: "1 when the last MongoDB heartbeat or operation succeeded, else 0.",
  registers: [registry],
});

export const mongoConnects = new Counter({
  name: "guestbook_mongodb_connect_attempts_total",
  help: "Attempts to connect (each with a fresh client) and prepare the database, by outcome (ok or error).",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

export const messagesMigrated = new Counter({
  name: "guestbook_messages_migrated_total",
  help: "Stored messages whose date was rewritten to a BSON date at start (legacy float seconds, ISO strings, missing).",
  registers: [registry],
});

export const messagesSkipped = new Counter({
  name: "guestbook_messages_skipped_total",
  help: "Stored messages left out because they are beyond saving, by reason (date, fields).",
  labelNames: ["reason"] as const,
  registers: [registry],
});

/** The label for a request: its matched route template, or one fixed value when nothing matched. */
export function routeLabel(req: Request): string {
  const path: unknown = req.route?.path;
  return typeof path === "string" ? req.baseUrl + path : "unmatched";
}

/** Records one sample per finished request. */
export function httpMetrics(req: Request, res: Response, next: NextFunction): void {
  const end = httpDuration.startTimer();
  res.once("finish", () => {
    const labels = { method: req.method, route: routeLabel(req), status_code: String(res.statusCode) };
    httpRequests.inc(labels);
    end(labels);
  });
  next();
}
