// The frontend's HTTP surface: the page, the form post (POST-redirect-GET), health, readiness and metrics.
import express, { type ErrorRequestHandler, type Request, type Response } from "express";
import { cursorPattern, Rejected, type Api } from "./api.js";
import type { Config } from "./config.js";
import { log } from "./log.js";
import { httpMetrics, messagesCreated, registry, routeLabel } from "./metrics.js";
import { renderPage } from "./page.js";
import { stylesheet } from "./style.js";

/** Only our own stylesheet and form target; no scripts, frames or plugins at all. */
const csp = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Switched on by main when SIGTERM arrives: readiness fails and kept-alive connections are closed. */
export interface Lifecycle {
  draining: boolean;
}

/** Shown for an "Older messages" link the backend does not accept (edited by hand, or from another version). */
const staleLink =
  'That page link is not valid (before: expected a cursor from an "Older messages" link). Start again from the newest messages.';

function fail(res: Response, status: number, error: string, field?: string): void {
  res.status(status).json(field === undefined ? { error } : { error, field });
}

function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" ? value : "";
}

export function createApp(config: Config, api: Api, lifecycle: Lifecycle): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");

  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    if (lifecycle.draining) res.setHeader("Connection", "close");
    res.setHeader("Content-Security-Policy", csp);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("X-Frame-Options", "DENY");
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
    if (await api.reachable()) return res.json({ status: "ready" });
    fail(res, 503, "backend unavailable");
  });

  app.get("/metrics", async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  app.get("/style.css", (_req, res) => {
    res.type("text/css").setHeader("Cache-Control", "public, max-age=300").send(stylesheet);
  });

  app.get("/", async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    const before = req.query.before;
    if (before !== undefined && (typeof before !== "string" || !cursorPattern.test(before))) {
      return res
        .status(400)
        .type("html")
        .send(renderPage({ older: true, listError: staleLink }));
    }
    const older = before !== undefined;
    try {
      res.type("html").send(renderPage({ listing: await api.list(before), older }));
    } catch (error) {
      if (error instanceof Rejected)
        return res
          .status(400)
          .type("html")
          .send(renderPage({ older, listError: staleLink }));
      log("warn", "messages unavailable", { error: String(error) });
      res.status(503).type("html").send(renderPage({ older }));
    }
  });

  const form = express.urlencoded({ extended: false, limit: "16kb", parameterLimit: 10 });

  app.post("/messages", form, async (req, res) => {
    const draft = { author: field(req.body, "author"), message: field(req.body, "message") };
    try {
      await api.create(draft.author, draft.message);
      messagesCreated.inc();
      res.redirect(303, "/");
    } catch (error) {
      const rejected = error instanceof Rejected;
      const postError = rejected
        ? `Not posted: ${error.message}`
        : "Not posted: the guestbook service is unavailable. Your message was not saved; please try again.";
      if (!rejected) log("warn", "post failed", { error: String(error) });
      const listing = await api.list().catch(() => undefined);
      res
        .status(rejected ? 400 : 503)
        .type("html")
        .send(renderPage({ postError, draft, ...(listing ? { listing } : {}) }));
    }
  });

  app.use((_req: Request, res: Response) => fail(res, 404, "not found"));

  const errors: ErrorRequestHandler = (error, _req, res, _next) => {
    if (res.headersSent) return res.end();
    const type = (error as { type?: unknown }).type;
    if (type === "entity.too.large") return fail(res, 413, "body: expected at most 16kb", "body");
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) return fail(res, status, "bad request");
    log("error", "unhandled error", { error: String(error) });
    fail(res, 500, "internal error");
  };
  app.use(errors);
  return app;
}
