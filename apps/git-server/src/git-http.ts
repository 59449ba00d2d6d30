// The git smart-HTTP routes: validates the path, checks the repository exists, and hands the request to http-backend.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { NextFunction, Request, Response } from "express";
import { runCgi } from "./cgi.js";
import type { Config } from "./config.js";
import { HttpError } from "./errors.js";
import { log } from "./log.js";
import { gitPath } from "./names.js";
import type { Pushes } from "./push.js";
import type { Repos } from "./repos.js";

const services = ["git-upload-pack", "git-receive-pack"];

export function gitHttp(config: Config, repos: Repos, pushes: Pushes) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const rawPath = req.originalUrl.split("?")[0] ?? "";
      const { name, endpoint } = gitPath(rawPath);
      const expectedMethod = endpoint === "info/refs" ? "GET" : "POST";
      if (req.method !== expectedMethod) {
        res.setHeader("Allow", expectedMethod);
        throw new HttpError(405, { error: "method not allowed", field: "method", expected: expectedMethod, got: req.method });
      }
      if (endpoint === "info/refs" && !services.includes(String(req.query.service))) {
        throw new HttpError(400, {
          error: "only the smart HTTP protocol is served",
          field: "service",
          expected: services.join(" or "),
          got: req.query.service ?? null,
        });
      }
      if (!(await repos.exists(name))) {
        throw new HttpError(404, {
          error: "repository not found",
          field: "name",
          expected: "an existing repository (create it with POST /api/repos)",
          got: name,
        });
      }
      const receiving = endpoint === "git-receive-pack";
      const spool = join(repos.scratch, `push-${randomBytes(8).toString("hex")}.refs`);
      const started = performance.now();
      const result = await runCgi(req, res, {
        program: config.httpBackend,
        projectRoot: config.dataDir,
        pathInfo: `/${name}.git/${endpoint}`,
        maxBodyBytes: config.maxBodyBytes,
        env: receiving ? { STACKWAVE_PUSH_LOG: spool } : {},
      });
      log("info", "git request", {
        method: req.method,
        repo: name,
        endpoint,
        service: endpoint === "info/refs" ? req.query.service : endpoint,
        status: result.status,
        protocol: req.headers["git-protocol"] ?? null,
        encoding: req.headers["content-encoding"] ?? null,
        bytesIn: result.bytesIn,
        ms: Math.round(performance.now() - started),
      });
      // Refs that made it are in the spool even if the client went away mid-reply, so always look.
      if (receiving) pushes.received({ name, spool, remoteAddr: req.socket.remoteAddress ?? "unknown" });
    } catch (error) {
      next(error);
    }
  };
}
