// Reads the backend's environment once at start; a bad value stops the process with one line naming it.

/** Everything the backend reads from its environment. */
export interface Config {
  /** TCP port to listen on (PORT, default 8080; 0 picks a free one and logs it). */
  readonly port: number;
  /** MongoDB connection string: MONGODB_URI if set, else built from GUESTBOOK_DB_ADDR. */
  readonly mongoUri: string;
  /**
   * Credentials from MONGODB_USERNAME and MONGODB_PASSWORD (both or neither). They go to the driver as separate
   * options, never into the URI, so any character works in a password.
   */
  readonly mongoAuth?: { readonly username: string; readonly password: string };
  /** Longest pause between two first-connect attempts in ms (GUESTBOOK_DB_RETRY_MS, default 2000, 50-60000). */
  readonly retryMaxMs: number;
  /**
   * How long every database operation may fail as unavailable, with no success between, before the backend
   * drops its client and connects afresh, in ms (GUESTBOOK_DB_RECONNECT_MS, default 30000, 1000-600000).
   */
  readonly reconnectAfterMs: number;
  /** Record HTTP request metrics (METRICS_ENABLED, default true); off only to measure their overhead. */
  readonly metricsEnabled: boolean;
  /** Test-only: serve GET /debug/slow?ms= (DEBUG_SLOW_ROUTE=true, default off) to exercise graceful shutdown. */
  readonly debugSlowRoute: boolean;
}

/** A configuration mistake; main prints `message` as the one line before exiting 1. */
export class ConfigError extends Error {}

const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export function parsePort(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new ConfigError(`${name}: expected a port number 0-65535, got "${raw}"`);
  return port;
}

export function parseBool(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === "") return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new ConfigError(`${name}: expected "true" or "false", got "${raw}"`);
}

/** Checks `host:port` (as in the original Kubernetes guestbook) and returns it unchanged. */
export function parseHostPort(name: string, raw: string | undefined): string {
  if (raw === undefined || raw === "") throw new ConfigError(`${name}: missing, expected host:port`);
  const match = hostPort.exec(raw);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) throw new ConfigError(`${name}: expected host:port, got "${raw}"`);
  return raw;
}

function parseInteger(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new ConfigError(`${name}: expected an integer ${min}-${max}, got "${raw}"`);
  return value;
}

function parseAuth(env: NodeJS.ProcessEnv): Config["mongoAuth"] {
  const username = env.MONGODB_USERNAME ?? "";
  const password = env.MONGODB_PASSWORD ?? "";
  if (username === "" && password === "") return undefined;
  // Never echo a value: the password is secret.
  if (username === "") throw new ConfigError("MONGODB_USERNAME: missing, expected a user name when MONGODB_PASSWORD is set");
  if (password === "") throw new ConfigError("MONGODB_PASSWORD: missing, expected a password when MONGODB_USERNAME is set");
  return { username, password };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const uri = env.MONGODB_URI;
  let mongoUri: string;
  if (uri !== undefined && uri !== "") {
    if (!/^mongodb(\+srv)?:\/\/[^\s@]+$/.test(uri)) {
      // Never echo the value: it may hold a password.
      throw new ConfigError(
        "MONGODB_URI: expected a mongodb:// or mongodb+srv:// connection string without credentials (set MONGODB_USERNAME and MONGODB_PASSWORD)",
      );
    }
    mongoUri = uri;
  } else {
    mongoUri = `mongodb://${parseHostPort("GUESTBOOK_DB_ADDR", env.GUESTBOOK_DB_ADDR)}`;
  }
  const mongoAuth = parseAuth(env);
  return {
    port: parsePort("PORT", env.PORT, 8080),
    mongoUri,
    ...(mongoAuth ? { mongoAuth } : {}),
    retryMaxMs: parseInteger("GUESTBOOK_DB_RETRY_MS", env.GUESTBOOK_DB_RETRY_MS, 2_000, 50, 60_000),
    reconnectAfterMs: parseInteger("GUESTBOOK_DB_RECONNECT_MS", env.GUESTBOOK_DB_RECONNECT_MS, 30_000, 1_000, 600_000),
    metricsEnabled: parseBool("METRICS_ENABLED", env.METRICS_ENABLED, true),
    debugSlowRoute: parseBool("DEBUG_SLOW_ROUTE", env.DEBUG_SLOW_ROUTE, false),
  };
}
