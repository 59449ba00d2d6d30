// HTTP errors carry their status and a JSON body that names the offending field and what it expects.
import type { ErrorRequestHandler, Response } from "express";
import { log } from "./log.js";

export interface ErrorBody {
  readonly error: string;
  readonly field?: string;
  readonly expected?: string;
  readonly [extra: string]: unknown;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.error);
  }
}

export function sendError(res: Response, status: number, body: ErrorBody): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(status).type("application/json").send(JSON.stringify(body));
}

/** Last express handler: HttpErrors and body-parser errors keep their 4xx, anything else is a logged 500. */
export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  if (err instanceof HttpError) return sendError(res, err.status, err.body);
  const status = (err as { status?: unknown }).status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const type = (err as { type?: unknown }).type;
    const body: ErrorBody =
      type === "entity.too.large"
        ? { error: "request body too large", field: "body", expected: "a smaller request" }
        : type === "entity.parse.failed"
          ? { error: "request body is not valid JSON", field: "body", expected: "a JSON object" }
          : { error: (err as Error).message };
    return sendError(res, status, body);
  }
  log("error", "request failed", { method: req.method, path: req.path, error: String(err) });
  sendError(res, 500, { error: "internal error" });
};
