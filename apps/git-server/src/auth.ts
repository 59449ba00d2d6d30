// HTTP basic authentication for the repositories (GIT_AUTH_USER and GIT_AUTH_PASSWORD): a remote that needs
// credentials, like a private repository at a git host. /healthz stays open for probes.
import { timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import type { Config } from "./config.js";
import { sendError } from "./errors.js";

/** Compares in constant time, so the answer's timing says nothing about how much of a guess was right. */
function same(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Lets a request through when no credentials are configured or when it carries the right ones; 401 otherwise. */
export function basicAuth(config: Pick<Config, "auth">): RequestHandler {
  return (req, res, next) => {
    if (!config.auth || req.path === "/healthz") return next();
    const header = req.headers.authorization ?? "";
    const decoded = header.startsWith("Basic ") ? Buffer.from(header.slice(6), "base64").toString("utf8") : "";
    const colon = decoded.indexOf(":");
    if (colon > 0 && same(decoded.slice(0, colon), config.auth.user) && same(decoded.slice(colon + 1), config.auth.password)) return next();
    res.setHeader("WWW-Authenticate", 'Basic realm="stackwave git", charset="UTF-8"');
    sendError(res, 401, {
      error: "authentication required",
      field: "Authorization",
      expected: "HTTP basic credentials (GIT_AUTH_USER and GIT_AUTH_PASSWORD of this server)",
    });
  };
}
