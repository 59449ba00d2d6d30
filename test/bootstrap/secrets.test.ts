import bcrypt from "bcryptjs";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { argocdValuesPath } from "../../generators/clusters/argocd.js";
import { clusters } from "../../generators/stack.js";
import { kubernetes } from "../../generators/versions.js";
import { argocdSecretValues, fillSecrets, yamlStream } from "../../tools/bootstrap/plan.js";
import { loadSecrets, SecretStoreError, type Secrets } from "../../tools/bootstrap/secrets.js";
import { inCI, requireTool } from "../support/tools.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const chart = join(root, "..", "shared", "charts", "argo-cd-9.3.7.tgz");
const helmBin = requireTool("helm", "node --import tsx tools/cache/build.ts helm (helm v3.19.0 into the tool cache)");
if (!existsSync(chart)) {
  const message = `missing chart ${chart}: the pinned argo-cd 9.3.7 chart, packaged with its dependency (DESIGN.md §6)`;
  if (inCI) throw new Error(`${message} (CI=true: missing inputs fail the run)`);
  console.warn(`skipped: ${message}`);
}

const scratch = mkdtempSync(join(tmpdir(), "stackwave-secrets-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const fixed = () => new Date("2026-11-25T17:00:00.123Z");

describe("GIVEN no local secret store", () => {
  const path = join(scratch, "fresh", ".stackwave", "secrets.json");

  it("WHEN secrets are loaded THEN random values are generated and stored with mode 0600 in a 0700 folder", async () => {
    const secrets = await loadSecrets(path, {}, fixed);
    for (const name of ["argocdAdminPassword", "grafanaAdminPassword", "mongodbPassword", "webhookSecret"] as const)
      expect(secrets[name]).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set([secrets.argocdAdminPassword, secrets.grafanaAdminPassword, secrets.mongodbPassword, secrets.webhookSecret]).size).toBe(
      4,
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    expect(bcrypt.compareSync(secrets.argocdAdminPassword!, secrets.argocdAdminPasswordHash!)).toBe(true);
    expect(secrets.argocdAdminPasswordMtime).toBe("2026-11-25T17:00:00Z");
    expect(secrets.pagerdutyRoutingKey).toBeUndefined();
  });

  it("WHEN loaded again THEN the same values come back and the file is not rewritten (reruns converge)", async () => {
    const first = await loadSecrets(path, {}, fixed);
    const before = readFileSync(path, "utf8");
    const second = await loadSecrets(path, {}, () => new Date("2030-01-01T00:00:00Z"));
    expect(second).toEqual(first);
    expect(readFileSync(path, "utf8")).toBe(before);
  });
});

/** The argocd-secret data the real chart renders from the cluster's values plus bootstrap's secret values. */
function renderArgocdSecret(secrets: Secrets): Record<string, string> {
  const cluster = clusters.find((c) => c.name === "local")!;
  const values = yamlStream(fillSecrets([argocdSecretValues()], (name) => secrets[name]!));
  const out = execFileSync(
    helmBin!,
    [
      "template",
      "argocd",
      chart,
      "--namespace",
      "argocd",
      "--kube-version",
      kubernetes.version,
      "-f",
      join(root, argocdValuesPath(cluster)),
      "-f",
      "-",
    ],
    { input: values, encoding: "utf8", maxBuffer: 64 * 2 ** 20, stdio: ["pipe", "pipe", "pipe"] },
  );
  const docs = yaml.loadAll(out) as Array<{ kind?: string; metadata?: { name?: string }; data?: Record<string, string> }>;
  const secret = docs.find((d) => d?.kind === "Secret" && d.metadata?.name === "argocd-secret");
  if (!secret?.data) throw new Error("the chart rendered no argocd-secret with data");
  return Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, "base64").toString("utf8")]));
}

describe.skipIf(!helmBin || !existsSync(chart))("GIVEN the pinned argo-cd chart and the real helm", () => {
  const path = join(scratch, "helm", "secrets.json");

  it.each([
    ["generated values", {}],
    [
      "a float-looking webhook secret (YAML 1.1 reads 1_000_000_000_000_000 as a number)",
      { STACKWAVE_WEBHOOK_SECRET: "1_000_000_000_000_000" },
    ],
    ["a webhook secret of digits and a dot", { STACKWAVE_WEBHOOK_SECRET: "0000000000000001.5" }],
    ["an admin password YAML would read as a boolean", { ARGOCD_ADMIN_PASSWORD: "yes" }],
  ])("WHEN bootstrap's secret values hold %s THEN helm renders argocd-secret with each value byte for byte", async (_name, env) => {
    rmSync(path, { force: true });
    const secrets = await loadSecrets(path, env, fixed);
    const data = renderArgocdSecret(secrets);
    expect(data["webhook.github.secret"]).toBe(secrets.webhookSecret);
    expect(data["admin.password"]).toBe(secrets.argocdAdminPasswordHash);
    expect(data["admin.passwordMtime"]).toBe(secrets.argocdAdminPasswordMtime);
    expect(bcrypt.compareSync(secrets.argocdAdminPassword!, data["admin.password"]!)).toBe(true);
  });
});

describe("GIVEN values in the environment", () => {
  const path = join(scratch, "env", "secrets.json");
  const env = {
    ARGOCD_ADMIN_PASSWORD: "correct-horse-battery",
    GRAFANA_ADMIN_PASSWORD: "grafana-from-env",
    MONGODB_PASSWORD: "p@ss:/w?rd#50%",
    PAGERDUTY_ROUTING_KEY: "R0UT1NGKEY",
  };

  it("WHEN secrets are loaded THEN the environment wins and every value used is stored (mode 0600), except the PagerDuty key", async () => {
    rmSync(path, { force: true });
    const secrets = await loadSecrets(path, env, fixed);
    expect(secrets.argocdAdminPassword).toBe(env.ARGOCD_ADMIN_PASSWORD);
    expect(secrets.grafanaAdminPassword).toBe(env.GRAFANA_ADMIN_PASSWORD);
    expect(secrets.mongodbPassword).toBe(env.MONGODB_PASSWORD);
    expect(secrets.pagerdutyRoutingKey).toBe(env.PAGERDUTY_ROUTING_KEY);
    const stored = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
    expect(stored).toMatchObject({
      argocdAdminPassword: env.ARGOCD_ADMIN_PASSWORD,
      grafanaAdminPassword: env.GRAFANA_ADMIN_PASSWORD,
      mongodbPassword: env.MONGODB_PASSWORD,
    });
    expect(JSON.stringify(stored)).not.toContain(env.PAGERDUTY_ROUTING_KEY);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(bcrypt.compareSync(env.ARGOCD_ADMIN_PASSWORD, secrets.argocdAdminPasswordHash!)).toBe(true);
  });

  it("WHEN bootstrap reruns without MONGODB_PASSWORD THEN the password the database got is kept, not a new random one", async () => {
    rmSync(path, { force: true });
    await loadSecrets(path, env, fixed);
    const rerun = await loadSecrets(path, {}, fixed);
    expect(rerun.mongodbPassword).toBe(env.MONGODB_PASSWORD);
  });

  it("WHEN MONGODB_PASSWORD changes against a stored one THEN loading is refused, saying how to rotate, and the store is unchanged", async () => {
    rmSync(path, { force: true });
    await loadSecrets(path, env, fixed);
    const before = readFileSync(path, "utf8");
    const changed = loadSecrets(path, { ...env, MONGODB_PASSWORD: "something-else" }, fixed);
    await expect(changed).rejects.toThrow(SecretStoreError);
    await expect(loadSecrets(path, { ...env, MONGODB_PASSWORD: "something-else" }, fixed)).rejects.toThrow(
      /MONGODB_PASSWORD: differs from the password the database already uses[\s\S]*To rotate it: change it in MongoDB first/,
    );
    expect(readFileSync(path, "utf8")).toBe(before);
  });

  it("WHEN the Argo CD password changes THEN a new hash and mtime are stored, and WHEN it stays THEN the hash is kept", async () => {
    const first = await loadSecrets(path, env, fixed);
    const same = await loadSecrets(path, env, () => new Date("2027-01-01T00:00:00Z"));
    expect(same.argocdAdminPasswordHash).toBe(first.argocdAdminPasswordHash);
    expect(same.argocdAdminPasswordMtime).toBe("2026-11-25T17:00:00Z");
    const changed = await loadSecrets(path, { ...env, ARGOCD_ADMIN_PASSWORD: "another-password" }, () => new Date("2027-01-01T00:00:00Z"));
    expect(changed.argocdAdminPasswordHash).not.toBe(first.argocdAdminPasswordHash);
    expect(bcrypt.compareSync("another-password", changed.argocdAdminPasswordHash!)).toBe(true);
    expect(changed.argocdAdminPasswordMtime).toBe("2027-01-01T00:00:00Z");
  });
});

describe("GIVEN a cluster whose mongodb-credentials Secret already holds a password", () => {
  const path = join(scratch, "cluster", "secrets.json");
  const cluster = { mongodbPassword: "from-the-cluster/@:?#%" };

  it("WHEN the local store was deleted THEN the cluster's password is used and stored again", async () => {
    rmSync(path, { force: true });
    const secrets = await loadSecrets(path, {}, fixed, cluster);
    expect(secrets.mongodbPassword).toBe(cluster.mongodbPassword);
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ mongodbPassword: cluster.mongodbPassword });
  });

  it("WHEN the store holds another password THEN the cluster's wins", async () => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify({ version: 1, mongodbPassword: "stale" }));
    expect((await loadSecrets(path, {}, fixed, cluster)).mongodbPassword).toBe(cluster.mongodbPassword);
  });

  it("WHEN MONGODB_PASSWORD is the same THEN it is accepted; WHEN it differs THEN it is refused naming the Secret", async () => {
    rmSync(path, { force: true });
    expect((await loadSecrets(path, { MONGODB_PASSWORD: cluster.mongodbPassword }, fixed, cluster)).mongodbPassword).toBe(
      cluster.mongodbPassword,
    );
    await expect(loadSecrets(path, { MONGODB_PASSWORD: "new" }, fixed, cluster)).rejects.toThrow(
      /the cluster's mongodb-credentials Secret/,
    );
  });
});

describe("GIVEN a webhook secret that the chart contract refuses", () => {
  it("WHEN STACKWAVE_WEBHOOK_SECRET is too short THEN loading fails naming the variable and the expected value", async () => {
    const path = join(scratch, "short", "secrets.json");
    await expect(loadSecrets(path, { STACKWAVE_WEBHOOK_SECRET: "short" }, fixed)).rejects.toThrow(
      /STACKWAVE_WEBHOOK_SECRET: expected at least 16 characters/,
    );
  });
});

describe("GIVEN a damaged store", () => {
  it("WHEN it is not JSON THEN loading fails naming the file and how to recover", async () => {
    const path = join(scratch, "broken.json");
    writeFileSync(path, "{not json");
    await expect(loadSecrets(path, {})).rejects.toThrow(SecretStoreError);
    await expect(loadSecrets(path, {})).rejects.toThrow(/broken\.json: expected JSON.*Delete the file/);
  });

  it("WHEN a field has the wrong type THEN loading fails naming the field", async () => {
    const path = join(scratch, "wrong.json");
    writeFileSync(path, JSON.stringify({ version: 1, webhookSecret: 42 }));
    await expect(loadSecrets(path, {})).rejects.toThrow(/field "webhookSecret" must be a string/);
  });
});
