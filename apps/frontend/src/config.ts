// Reads the frontend's environment once at start; a bad value stops the process with one line naming it.

/** Everything the frontend reads from its environment. */
export interface Config {
  /** TCP port to listen on (PORT, default 8080; 0 picks a free one and logs it). */
  readonly port: number;
  /** Base URL of the backend API, from GUESTBOOK_API_ADDR (host:port). */
  readonly apiUrl: string;
  /** Longest wait for the backend before the page degrades (GUESTBOOK_API_TIMEOUT_MS, default 3000, max 3000). */
  readonly apiTimeoutMs: number;
  /** Record HTTP request metrics (METRICS_ENABLED, default true); off only to measure their overhead. */
  readonly metricsEnabled: boolean;
}

/** A configuration mistake; main prints `message` as the one line before exiting 1. */
export class ConfigError extends Error {}

const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

function parseInteger(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new ConfigError(`${name}: expected an integer ${min}-${max}, got "${raw}"`);
  return value;
}

function parseBool(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === "") return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new ConfigError(`${name}: expected "true" or "false", got "${raw}"`);
}

function parseHostPort(name: string, raw: string | undefined): string {
  if (raw === undefined || raw === "") throw new ConfigError(`${name}: missing, expected host:port`);
  const match = hostPort.exec(raw);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) throw new ConfigError(`${name}: expected host:port, got "${raw}"`);
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: parseInteger("PORT", env.PORT, 8080, 0, 65535),
    apiUrl: `http://${parseHostPort("GUESTBOOK_API_ADDR", env.GUESTBOOK_API_ADDR)}`,
    apiTimeoutMs: parseInteger("GUESTBOOK_API_TIMEOUT_MS", env.GUESTBOOK_API_TIMEOUT_MS, 3_000, 100, 3_000),
    metricsEnabled: parseBool("METRICS_ENABLED", env.METRICS_ENABLED, true),
  };
}
