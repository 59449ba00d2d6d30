// Prometheus metrics of the frontend, named and labelled like the backend's where they mean the same.
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
  help: "Messages the backend accepted from this frontend's form.",
  registers: [registry],
});

export const backendDuration = new Histogram({
  name: "guestbook_backend_request_duration_seconds",
  help: "Time of calls to the backend API, by operation and outcome (ok, rejected or error).",
  labelNames: ["operation", "outcome"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const backendUp = new Gauge({
  name: "guestbook_backend_up",
  help: "1 when the last call to the backend got an answer, else 0.",
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
