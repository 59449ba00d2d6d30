// Values that must never be in git. The user may give them as environment variables; whatever is not given
// is generated once. Every value used, given or generated, is kept in .stackwave/secrets.json (mode 0600,
// gitignored), so every rerun converges. The MongoDB password is special: the mongo image sets it only on an
// empty volume, so once a database uses it, a rerun keeps it (the cluster's Secret wins over the file) and a
// different MONGODB_PASSWORD is refused instead of locking the backend and the exporter out.
import bcrypt from "bcryptjs";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { checkArgocdSecret } from "../../generators/clusters/argocd.js";

/** Every secret the plan can reference by name. */
export const secretNames = [
  "argocdAdminPassword",
  "argocdAdminPasswordHash",
  "argocdAdminPasswordMtime",
  "grafanaAdminPassword",
  "mongodbPassword",
  "webhookSecret",
  "pagerdutyRoutingKey",
  // Existing clusters only (tools/bootstrap/repository.ts): read from the environment on every run, never stored.
  "gitUsername",
  "gitPassword",
  "gitSshPrivateKey",
  "mongodbUri",
] as const;
export type SecretName = (typeof secretNames)[number];

/** Environment variables that give a value instead of a generated one (stored like a generated one). */
export const secretEnv = {
  argocdAdminPassword: "ARGOCD_ADMIN_PASSWORD",
  grafanaAdminPassword: "GRAFANA_ADMIN_PASSWORD",
  mongodbPassword: "MONGODB_PASSWORD",
  webhookSecret: "STACKWAVE_WEBHOOK_SECRET",
  pagerdutyRoutingKey: "PAGERDUTY_ROUTING_KEY",
} as const satisfies Partial<Record<SecretName, string>>;

/**
 * Values an existing cluster's bootstrap takes from the environment only. They are never written to the store:
 * the git host's token or deploy key and the managed database's address stay wherever the user keeps them.
 */
export const environmentOnly = {
  gitUsername: "STACKWAVE_GIT_USERNAME",
  gitPassword: "STACKWAVE_GIT_TOKEN",
  /** A file holding the deploy key (read at run time), so the key itself is never in an environment dump. */
  gitSshPrivateKey: "STACKWAVE_GIT_SSH_KEY_FILE",
  mongodbUri: "GUESTBOOK_MONGODB_URI",
} as const satisfies Partial<Record<SecretName, string>>;

/** The environment-only values that are set; the deploy key is read from its file. Throws naming the variable. */
export function environmentSecrets(env: NodeJS.ProcessEnv): Secrets {
  const out: Partial<Record<SecretName, string>> = {};
  for (const [name, variable] of Object.entries(environmentOnly) as [keyof typeof environmentOnly, string][]) {
    const value = env[variable];
    if (!value) continue;
    if (name !== "gitSshPrivateKey") out[name] = value;
    else {
      try {
        out[name] = readFileSync(value, "utf8");
      } catch (error) {
        throw new SecretStoreError(
          `${variable}: expected a readable private key file, got "${value}": ${(error as NodeJS.ErrnoException).code ?? "unreadable"}`,
        );
      }
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(out[name]!))
        throw new SecretStoreError(
          `${variable}: expected a PEM or OpenSSH private key file (-----BEGIN ... PRIVATE KEY-----), got "${value}"`,
        );
    }
  }
  // Git hosts take a token with any user name (GitHub, Gitea) or ignore it; give one when only the token is set.
  if (out.gitPassword && !out.gitUsername) out.gitUsername = "git";
  return out;
}

/** Fixed user names that go next to the passwords (not secret). */
export const logins = { grafanaAdminUser: "admin", mongodbUsername: "guestbook", argocdAdminUser: "admin" } as const;

/** What the store file holds: every value bootstrap used, and the derived Argo CD hash with its mtime. */
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

/** Thrown for an unreadable or malformed store, or a value that cannot be used; names the file or variable. */
export class SecretStoreError extends Error {}

/** Values read back from the running cluster's Secrets (absent on a first run). */
export interface ClusterSecrets {
  /** The `password` of the guestbook's mongodb-credentials Secret: what the database was initialised with. */
  readonly mongodbPassword?: string;
}

/** Why a MONGODB_PASSWORD that differs from the one in use is refused, and how to rotate it properly. */
function rotationRefused(source: string): string {
  return [
    `MONGODB_PASSWORD: differs from the password the database already uses (${source}).`,
    "The mongo image sets the root password only when its volume is empty, so a new value here would lock the backend and the exporter out.",
    "To keep the current password, unset MONGODB_PASSWORD.",
    'To rotate it: change it in MongoDB first (kubectl -n guestbook exec statefulset/mongodb -- mongosh -u guestbook -p --authenticationDatabase admin --eval \'db.getSiblingDB("admin").changeUserPassword("guestbook", passwordPrompt())\'),',
    "then delete the mongodb-credentials Secrets in the guestbook and monitoring namespaces and the mongodbPassword line of .stackwave/secrets.json, and rerun with the new MONGODB_PASSWORD.",
    "To start over with an empty database instead: npx zx bootstrap.mjs --down, then bootstrap again.",
  ].join("\n");
}

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
 * Loads the store at `path`, fills what is missing (the environment's value, else a random one; the Argo CD
 * bcrypt hash and its pinned mtime) and writes it back when something changed. `cluster` holds what the
 * running cluster already uses; for the MongoDB password it wins over the file, and a different
 * MONGODB_PASSWORD is refused with how to rotate.
 */
export async function loadSecrets(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  now: () => Date = () => new Date(),
  cluster: ClusterSecrets = {},
): Promise<Secrets> {
  const before = read(path);
  const stored: Partial<Stored> = { ...before, version: 1 };
  const pick = (name: keyof typeof secretEnv & keyof Stored): string => {
    const given = env[secretEnv[name]];
    if (given) stored[name] = given;
    stored[name] ??= generate();
    return stored[name];
  };
  const argocdAdminPassword = pick("argocdAdminPassword");
  const grafanaAdminPassword = pick("grafanaAdminPassword");
  const webhookSecret = pick("webhookSecret");
  const inUse = cluster.mongodbPassword ?? before?.mongodbPassword;
  const givenMongo = env[secretEnv.mongodbPassword];
  if (givenMongo && inUse !== undefined && givenMongo !== inUse) {
    throw new SecretStoreError(
      rotationRefused(
        cluster.mongodbPassword !== undefined ? "the cluster's mongodb-credentials Secret" : `${path}, field "mongodbPassword"`,
      ),
    );
  }
  if (inUse !== undefined) stored.mongodbPassword = inUse;
  const mongodbPassword = pick("mongodbPassword");
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
  // The same checks as helmSecretArgs, whichever way the values reach the chart; the message names the variable.
  const problem = checkArgocdSecret("webhookSecret", webhookSecret);
  if (problem) throw new SecretStoreError(`${secretEnv.webhookSecret}: ${problem}`);
  if (JSON.stringify(before) !== JSON.stringify(stored)) await write(path, stored as Stored);
  return {
    argocdAdminPassword,
    argocdAdminPasswordHash: stored.argocdAdminPasswordHash,
    argocdAdminPasswordMtime: stored.argocdAdminPasswordMtime,
    grafanaAdminPassword,
    mongodbPassword,
    webhookSecret,
    ...(env[secretEnv.pagerdutyRoutingKey] ? { pagerdutyRoutingKey: env[secretEnv.pagerdutyRoutingKey] } : {}),
    ...environmentSecrets(env),
  };
}
