// Server settings, read once from the environment. Every field has a default so `npm run dev` just works.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export interface Config {
  /** Address to listen on (GIT_SERVER_ADDR). Default 0.0.0.0: inside its container the server must be reachable. */
  readonly addr: string;
  /** TCP port (PORT). Default 8080; 0 picks a free port, which the "listening" log line reports. */
  readonly port: number;
  /** Folder holding the bare repositories `<name>.git` (GIT_DATA_DIR). Default ./data. Must survive restarts. */
  readonly dataDir: string;
  /**
   * Base URL Argo CD uses for this server (GIT_PUBLIC_URL), e.g. http://stackwave-git-server:8080. The webhook's
   * repository.html_url is `<base>/<name>`; Argo CD matches its host and path against each Application's repoURL.
   * Default http://localhost:<listening port>.
   */
  readonly publicUrl: string | undefined;
  /** Argo CD webhook endpoint (WEBHOOK_URL), e.g. http://argocd-server.argocd/api/webhook. Unset: no webhooks. */
  readonly webhookUrl: string | undefined;
  /** Shared HMAC secret (WEBHOOK_SECRET, or a file named by WEBHOOK_SECRET_FILE). Unset: requests go unsigned. */
  readonly webhookSecret: string | undefined;
  /**
   * Error answers (408, 429, 5xx) per push event before giving up (WEBHOOK_MAX_ATTEMPTS). Default 5. Attempts
   * that get no answer at all (the receiver is not up yet) do not count: they go on until it answers.
   */
  readonly webhookMaxAttempts: number;
  /** First retry delay in ms, doubled each retry up to WEBHOOK_MAX_BACKOFF_MS (WEBHOOK_BACKOFF_MS). Default 500. */
  readonly webhookBackoffMs: number;
  /** Longest retry delay in ms (WEBHOOK_MAX_BACKOFF_MS). Default 5000: a receiver that comes up is reached within 5 s. */
  readonly webhookMaxBackoffMs: number;
  /** Per-attempt timeout in ms (WEBHOOK_TIMEOUT_MS). Default 10000. */
  readonly webhookTimeoutMs: number;
  /** Largest request body in bytes as sent (GIT_MAX_BODY_BYTES); also git's inflate limit. Default 100 MiB; bigger gets 413. */
  readonly maxBodyBytes: number;
  /** Repositories created at startup if missing (GIT_INIT_REPOS, comma separated). Default none. */
  readonly initRepos: readonly string[];
  /** Branch a new repository's HEAD points at (GIT_DEFAULT_BRANCH). Default main. */
  readonly defaultBranch: string;
  /** The git CGI program (GIT_HTTP_BACKEND). Default /usr/lib/git-core/git-http-backend. */
  readonly httpBackend: string;
  /** Basic-auth credentials every request but /healthz must carry (GIT_AUTH_USER and GIT_AUTH_PASSWORD, both or neither). Unset: open. */
  readonly auth?: { readonly user: string; readonly password: string };
}

/** Thrown for a bad setting; the message names the variable and what it expects. */
export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

function url(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${raw}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ConfigError(`${name} must use http or https, got "${raw}"`);
  }
  return raw;
}

function secret(env: NodeJS.ProcessEnv): string | undefined {
  if (env.WEBHOOK_SECRET) return env.WEBHOOK_SECRET;
  const file = env.WEBHOOK_SECRET_FILE;
  if (!file) return undefined;
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch (error) {
    throw new ConfigError(`WEBHOOK_SECRET_FILE must name a readable file, got "${file}": ${(error as Error).message}`);
  }
}

/** Reads the configuration from `env`; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer(env, "PORT", 8080, 0);
  if (port > 65535) throw new ConfigError(`PORT must be between 0 and 65535, got "${env.PORT}"`);
  const publicUrl = url(env, "GIT_PUBLIC_URL")?.replace(/\/+$/, "");
  const defaultBranch = env.GIT_DEFAULT_BRANCH || "main";
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(defaultBranch) || defaultBranch.includes("..")) {
    throw new ConfigError(`GIT_DEFAULT_BRANCH must be a plain branch name like "main", got "${defaultBranch}"`);
  }
  const [user, password] = [env.GIT_AUTH_USER ?? "", env.GIT_AUTH_PASSWORD ?? ""];
  // Never echo the password.
  if (password && !user) throw new ConfigError("GIT_AUTH_USER: missing, expected a user name when GIT_AUTH_PASSWORD is set");
  if (user && !password) throw new ConfigError("GIT_AUTH_PASSWORD: missing, expected a password when GIT_AUTH_USER is set");
  if (user.includes(":")) throw new ConfigError(`GIT_AUTH_USER must not contain ":" (basic auth splits on it), got "${user}"`);
  return {
    ...(user ? { auth: { user, password } } : {}),
    addr: env.GIT_SERVER_ADDR || "0.0.0.0",
    port,
    dataDir: resolve(env.GIT_DATA_DIR || "data"),
    publicUrl,
    webhookUrl: url(env, "WEBHOOK_URL"),
    webhookSecret: secret(env),
    webhookMaxAttempts: integer(env, "WEBHOOK_MAX_ATTEMPTS", 5, 1),
    webhookBackoffMs: integer(env, "WEBHOOK_BACKOFF_MS", 500, 0),
    webhookMaxBackoffMs: integer(env, "WEBHOOK_MAX_BACKOFF_MS", 5_000, 1),
    webhookTimeoutMs: integer(env, "WEBHOOK_TIMEOUT_MS", 10_000, 1),
    maxBodyBytes: integer(env, "GIT_MAX_BODY_BYTES", 100 * 2 ** 20, 1),
    initRepos: (env.GIT_INIT_REPOS ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean),
    defaultBranch,
    httpBackend: env.GIT_HTTP_BACKEND || "/usr/lib/git-core/git-http-backend",
  };
}
