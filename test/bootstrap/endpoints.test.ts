// What bootstrap prints at the end: the Argo CD login must be a command that prints the password, or say where it is.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../generators/stack.js";
import { endpoints } from "../../tools/bootstrap/endpoints.js";
import { names } from "../../tools/bootstrap/plan.js";

const config = defaultConfig();
const cluster = config.clusters.find((c) => c.name === "local")!;
const n = names({ config, cluster, stateDir: ".stackwave" });
const argocd = (env: NodeJS.ProcessEnv) => endpoints(cluster, n, env).find((e) => e.name === "Argo CD")!.login;
const checkout = mkdtempSync(join(tmpdir(), "stackwave-endpoints-"));
afterAll(() => rmSync(checkout, { recursive: true, force: true }));

describe("GIVEN a bring-up that generated the Argo CD password", () => {
  it("WHEN the printed command runs in the checkout THEN it prints the stored password", () => {
    mkdirSync(join(checkout, ".stackwave"));
    writeFileSync(join(checkout, n.secretsFile), JSON.stringify({ version: 1, argocdAdminPassword: "s3cret-from-store" }));
    const command = /password: (node -p ".*")$/.exec(argocd({}))?.[1];
    expect(command, argocd({})).toBeDefined();
    expect(execFileSync("sh", ["-c", command!], { cwd: checkout, encoding: "utf8" }).trim()).toBe("s3cret-from-store");
  });
});

describe("GIVEN a bring-up with ARGOCD_ADMIN_PASSWORD set", () => {
  it("WHEN the login is printed THEN it points at the variable, not at a store that does not hold it", () => {
    const login = argocd({ ARGOCD_ADMIN_PASSWORD: "given" });
    expect(login).toContain("ARGOCD_ADMIN_PASSWORD");
    expect(login).not.toContain("secrets.json");
    expect(login).not.toContain("given");
  });
});
