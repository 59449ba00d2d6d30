// Starts the frontend and shuts it down gracefully on SIGTERM/SIGINT.
import type { AddressInfo } from "node:net";
import { Api } from "./api.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { log } from "./log.js";
import { createApp, type Lifecycle } from "./server.js";

/** In-flight requests get this long after SIGTERM before their connections are cut. */
const drainMs = 10_000;

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(error.message + "\n");
  process.exit(1);
}

const lifecycle: Lifecycle = { draining: false };
const api = new Api(config.apiUrl, config.apiTimeoutMs);
const server = createApp(config, api, lifecycle).listen(config.port, "0.0.0.0", () => {
  log("info", "listening", { port: (server.address() as AddressInfo).port, metrics: config.metricsEnabled });
});
server.on("error", (error) => {
  log("error", "cannot listen", { error: String(error) });
  process.exit(1);
});

function shutdown(signal: string): void {
  if (lifecycle.draining) return;
  lifecycle.draining = true;
  log("info", "shutting down", { signal });
  const force = setTimeout(() => server.closeAllConnections(), drainMs);
  force.unref();
  server.close(() => {
    clearTimeout(force);
    log("info", "stopped");
    process.exit(0);
  });
  server.closeIdleConnections();
}

process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
