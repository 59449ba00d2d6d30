// Entry point: reads the config, prepares the data folder, serves HTTP and shuts down cleanly on SIGTERM.
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { log } from "./log.js";
import { Pushes } from "./push.js";
import { Repos } from "./repos.js";
import { Webhook } from "./webhook.js";

/** How long shutdown waits for in-flight requests and webhook deliveries. */
const shutdownMs = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  await access(config.httpBackend, constants.X_OK).catch(() => {
    throw new ConfigError(`GIT_HTTP_BACKEND must name the executable git-http-backend, got "${config.httpBackend}"`);
  });
  const repos = new Repos(config.dataDir, config.defaultBranch);
  await repos.init();
  for (const name of config.initRepos) await repos.ensure(name);
  const webhook = config.webhookUrl
    ? new Webhook({
        url: config.webhookUrl,
        secret: config.webhookSecret,
        maxAttempts: config.webhookMaxAttempts,
        backoffMs: config.webhookBackoffMs,
        maxBackoffMs: config.webhookMaxBackoffMs,
        timeoutMs: config.webhookTimeoutMs,
      })
    : undefined;
  // The handler is attached once the port is known, so the default public URL can name it (PORT=0 in tests).
  const server = createServer();
  // A big first push over a slow link can take longer than Node's 5-minute default.
  server.requestTimeout = 30 * 60_000;
  server.listen(config.port, config.addr, () => {
    const { port } = server.address() as AddressInfo;
    const publicUrl = config.publicUrl ?? `http://localhost:${port}`;
    server.on("request", createApp({ ...config, publicUrl }, repos, new Pushes(repos, publicUrl, webhook)));
    log("info", "listening", {
      addr: config.addr,
      port,
      dataDir: config.dataDir,
      publicUrl,
      repos: config.initRepos,
      webhookUrl: config.webhookUrl ?? null,
      webhookSigned: Boolean(config.webhookSecret),
    });
  });
  server.on("error", (error) => {
    log("error", "server error", { error: error.message });
    process.exit(1);
  });
  if (!webhook) log("warn", "WEBHOOK_URL unset: pushes will not notify Argo CD");

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log("info", "shutting down", { signal });
    const timer = setTimeout(() => process.exit(0), shutdownMs + 1000);
    timer.unref();
    server.close(async () => {
      await webhook?.drain(shutdownMs);
      log("info", "stopped");
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  log("error", "startup failed", { error: error instanceof Error ? error.message : String(error) });
  process.exit(2);
});
