import { describe, expect, it } from "vitest";
import type { ClusterConfig } from "../../generators/config.js";
import { argocdSecretKeys } from "../../generators/clusters/argocd.js";
import { defaultConfig, layers } from "../../generators/stack.js";
import { argocd, cliTools, imageString, localRegistry } from "../../generators/versions.js";
import {
  downPlan,
  fillSecrets,
  formatArgv,
  formatPlan,
  isSecretRef,
  names,
  SecretRef,
  upPlan,
  type Action,
  type CommandAction,
  type PlanInput,
} from "../../tools/bootstrap/plan.js";
import { loadApplications } from "../../tools/bootstrap/applications.js";
import { endpoints, formatEndpoints } from "../../tools/bootstrap/endpoints.js";

const config = defaultConfig();
const local = config.clusters.find((c) => c.name === "local")!;
const applications = await loadApplications(config, local);

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    config,
    cluster: local,
    commit: "0123456789ab",
    platform: "linux-amd64",
    pagerduty: false,
    waitTimeoutMs: 15 * 60_000,
    binDir: ".bin",
    stateDir: ".stackwave",
    applications,
    ...overrides,
  };
}

const commands = (actions: readonly Action[]) => actions.filter((a): a is CommandAction => a.kind === "command");
const argvText = (a: CommandAction) => formatArgv(a.argv);
const allCommands = (plan: ReturnType<typeof upPlan>) => plan.steps.flatMap((s) => commands(s.actions).map(argvText));

describe("GIVEN the default configuration and the local cluster", () => {
  const plan = upPlan(input());

  it("WHEN the up plan is built THEN its steps follow the bootstrap flow in order", () => {
    expect(plan.steps.map((s) => s.name)).toEqual([
      "tools",
      "registry",
      "mirror",
      "cluster",
      "images",
      "state",
      "git-server",
      "chart",
      "crds",
      "secrets",
      "argocd",
      "root-app",
      "waves",
    ]);
  });

  it("WHEN the commands are listed THEN the registry runs before the cluster, the cluster before the images, Helm before the root app", () => {
    const all = allCommands(plan);
    const at = (prefix: string) => {
      const index = all.findIndex((c) => c.startsWith(prefix));
      expect(index, prefix).toBeGreaterThanOrEqual(0);
      return index;
    };
    expect(at(`docker run -d --restart=always -p 127.0.0.1:${localRegistry.hostPort}:5000`)).toBeLessThan(at("kind create cluster"));
    expect(at("kind create cluster")).toBeLessThan(at("docker network connect kind"));
    expect(at("docker network connect kind")).toBeLessThan(at("docker build"));
    expect(at("docker build")).toBeLessThan(at("git push local"));
    expect(at("git push local")).toBeLessThan(at("helm upgrade --install"));
    expect(at("helm upgrade --install")).toBeLessThan(at("kubectl --context kind-stackwave-local apply -f clusters/local/root-app.yaml"));
    // The root's AppProject must exist before the root Application that uses it.
    const applies = applications.bootstrapFiles.map((file) => at(`kubectl --context kind-stackwave-local apply -f ${file}`));
    expect(applications.bootstrapFiles.at(-1)).toBe("clusters/local/root-app.yaml");
    expect(applies).toEqual([...applies].sort((a, b) => a - b));
  });

  it("WHEN the tools step is read THEN each CLI tool is pinned to versions.ts with a sha256 and skipped when already present", () => {
    const downloads = plan.steps[0]!.actions.filter((a) => a.kind === "download");
    expect(downloads.map((d) => [d.tool, d.version])).toEqual(Object.entries(cliTools));
    for (const d of downloads) {
      expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(d.url).toContain(d.version);
      expect(d.skipIf.kind).toBe("tool");
    }
  });

  it("WHEN the cluster step is read THEN it creates the cluster from the generated kind config and writes hosts.toml on the node", () => {
    const step = plan.steps.find((s) => s.name === "cluster")!;
    const cmds = commands(step.actions);
    expect(cmds.map(argvText)).toContain("kind create cluster --name stackwave-local --config clusters/local/kind-config.yaml --wait 180s");
    const hosts = cmds.filter((c) => c.argv.includes("-i") && c.stdin && "text" in c.stdin);
    expect(hosts.map((c) => c.argv[3])).toEqual(["stackwave-local-control-plane"]);
    expect(hosts[0]!.stdin).toEqual({ text: expect.stringContaining(`[host."http://${localRegistry.containerName}:5000"]`) });
    const configMap = cmds.find((c) => c.stdin && "objects" in c.stdin)!;
    expect(configMap.stdin).toMatchObject({
      objects: [{ kind: "ConfigMap", metadata: { name: "local-registry-hosting", namespace: "kube-public" } }],
    });
    expect(step.details).toContain(`node image ${imageString(config.images.kindNode)}`);
  });

  it("WHEN the images step is read THEN each image is tagged with the manifests' content tag AND the commit", () => {
    const builds = commands(plan.steps.find((s) => s.name === "images")!.actions).filter((c) => c.argv[1] === "build");
    expect(builds).toHaveLength(3);
    for (const [image, app] of [
      ["guestbookBackend", "backend"],
      ["guestbookFrontend", "frontend"],
      ["gitServer", "git-server"],
    ] as const) {
      const ref = config.images[image];
      const build = builds.find((b) => b.argv.includes(`apps/${app}/Dockerfile`))!;
      expect(build.argv).toContain(`${ref.registry}/${ref.repository}:${ref.tag}`);
      expect(build.argv).toContain(`${ref.registry}/${ref.repository}:0123456789ab`);
      expect(build.argv.at(-1)).toBe(".");
    }
  });

  it("WHEN secrets appear in the plan THEN they are references only: helm reads them on stdin, the git server from its environment", () => {
    const helm = commands(plan.steps.find((s) => s.name === "argocd")!.actions)[0]!;
    expect(helm.argv.some(isSecretRef)).toBe(false);
    // The chart mirror's file (helm pull), checked against the pin before the chart step pushes it.
    expect(helm.argv).toEqual(expect.arrayContaining([`.stackwave/charts/argo-cd-${argocd.chart.version}.tgz`, "-f", "-"]));
    const values = (helm.stdin as { objects: object[] }).objects[0]!;
    const filled = fillSecrets(values, (name) => `value-of-${name}`) as { configs: { secret: Record<string, string> } };
    // The keys come from the Argo CD generator's contract.
    for (const key of Object.values(argocdSecretKeys))
      expect(key.split(".").reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], filled)).toMatch(/^value-of-/);
    const gitRun = commands(plan.steps.find((s) => s.name === "git-server")!.actions).find((c) => c.argv[1] === "run")!;
    expect(gitRun.argv.some(isSecretRef)).toBe(false);
    expect(gitRun.argv).toContain("WEBHOOK_SECRET");
    expect(gitRun.env).toEqual({ WEBHOOK_SECRET: new SecretRef("webhookSecret") });
  });

  it("WHEN the git server step is read THEN the container is the host Argo CD clones from and the webhook targets the Argo CD NodePort on the node", () => {
    const n = names(input());
    expect(local.repoURL).toContain(`//${n.gitContainer}:${n.gitPort}/`);
    const run = commands(plan.steps.find((s) => s.name === "git-server")!.actions).find((c) => c.argv[1] === "run")!;
    expect(run.argv).toEqual(
      expect.arrayContaining([
        "--network",
        "kind",
        "-p",
        `127.0.0.1:${local.ports.gitServer}:${n.gitPort}`,
        "-e",
        "WEBHOOK_URL=http://stackwave-local-control-plane:30080/api/webhook",
      ]),
    );
    expect(allCommands(plan)).toContain(`git remote add local http://127.0.0.1:${local.ports.gitServer}/stackwave.git`);
  });

  it("WHEN PAGERDUTY_ROUTING_KEY is not set THEN no pagerduty Secret is planned, and WHEN it is THEN the Secret carries routing-key and the pager switch in monitoring", () => {
    const secretsOf = (pagerduty: boolean) =>
      commands(upPlan(input({ pagerduty })).steps.find((s) => s.name === "secrets")!.actions).flatMap((c) =>
        c.stdin && "objects" in c.stdin ? c.stdin.objects : [],
      ) as {
        kind: string;
        metadata: { name: string; namespace?: string };
        stringData?: Record<string, unknown>;
      }[];
    expect(secretsOf(false).map((o) => o.metadata.name)).not.toContain("pagerduty");
    const pd = secretsOf(true).find((o) => o.metadata.name === "pagerduty")!;
    expect(pd.metadata.namespace).toBe("monitoring");
    expect(pd.stringData).toEqual({ "routing-key": new SecretRef("pagerdutyRoutingKey"), pager: "pagerduty" });
    const mongo = secretsOf(false)
      .filter((o) => o.metadata.name === "mongodb-credentials")
      .map((o) => o.metadata.namespace);
    expect(mongo.sort()).toEqual(["guestbook", "monitoring"]);
    expect(secretsOf(false).find((o) => o.metadata.name === "grafana-admin")?.stringData).toHaveProperty("admin-password");
    // Namespaces are applied before the Secrets that live in them.
    const kinds = secretsOf(false).map((o) => o.kind);
    expect(kinds.lastIndexOf("Namespace")).toBeLessThan(kinds.indexOf("Secret"));
  });

  it("WHEN the plan is printed THEN it shows pinned versions and placeholders, never a secret value", () => {
    const text = formatPlan(upPlan(input({ pagerduty: true })));
    for (const version of [
      ...Object.values(cliTools),
      argocd.chart.version,
      argocd.version,
      imageString(localRegistry.image),
      imageString(config.images.kindNode),
    ])
      expect(text).toContain(version);
    expect(text).toContain("<secret:webhookSecret>");
    expect(text).toContain("<secret:argocdAdminPasswordHash>");
    expect(text).not.toContain("[object Object]");
  });

  it("WHEN the waves step is read THEN it waits for every layer's Application in wave order, plus the root", () => {
    const wait = plan.steps.at(-1)!.actions[0]!;
    expect(wait.kind).toBe("wait-waves");
    if (wait.kind !== "wait-waves") return;
    expect(wait.root).toBe("stackwave");
    for (const layer of layers) expect(wait.apps).toContainEqual({ name: layer.name, wave: layer.wave });
    const waves = wait.apps.map((a) => a.wave);
    expect(waves).toEqual([...waves].sort((a, b) => a - b));
    expect(wait.apps).toEqual(applications.children);
  });
});

describe("GIVEN a cluster with two workers", () => {
  const cluster: ClusterConfig = { ...local, workers: 2 };

  it("WHEN the plan is built THEN hosts.toml is written on every node, named the way kind names them", () => {
    const cmds = commands(upPlan(input({ cluster })).steps.find((s) => s.name === "cluster")!.actions);
    const nodes = cmds.filter((c) => c.stdin && "text" in c.stdin).map((c) => c.argv[3]);
    expect(nodes).toEqual(["stackwave-local-control-plane", "stackwave-local-worker", "stackwave-local-worker2"]);
  });
});

describe("GIVEN the down plan", () => {
  const plan = downPlan(input());
  const all = plan.steps.flatMap((s) => commands(s.actions).map(argvText));

  it("WHEN it is read THEN it deletes the cluster, both containers, the git volume, the remote and .stackwave/ but keeps .bin/", () => {
    expect(all).toEqual(
      expect.arrayContaining([
        "docker rm -f -v stackwave-local-control-plane",
        "kubectl config delete-context kind-stackwave-local",
        "kubectl config delete-cluster kind-stackwave-local",
        "kubectl config delete-user kind-stackwave-local",
        "docker rm -f -v stackwave-registry",
        "docker rm -f stackwave-git",
        "docker volume rm stackwave-git-data",
        "git remote remove local",
      ]),
    );
    const removes = plan.steps.flatMap((s) => s.actions).filter((a) => a.kind === "remove");
    expect(removes).toEqual([{ kind: "remove", path: ".stackwave" }]);
  });

  it("WHEN it is read THEN it needs only Docker: nothing is downloaded and kind is not called", () => {
    expect(plan.steps.flatMap((s) => s.actions).filter((a) => a.kind === "download")).toEqual([]);
    expect(all.filter((c) => c.startsWith("kind "))).toEqual([]);
  });

  it("WHEN the cluster has workers THEN every node container is removed", () => {
    const nodes = commands(downPlan(input({ cluster: { ...local, workers: 2 } })).steps[0]!.actions)
      .filter((c) => c.argv[0] === "docker")
      .map((c) => c.argv.at(-1));
    expect(nodes).toEqual(["stackwave-local-control-plane", "stackwave-local-worker", "stackwave-local-worker2"]);
  });

  it("WHEN something is already gone THEN its removal is skipped rather than failing", () => {
    const guarded = plan.steps.flatMap((s) => commands(s.actions));
    for (const c of guarded) expect(c.skipIf, argvText(c)).toMatchObject({ kind: "command", negate: true });
  });
});

describe("GIVEN argv with secrets and odd characters", () => {
  it("WHEN formatted THEN secrets show as placeholders and arguments are quoted for a shell", () => {
    expect(formatArgv(["sh", "-c", "echo it's", new SecretRef("webhookSecret")])).toBe(`sh -c 'echo it'\\''s' <secret:webhookSecret>`);
  });

  it("WHEN secrets are filled THEN nested references are replaced and nothing else changes", () => {
    const filled = fillSecrets({ a: [new SecretRef("mongodbPassword"), "x"], b: { c: new SecretRef("webhookSecret"), d: 1 } }, (n) =>
      n.toUpperCase(),
    );
    expect(filled).toEqual({ a: ["MONGODBPASSWORD", "x"], b: { c: "WEBHOOKSECRET", d: 1 } });
  });
});

describe("GIVEN a finished bring-up", () => {
  it("WHEN the endpoints are listed THEN every UI, the guestbook and the git remote appear on the cluster's ports with how to log in", () => {
    const n = names(input());
    const list = endpoints(local, n);
    const byName = Object.fromEntries(list.map((e) => [e.name, e]));
    expect(byName["Argo CD"]?.url).toBe(`http://localhost:${local.ports.argocd}`);
    expect(byName["Argo CD"]?.login).toContain(".stackwave/secrets.json");
    expect(byName.Grafana?.url).toBe(`http://localhost:${local.ports.grafana}`);
    expect(byName.Grafana?.login).toContain("get secret grafana-admin");
    expect(byName.Prometheus?.url).toBe(`http://localhost:${local.ports.prometheus}`);
    expect(byName.Alertmanager?.url).toBe(`http://localhost:${local.ports.alertmanager}`);
    expect(byName.Guestbook?.url).toBe(`http://localhost:${local.ports.guestbook}`);
    expect(byName["Git remote"]?.url).toBe(n.gitRemoteURL);
    expect(formatEndpoints(list).split("\n")).toHaveLength(list.length * 2);
  });
});
