// Values that must never be in git. The user may give them as environment variables; whatever is not given
// is generated once and kept in .stackwave/secrets.json (mode 0600, gitignored) so every rerun converges.
import bcrypt from "bcryptjs";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** Every secret the plan can reference by name. */
export const secretNames = [
  "argocdAdminPassword",
  "argocdAdminPasswordHash",
  "argocdAdminPasswordMtime",
  "grafanaAdminPassword",
  "mongodbPassword",
  "webhookSecret",
  "pagerdutyRoutingKey",
] as const;
export type SecretName = (typeof secretNames)[number];

/** Environment variables that override a generated value (never written to disk). */
export const secretEnv = {
  argocdAdminPassword: "ARGOCD_ADMIN_PASSWORD",
  grafanaAdminPassword: "GRAFANA_ADMIN_PASSWORD",
  mongodbPassword: "MONGODB_PASSWORD",
  webhookSecret: "STACKWAVE_WEBHOOK_SECRET",
  pagerdutyRoutingKey: "PAGERDUTY_ROUTING_KEY",
} as const satisfies Partial<Record<SecretName, string>>;

/** Fixed user names that go next to the passwords (not secret). */
export const logins = { grafanaAdminUser: "admin", mongodbUsername: "guestbook", argocdAdminUser: "admin" } as const;

/** What the store file holds. Values given through the environment are not stored, only derived hashes. */
interface Stored {
  readonly version: 1;
  argocdAdminPassword?: string;
  argocdAdminPasswordHash: string;
  argocdAdminPasswordMtime: string;
  grafanaAdminPassword?: string;
  mongodbPassword?: string;
  webhookSecret?: string;
}

export type Secrets = Readonly<Partial<Record<SecretName, string>>>;

/** Thrown for an unreadable or malformed store; names the file and the field. */
export class SecretStoreError extends Error {}

function generate(): string {
  return randomBytes(24).toString("base64url");
}

function read(path: string): Partial<Stored> | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new SecretStoreError(
      `${path}: expected JSON written by bootstrap, ${(error as Error).message}. Delete the file to generate new values.`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || (parsed as { version?: unknown }).version !== 1) {
    throw new SecretStoreError(`${path}: field "version" must be 1. Delete the file to generate new values.`);
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (key !== "version" && typeof value !== "string") throw new SecretStoreError(`${path}: field "${key}" must be a string`);
  }
  return parsed as Partial<Stored>;
}

/** Writes the store atomically (temp file + rename), so Ctrl-C never leaves half a file. */
async function write(path: string, stored: Stored): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
}

/**
 * Loads the store at `path`, fills what is missing (random values; the Argo CD bcrypt hash and its pinned mtime)
 * and writes it back when something changed. Environment values win and are not persisted.
 */
export async function loadSecrets(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  now: () => Date = () => new Date(),
): Promise<Secrets> {
  const before = read(path);
  const stored: Partial<Stored> = { ...before, version: 1 };
  const pick = (name: keyof typeof secretEnv & keyof Stored): string => {
    const given = env[secretEnv[name]];
    if (given) return given;
    stored[name] ??= generate();
    return stored[name];
  };
  const argocdAdminPassword = pick("argocdAdminPassword");
  const grafanaAdminPassword = pick("grafanaAdminPassword");
  const mongodbPassword = pick("mongodbPassword");
  const webhookSecret = pick("webhookSecret");
  // Keep the hash (and its mtime) while it still matches: a new salt on every run would restart Argo CD's
  // admin sessions and make helm upgrade report a change each time.
  if (!stored.argocdAdminPasswordHash || !bcrypt.compareSync(argocdAdminPassword, stored.argocdAdminPasswordHash)) {
    stored.argocdAdminPasswordHash = bcrypt.hashSync(argocdAdminPassword, 10);
    stored.argocdAdminPasswordMtime = now()
      .toISOString()
      .replace(/\.\d+Z$/, "Z");
  }
  stored.argocdAdminPasswordMtime ??= now()
    .toISOString()
    .replace(/\.\d+Z$/, "Z");
  if (JSON.stringify(before) !== JSON.stringify(stored)) await write(path, stored as Stored);
  return {
    argocdAdminPassword,
    argocdAdminPasswordHash: stored.argocdAdminPasswordHash,
    argocdAdminPasswordMtime: stored.argocdAdminPasswordMtime,
    grafanaAdminPassword,
    mongodbPassword,
    webhookSecret,
    ...(env[secretEnv.pagerdutyRoutingKey] ? { pagerdutyRoutingKey: env[secretEnv.pagerdutyRoutingKey] } : {}),
  };
}
