// The express app: health, the repository API and the git smart-HTTP routes, with JSON errors throughout.
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import express from "express";
import type { Config } from "./config.js";
import { basicAuth } from "./auth.js";
import { errorHandler, HttpError } from "./errors.js";
import { gitHttp } from "./git-http.js";
import { nameRule, repoName } from "./names.js";
import type { Pushes } from "./push.js";
import type { Repos } from "./repos.js";

export function createApp(config: Config & { readonly publicUrl: string }, repos: Repos, pushes: Pushes): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(basicAuth(config));

  /** 200 while the data folder is writable; 503 otherwise (for example a lost volume), and back once it returns. */
  app.get("/healthz", async (_req, res) => {
    try {
      await access(config.dataDir, constants.W_OK);
      res.json({ status: "ok" });
    } catch {
      res.status(503).json({ status: "unavailable", error: "data folder not writable", field: "GIT_DATA_DIR", got: config.dataDir });
    }
  });

  app.get("/api/repos", async (_req, res) => {
    const names = await repos.list();
    res.json({ repos: names.map((name) => ({ name, url: `${config.publicUrl}/${name}.git` })) });
  });

  app.post("/api/repos", express.json({ limit: "4kb" }), async (req, res) => {
    const body: unknown = req.body;
    if (typeof body !== "object" || body === null || !("name" in body)) {
      throw new HttpError(400, { error: "missing repository name", field: "name", expected: `a JSON body {"name": "<${nameRule}>"}` });
    }
    const name = repoName(body.name);
    await repos.create(name);
    res.status(201).json({ name, url: `${config.publicUrl}/${name}.git` });
  });

  app.use(gitHttp(config, repos, pushes));
  app.use(errorHandler);
  return app;
}
