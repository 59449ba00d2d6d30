// The backend's HTTP surface: the messages API, health, readiness and metrics. Every error is JSON.
import express, { type ErrorRequestHandler, type Request, type Response } from "express";
import type { Config } from "./config.js";
import { log } from "./log.js";
import { httpMetrics, messagesCreated, registry, routeLabel } from "./metrics.js";
import { isUnavailable, type Store } from "./store.js";
import { encodeCursor, isInvalid, validateMessage, validatePage } from "./validate.js";

/** Requests bodies above this are answered 413 before they are parsed. */
const bodyLimit = "16kb";

/** Switched on by main when SIGTERM arrives: readiness fails and kept-alive connections are closed. */
export interface Lifecycle {
  draining: boolean;
}

function fail(res: Response, status: number, error: string, field?: string): void {
  res.status(status).json(field === undefined ? { error } : { error, field });
}

export function createApp(config: Config, store: Store, lifecycle: Lifecycle): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");

  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    if (lifecycle.draining) res.setHeader("Connection", "close");
    // "close" rather than "finish": requests whose client went away are logged too, marked aborted.
    res.once("close", () => {
      const duration = Number(process.hrtime.bigint() - start) / 1e9;
      const aborted = res.writableFinished ? {} : { aborted: true };
      log("info", "request", { method: req.method, route: routeLabel(req), status: res.statusCode, duration, ...aborted });
    });
    next();
  });
  if (config.metricsEnabled) app.use(httpMetrics);

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/readyz", async (_req, res) => {
    if (lifecycle.draining) return fail(res, 503, "shutting down");
    try {
      await store.ping();
      res.json({ status: "ready" });
    } catch (error) {
      fail(res, 503, `database unavailable: ${(error as Error).message}`);
    }
  });

  app.get("/metrics", async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  const json = express.json({ limit: bodyLimit, strict: true, type: "application/json" });

  app
    .route("/messages")
    .get(async (req, res) => {
      const page = validatePage(req.query as Record<string, unknown>);
      if (isInvalid(page)) return fail(res, 400, page.error, page.field);
      const { messages, next } = await store.list(page);
      if (next) {
        const cursor = encodeCursor(next);
        res.setHeader("Next-Cursor", cursor);
        res.setHeader("Link", `</messages?limit=${page.limit}&before=${cursor}>; rel="next"`);
      }
      res.json(messages);
    })
    .post(
      (req, res, next) => {
        if (!req.is("application/json")) {
          return fail(res, 415, "Content-Type: expected application/json", "content-type");
        }
        next();
      },
      json,
      async (req, res) => {
        const input = validateMessage(req.body);
        if (isInvalid(input)) return fail(res, 400, input.error, input.field);
        const stored = await store.insert(input);
        messagesCreated.inc();
        res.status(201).json(stored);
      },
    )
    .all((_req, res) => {
      res.setHeader("Allow", "GET, HEAD, POST");
      fail(res, 405, "method not allowed, expected GET or POST");
    });

  if (config.debugSlowRoute) {
    // Test-only (DEBUG_SLOW_ROUTE=true): a request that takes `ms` milliseconds, to prove shutdown drains.
    app.get("/debug/slow", async (req, res) => {
      const ms = Math.min(Number(req.query.ms) || 0, 30_000);
      log("info", "slow request started", { ms });
      await new Promise((resolve) => setTimeout(resolve, ms));
      res.json({ slept: ms });
    });
  }

  app.use((_req: Request, res: Response) => fail(res, 404, "not found"));

  const errors: ErrorRequestHandler = (error, _req, res, _next) => {
    if (res.headersSent) return res.end();
    const type = (error as { type?: unknown }).type;
    if (type === "entity.too.large") return fail(res, 413, `body: expected at most ${bodyLimit}`, "body");
    if (type === "entity.parse.failed") return fail(res, 400, "body: malformed JSON", "body");
    if (type === "charset.unsupported" || type === "encoding.unsupported") {
      return fail(res, 415, "Content-Type: expected application/json in UTF-8", "content-type");
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) return fail(res, status, "bad request");
    if (isUnavailable(error)) {
      log("warn", "database unavailable", { error: `${(error as Error).name}: ${(error as Error).message}` });
      return fail(res, 503, "database unavailable, try again shortly");
    }
    log("error", "unhandled error", { error: String(error) });
    fail(res, 500, "internal error");
  };
  app.use(errors);
  return app;
}
