// Bootstrap onto an existing cluster: the plan (no Kind, no registry, no local git server; the repository
// Secret with credentials from the environment only), preflight's four cluster checks, and the command line.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import type { Requests } from "../../generators/requests.js";
import { defaultConfig } from "../../generators/stack.js";
import { evaluateAccess, type AccessFacts } from "../../tools/bootstrap/access.js";
import { loadApplications } from "../../tools/bootstrap/applications.js";
import { appImages, existingPlan, existingSummary } from "../../tools/bootstrap/existing.js";
import { fillSecrets, formatPlan, isSecretRef, type CommandAction, type PlanInput } from "../../tools/bootstrap/plan.js";
import { repositoryAuth, repositorySecretName } from "../../tools/bootstrap/repository.js";
import { environmentSecrets, loadSecrets } from "../../tools/bootstrap/secrets.js";
import { testDir } from "../support/temp.js";

const config = defaultConfig();
const prod = config.clusters.find((c) => c.name === "prod")!;
const applications = await loadApplications(config, prod);
const input: PlanInput & { context: string } = {
  config,
  cluster: prod,
  commit: "0123456789ab",
  platform: "linux-amd64",
  pagerduty: false,
  waitTimeoutMs: 60_000,
  binDir: ".bin",
  stateDir: ".stackwave",
  applications,
  context: "team-prod",
};
const commands = (plan: ReturnType<typeof existingPlan>) =>
  plan.steps.flatMap((s) => s.actions).filter((a): a is CommandAction => a.kind === "command");
const token = "tok-0123456789-do-not-print";

describe("GIVEN the prod cluster (runtime existing) and a context", () => {
  it("WHEN the plan is built THEN it has the Kind plan's Secrets, Helm install, root app and wave wait, and no Kind, registry, image or git-server step", () => {
    const plan = existingPlan(input, "https");
    expect(plan.steps.map((s) => s.name)).toEqual(["tools", "state", "secrets", "repository", "argocd", "root-app", "waves"]);
    const programs = new Set(commands(plan).map((c) => c.argv[0]));
    expect([...programs].sort()).toEqual(["helm", "kubectl"]);
    // Every cluster command goes to the given context, never a kind-* one.
    for (const c of commands(plan)) {
      const flag = c.argv[0] === "helm" ? "--kube-context" : "--context";
      expect(c.argv[c.argv.indexOf(flag) + 1], c.argv.join(" ")).toBe("team-prod");
    }
    const wait = plan.steps.find((s) => s.name === "waves")!.actions[0]!;
    expect(wait).toMatchObject({ kind: "wait-waves", context: "team-prod" });
    expect(plan.steps.find((s) => s.name === "tools")!.details).toEqual(["kubectl v1.32.8", "helm v3.19.0"]);
  });

  it("WHEN the remote takes a token THEN the repository Secret carries it as a reference, labelled for Argo CD, applied server-side, and --dry-run shows only the placeholder", () => {
    const plan = existingPlan(input, "https");
    const step = plan.steps.find((s) => s.name === "repository")!;
    const action = step.actions[0] as CommandAction;
    expect(action.argv).toContain("--server-side");
    const secret = (action.stdin as { objects: Record<string, any>[] }).objects[0]!; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(secret.metadata).toMatchObject({
      name: repositorySecretName,
      namespace: "argocd",
      labels: { "argocd.argoproj.io/secret-type": "repository" },
    });
    expect(secret.stringData.url).toBe(prod.repoURL);
    expect(isSecretRef(secret.stringData.password)).toBe(true);
    expect(isSecretRef(secret.stringData.username)).toBe(true);
    const filled = fillSecrets(secret, (name) => (name === "gitPassword" ? token : "git")) as { stringData: Record<string, string> };
    expect(filled.stringData).toMatchObject({ username: "git", password: token, type: "git" });
    const text = formatPlan(plan);
    expect(text).toContain("<secret:gitPassword>");
    expect(text).not.toContain(token);
  });

  it("WHEN the remote is ssh THEN the Secret holds the deploy key reference and no password", () => {
    const secret = (
      existingPlan({ ...input, cluster: { ...prod, repoURL: "git@git.example.com:team/stackwave.git" } }, "ssh").steps.find(
        (s) => s.name === "repository",
      )!.actions[0] as CommandAction
    ).stdin as {
      objects: { stringData: Record<string, unknown> }[];
    };
    expect(Object.keys(secret.objects[0]!.stringData).sort()).toEqual(["name", "sshPrivateKey", "type", "url"]);
  });
});

describe("GIVEN a finished bring-up", () => {
  it("WHEN the summary is printed THEN it names the Ingress hosts and the webhook URL and how to read its secret, not the secret itself", () => {
    const text = existingSummary(input);
    const hosts = config.environments.find((e) => e.name === "ha")!.production!.ingress!.hosts;
    expect(text).toContain(`Argo CD    https://${hosts.argocd}`);
    expect(text).toContain(`Grafana    https://${hosts.grafana}`);
    expect(text).toContain(`URL     https://${hosts.argocd}/api/webhook`);
    expect(text).toContain(`secret  node -p "require('./.stackwave/secrets.json').webhookSecret"`);
  });
});

describe("GIVEN credentials in the environment", () => {
  it("WHEN they do not fit the remote THEN one line names the variable and what it expects", () => {
    const https = "https://git.example.com/team/stackwave.git";
    const ssh = "git@git.example.com:team/stackwave.git";
    expect(repositoryAuth(https, { STACKWAVE_GIT_TOKEN: token })).toEqual({ auth: "https" });
    expect(repositoryAuth(https, {})).toEqual({ auth: "none" });
    expect(repositoryAuth(ssh, { STACKWAVE_GIT_SSH_KEY_FILE: "/k" })).toEqual({ auth: "ssh" });
    expect(repositoryAuth(ssh, {})).toEqual({
      problem: `STACKWAVE_GIT_SSH_KEY_FILE: expected the path of a deploy key for the ssh remote ${ssh}`,
    });
    expect(repositoryAuth(ssh, { STACKWAVE_GIT_TOKEN: token, STACKWAVE_GIT_SSH_KEY_FILE: "/k" })).toMatchObject({
      problem: expect.stringMatching(/^STACKWAVE_GIT_TOKEN: .* is an ssh remote/),
    });
    expect(repositoryAuth(https, { STACKWAVE_GIT_SSH_KEY_FILE: "/k" })).toMatchObject({
      problem: expect.stringMatching(/^STACKWAVE_GIT_SSH_KEY_FILE: .* is an https remote/),
    });
    expect(repositoryAuth("http://git.example.com/s.git", { STACKWAVE_GIT_TOKEN: token })).toMatchObject({
      problem: expect.stringMatching(/plain http/),
    });
    expect(repositoryAuth("http://127.0.0.1:18071/s.git", { STACKWAVE_GIT_TOKEN: token })).toEqual({ auth: "https" });
  });

  it("WHEN the secrets load THEN the token and the deploy key are used but never written to the store", async () => {
    const dir = testDir("existing-secrets");
    const key = join(dir, "deploy-key");
    writeFileSync(key, "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", { mode: 0o600 });
    const store = join(dir, "secrets.json");
    const loaded = await loadSecrets(store, { STACKWAVE_GIT_TOKEN: token, STACKWAVE_GIT_SSH_KEY_FILE: key });
    expect(loaded.gitPassword).toBe(token);
    expect(loaded.gitUsername).toBe("git");
    expect(loaded.gitSshPrivateKey).toContain("BEGIN OPENSSH PRIVATE KEY");
    const written = readFileSync(store, "utf8");
    expect(written).not.toContain(token);
    expect(written).not.toContain("OPENSSH");
  });

  it("WHEN the key file is missing or not a key THEN the variable and the file are named", () => {
    const dir = testDir("existing-key");
    const notKey = join(dir, "id.pub");
    writeFileSync(notKey, "ssh-ed25519 AAAA user@host\n");
    expect(() => environmentSecrets({ STACKWAVE_GIT_SSH_KEY_FILE: join(dir, "nope") })).toThrow(
      /^STACKWAVE_GIT_SSH_KEY_FILE: expected a readable private key file, got ".*nope": ENOENT$/,
    );
    expect(() => environmentSecrets({ STACKWAVE_GIT_SSH_KEY_FILE: notKey })).toThrow(
      /^STACKWAVE_GIT_SSH_KEY_FILE: expected a PEM or OpenSSH private key file/,
    );
  });
});

const GiB = 2 ** 30;
const need: Requests = {
  total: { cpuMillis: 3000, memoryBytes: 6 * GiB },
  perNode: { cpuMillis: 100, memoryBytes: 0.25 * GiB },
  largest: { cpuMillis: 1000, memoryBytes: 2 * GiB, name: "prometheus-k8s" },
  pods: 20,
};
const node = (name: string, cpuMillis: number, gib: number, zone?: string) => ({
  name,
  schedulable: true,
  cpuMillis,
  memoryBytes: gib * GiB,
  ...(zone ? { zone } : {}),
});
const healthy: AccessFacts = {
  context: "team-prod",
  contexts: ["kind-stackwave-local", "team-prod"],
  server: { version: "v1.32.8" },
  access: [
    { group: "apiextensions.k8s.io", resource: "customresourcedefinitions", allowed: true },
    { group: "", resource: "namespaces", allowed: true },
    { group: "rbac.authorization.k8s.io", resource: "clusterroles", allowed: true },
    { group: "rbac.authorization.k8s.io", resource: "clusterrolebindings", allowed: true },
  ],
  storageClasses: [{ name: "standard", isDefault: true }],
  nodes: [node("a", 2000, 4, "z1"), node("b", 2000, 4, "z2"), node("c", 2000, 4, "z3")],
};
const fails = (facts: AccessFacts) =>
  evaluateAccess(facts, need, "ha")
    .filter((f) => f.status === "fail")
    .map((f) => `${f.check}: ${f.message}`);

describe("GIVEN an environment for an existing cluster", () => {
  const ha = config.environments.find((e) => e.name === prod.environment)!;
  it("WHEN it has no appRegistry THEN the images check fails naming the Kind registry's references and the field to set", () => {
    const bare = { ...ha, production: { ...ha.production!, appRegistry: undefined as never } };
    const [finding] = appImages(config, bare);
    expect(finding).toMatchObject({ check: "images", status: "fail" });
    expect(finding!.message).toBe(
      `localhost:5001/guestbook-backend:${config.images.guestbookBackend.tag}, localhost:5001/guestbook-frontend:${config.images.guestbookFrontend.tag}: the Kind registry, which cluster nodes cannot reach`,
    );
    expect(finding!.fix).toContain("production.appRegistry of environment ha");
  });
});

describe("GIVEN what an existing cluster answered", () => {
  it("WHEN everything is in place THEN every check passes and says what it saw", () => {
    const findings = evaluateAccess(healthy, need, "ha");
    expect(findings.map((f) => [f.check, f.status])).toEqual([
      ["context", "ok"],
      ["access", "ok"],
      ["storage", "ok"],
      ["nodes", "ok"],
    ]);
    expect(findings[3]!.message).toBe(
      "3 schedulable nodes in 3 zones: 6.00 CPU and 12.0 GiB allocatable for 3.30 CPU and 6.8 GiB requested",
    );
  });

  it("WHEN the context is missing or does not answer THEN that is the one line, and nothing else is judged", () => {
    expect(fails({ ...healthy, context: "prod" })).toEqual([
      'context: kubeconfig has no context "prod" (it has: kind-stackwave-local, team-prod)',
    ]);
    expect(fails({ ...healthy, server: { error: "connect ECONNREFUSED 10.0.0.1:6443" } })).toEqual([
      'context: context "team-prod" does not answer: connect ECONNREFUSED 10.0.0.1:6443',
    ]);
  });

  it("WHEN rights, the default StorageClass and room are missing THEN each is its own line naming what is missing", () => {
    const facts: AccessFacts = {
      ...healthy,
      access: healthy.access!.map((a) => ({ ...a, allowed: a.group !== "rbac.authorization.k8s.io" })),
      storageClasses: [{ name: "slow", isDefault: false }],
      nodes: [node("a", 1000, 2), { ...node("b", 4000, 8), schedulable: false }],
    };
    expect(fails(facts)).toEqual([
      'access: context "team-prod" may not create clusterroles.rbac.authorization.k8s.io, clusterrolebindings.rbac.authorization.k8s.io, which the platform needs',
      "storage: no default StorageClass (of 1): the claims of Prometheus, Alertmanager and MongoDB would stay Pending",
      "nodes: 1 schedulable node have 1.00 CPU and 2.0 GiB allocatable; the ha environment requests 3.10 CPU and 6.3 GiB",
    ]);
  });

  it("WHEN the total fits but no node can hold the largest pod THEN that pod is named", () => {
    expect(fails({ ...healthy, nodes: [node("a", 900, 8), node("b", 900, 8), node("c", 900, 8), node("d", 900, 8)] })).toEqual([
      "nodes: no node has room for prometheus-k8s (1.00 CPU, 2.0 GiB); the largest, a, has 0.90 CPU and 8.0 GiB",
    ]);
  });
});

/** `node bootstrap.mjs ...` as a user runs it, with CI=true and no terminal. */
function bootstrap(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bootstrap.mjs", ...args], {
      cwd: repoRoot,
      env: { ...process.env, CI: "true", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("GIVEN the command line", () => {
  it("WHEN --dry-run runs for prod with a token and a kubeconfig without that context THEN it prints the plan and the failed context, and never the token", async () => {
    const dir = testDir("existing-cli");
    const kubeconfig = join(dir, "config");
    writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");
    const { code, out } = await bootstrap(["--cluster", "prod", "--context", "team-prod", "--dry-run"], {
      KUBECONFIG: kubeconfig,
      STACKWAVE_GIT_TOKEN: token,
    });
    expect(code).toBe(0);
    expect(out).toContain("[4/7] repository:");
    expect(out).toContain('✗ context: kubeconfig has no context "team-prod" (it has: none)');
    // The guestbook images it will pull, from the environment's registry, with their source tags.
    const ha = config.environments.find((e) => e.name === prod.environment)!;
    const pulled = [config.images.guestbookBackend, config.images.guestbookFrontend].map(
      (i) => `${ha.production!.appRegistry}/${i.repository}:${i.tag}`,
    );
    expect(out).toContain(`! images: the apps wave pulls ${pulled.join(" and ")}, which bootstrap does not push`);
    expect(out).not.toContain(token);
  }, 120_000);

  it("WHEN --context is given for a Kind cluster THEN it exits 2 naming the flag", async () => {
    const { code, out } = await bootstrap(["--cluster", "local", "--context", "x", "--dry-run"], {});
    expect(code).toBe(2);
    expect(out.split("\n")[0]).toBe(
      "--context is for existing clusters; cluster local is a Kind cluster whose context bootstrap names itself",
    );
  }, 120_000);
});
