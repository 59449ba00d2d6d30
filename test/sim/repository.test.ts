// A private git remote on the simulated cluster: the project's git server with basic auth on, Argo CD (the real
// processes) refused until bootstrap's repository step, run by the real Runner with the token from the
// environment, creates the repository Secret; then the Application syncs. The token is in no log, no plan
// output, no store file, no annotation and no commit.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig } from "../../generators/stack.js";
import { formatPlan, names, type Plan } from "../../tools/bootstrap/plan.js";
import { repositorySecretName, repositoryStep } from "../../tools/bootstrap/repository.js";
import { Runner } from "../../tools/bootstrap/run.js";
import { up, type Sim } from "../../tools/sim/cluster.js";
import { waitFor } from "../../tools/sim/probe.js";
import { startGitServer, type GitServer } from "../support/git-server.js";
import { argocdTools, controlPlane, missingSimTools } from "./requirements.js";

const missing = missingSimTools(...[...controlPlane, ...argocdTools]);
const user = "argocd-reader";
const token = `tok-${Date.now().toString(36)}-never-printed`;

function git(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      "git",
      ["-c", "user.name=sim", "-c", "user.email=sim@stackwave.invalid", ...args],
      { cwd, env: { PATH: process.env.PATH, HOME: cwd, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1" } },
      (error, stdout, stderr) => (error ? reject(new Error(`git ${args.join(" ")}: ${stderr}`)) : resolve(stdout)),
    ),
  );
}

describe.skipIf(missing.length > 0)("GIVEN Argo CD on the simulated cluster and a git remote that requires credentials", () => {
  let sim: Sim;
  let server: GitServer;
  let scratch: string;
  let repoURL: string;
  const logged: string[] = [];
  let plan: Plan;

  const appStatus = async () =>
    JSON.parse(await sim.kubectl(["get", "application", "private", "-n", "argocd", "-o", "json"])) as {
      status?: { sync?: { status?: string }; health?: { status?: string }; conditions?: { type: string; message: string }[] };
    };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "stackwave-sim-repo-"));
    sim = await up({ dir: join(scratch, "sim") });
    server = await startGitServer({
      dataDir: join(scratch, "git"),
      env: { GIT_AUTH_USER: user, GIT_AUTH_PASSWORD: token, GIT_INIT_REPOS: "private" },
    });
    repoURL = `${server.url}/private.git`;
    // The fixture: one ConfigMap, pushed with the credentials as a header (never in a URL or the repo).
    const src = join(scratch, "src");
    mkdirSync(join(src, "app"), { recursive: true });
    writeFileSync(
      join(src, "app", "configmap.yaml"),
      yaml.dump({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "from-private-remote", namespace: "default" },
        data: { ok: "yes" },
      }),
    );
    await git(src, ["init", "--quiet", "--initial-branch=main"]);
    await git(src, ["add", "."]);
    await git(src, ["commit", "--quiet", "-m", "fixture"]);
    const header = `Authorization: Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`;
    await git(src, ["-c", `http.extraHeader=${header}`, "push", "--quiet", repoURL, "HEAD:refs/heads/main"]);
  });

  afterAll(async () => {
    await server?.stop();
    await sim?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("WHEN an Application names the remote before any credentials exist THEN Argo CD reports the refusal", async () => {
    await sim.kubectl(
      ["apply", "-f", "-"],
      yaml.dump({
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        metadata: { name: "private", namespace: "argocd" },
        spec: {
          project: "default",
          source: { repoURL, targetRevision: "main", path: "app" },
          destination: { server: "https://kubernetes.default.svc", namespace: "default" },
          syncPolicy: { automated: {} },
        },
      }),
    );
    await waitFor(
      undefined,
      "a comparison error",
      async () => {
        const errors = (await appStatus()).status?.conditions?.filter((c) => c.type === "ComparisonError") ?? [];
        if (!errors.some((c) => /authentication required|401/i.test(c.message))) throw new Error(JSON.stringify(errors));
      },
      180_000,
    );
  });

  it("WHEN bootstrap's repository step runs with STACKWAVE_GIT_TOKEN THEN the Application syncs from the remote", async () => {
    const config = defaultConfig();
    const prod = config.clusters.find((c) => c.name === "prod")!;
    const cluster = { ...prod, repoURL };
    const n = names({ config, cluster, stateDir: join(scratch, "state"), context: "sim" });
    plan = {
      mode: "up",
      cluster: cluster.name,
      steps: [
        { name: "state", title: "secrets", details: [], actions: [{ kind: "secrets", path: n.secretsFile }], hint: "" },
        repositoryStep(cluster, n, "https"),
      ],
    };
    const runner = new Runner({
      root: repoRoot,
      binDir: ".bin",
      verbose: true,
      log: (line) => logged.push(line),
      env: { ...sim.env, STACKWAVE_GIT_TOKEN: token, STACKWAVE_GIT_USERNAME: user },
    });
    await runner.run(plan);
    // A hard refresh retries the comparison now instead of after the error backoff.
    await sim.kubectl(["annotate", "--overwrite", "application", "private", "-n", "argocd", "argocd.argoproj.io/refresh=hard"]);
    await waitFor(
      undefined,
      "Application Synced and Healthy",
      async () => {
        const s = (await appStatus()).status;
        if (s?.sync?.status !== "Synced" || s.health?.status !== "Healthy") throw new Error(`${s?.sync?.status}/${s?.health?.status}`);
      },
      180_000,
    );
    expect(await sim.kubectl(["get", "configmap", "from-private-remote", "-n", "default", "-o", "jsonpath={.data.ok}"])).toBe("yes");
    const secret = JSON.parse(await sim.kubectl(["get", "secret", repositorySecretName, "-n", "argocd", "-o", "json"])) as {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      data: Record<string, string>;
    };
    expect(secret.metadata.labels["argocd.argoproj.io/secret-type"]).toBe("repository");
    expect(Buffer.from(secret.data.password!, "base64").toString()).toBe(token);
    // Server-side apply: no last-applied copy of the token in an annotation.
    expect(Object.keys(secret.metadata.annotations ?? {})).not.toContain("kubectl.kubernetes.io/last-applied-configuration");
  });

  it("WHEN everything written on the way is read THEN the token is in none of it: plan, bootstrap's output, the store, Argo CD's logs, the repository", async () => {
    expect(plan, "the previous test ran").toBeDefined();
    expect(formatPlan(plan)).toContain("<secret:gitPassword>");
    expect(formatPlan(plan)).not.toContain(token);
    expect(logged.join("\n")).not.toContain(token);
    const state = join(scratch, "state");
    for (const file of readdirSync(state)) expect(readFileSync(join(state, file), "utf8"), file).not.toContain(token);
    const logs = join(sim.dir, "logs");
    for (const file of readdirSync(logs)) expect(readFileSync(join(logs, file), "utf8"), file).not.toContain(token);
    const history = await git(scratch, ["--git-dir", join(server.dataDir, "private.git"), "log", "-p", "--all"]);
    expect(history).toContain("from-private-remote");
    expect(history).not.toContain(token);
  });
});
