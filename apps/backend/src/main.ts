// Starts the backend and shuts it down gracefully on SIGTERM/SIGINT.
import type { AddressInfo } from "node:net";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { log } from "./log.js";
import { createApp, type Lifecycle } from "./server.js";
import { Store } from "./store.js";

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

const store = new Store({
  uri: config.mongoUri,
  retryMaxMs: config.retryMaxMs,
  reconnectAfterMs: config.reconnectAfterMs,
  ...(config.mongoAuth ? { auth: config.mongoAuth } : {}),
});
store.start();
const lifecycle: Lifecycle = { draining: false };
const server = createApp(config, store, lifecycle).listen(config.port, "0.0.0.0", () => {
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
  server.close(async () => {
    clearTimeout(force);
    await store.close().catch((error: unknown) => log("warn", "closing database client failed", { error: String(error) }));
    log("info", "stopped");
    process.exit(0);
  });
  server.closeIdleConnections();
}

process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
