import bcrypt from "bcryptjs";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { helmSecretArgs } from "../../generators/clusters/argocd.js";
import { loadSecrets, SecretStoreError } from "../../tools/bootstrap/secrets.js";

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
    const before = readFileSync(path, "utf8");
    const first = await loadSecrets(path, {}, fixed);
    const second = await loadSecrets(path, {}, () => new Date("2030-01-01T00:00:00Z"));
    expect(second).toEqual(first);
    expect(readFileSync(path, "utf8")).toBe(before);
  });

  it("WHEN the values are handed to the Argo CD chart contract THEN Helm and Argo CD accept them", async () => {
    const s = await loadSecrets(path, {}, fixed);
    const args = helmSecretArgs({
      webhookSecret: s.webhookSecret!,
      adminPasswordHash: s.argocdAdminPasswordHash!,
      adminPasswordMtime: s.argocdAdminPasswordMtime!,
    });
    expect(args).toHaveLength(6);
  });
});

describe("GIVEN values in the environment", () => {
  const path = join(scratch, "env", "secrets.json");
  const env = {
    ARGOCD_ADMIN_PASSWORD: "correct-horse-battery",
    GRAFANA_ADMIN_PASSWORD: "grafana-from-env",
    PAGERDUTY_ROUTING_KEY: "R0UT1NGKEY",
  };

  it("WHEN secrets are loaded THEN the environment wins and its values are never written to disk", async () => {
    const secrets = await loadSecrets(path, env, fixed);
    expect(secrets.argocdAdminPassword).toBe(env.ARGOCD_ADMIN_PASSWORD);
    expect(secrets.grafanaAdminPassword).toBe(env.GRAFANA_ADMIN_PASSWORD);
    expect(secrets.pagerdutyRoutingKey).toBe(env.PAGERDUTY_ROUTING_KEY);
    const stored = readFileSync(path, "utf8");
    for (const value of Object.values(env)) expect(stored).not.toContain(value);
    expect(bcrypt.compareSync(env.ARGOCD_ADMIN_PASSWORD, secrets.argocdAdminPasswordHash!)).toBe(true);
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
