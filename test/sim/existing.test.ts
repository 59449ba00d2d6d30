// The whole `existing` bootstrap on the simulated cluster: `node bootstrap.mjs --cluster prod --context sim`, the
// real command, against three nodes in three zones, with the stackwave repository on a git server that requires
// credentials. Bootstrap runs every step (Secrets, the repository Secret from the environment, the Helm install
// of the pinned chart, the root Application, the wave wait) and ends with every Application Synced and Healthy.
// kwok only pretends to run the chart's Argo CD pods, so the test starts the real Argo CD processes on the
// settings the Helm release put in, and it stands in for an ingress controller by filling in Ingress status.
// The token is in no output, no log, no commit and no object other than the repository Secret.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { argocd, prometheusOperator } from "../../generators/versions.js";
import { chartMirrorTag } from "../../generators/clusters/applications.js";
import { pushChartMirror } from "../../tools/bootstrap/chart.js";
import { pushCrdMirror } from "../../tools/bootstrap/crds.js";
import { repositorySecretName } from "../../tools/bootstrap/repository.js";
import { up, type Sim } from "../../tools/sim/cluster.js";
import { waitFor } from "../../tools/sim/probe.js";
import { startGitServer, type GitServer } from "../support/git-server.js";
import { argocdTools, controlPlane, missingSimTools } from "./requirements.js";
import { snapshot, type Checkout } from "./working-copy.js";

const chart = join(repoRoot, "..", "shared", "charts", `argo-cd-${argocd.chart.version}.tgz`);
const missing = [
  ...missingSimTools(...controlPlane, ...argocdTools, "helm", "prometheus-operator"),
  ...(statSync(chart, { throwIfNoEntry: false }) ? [] : [chart]),
];
const zones = ["zone-a", "zone-b", "zone-c"];
const user = "argocd-reader";
const token = `tok-${Date.now().toString(36)}-never-printed`;
const crdPath = "example/prometheus-operator-crd";

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

interface App {
  metadata: { name: string };
  status?: { sync?: { status?: string }; health?: { status?: string; message?: string } };
}

describe.skipIf(missing.length > 0)("GIVEN three simulated nodes in three zones and the stackwave repository behind credentials", () => {
  let sim: Sim;
  let remote: GitServer;
  let mirrors: GitServer;
  let scratch: string;
  let checkout: Checkout;
  let env: NodeJS.ProcessEnv;
  let dryRun: Run;
  let run: Run;
  let minutes = 0;
  let stopIngress = false;
  let ingress: Promise<void> = Promise.resolve();

  const bootstrap = (args: readonly string[]): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["bootstrap.mjs", "--cluster", "prod", "--context", "sim", ...args], {
        cwd: checkout.dir,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, out, err }));
    });
  const applications = async (): Promise<App[]> =>
    (JSON.parse(await sim.kubectl(["-n", "argocd", "get", "applications", "-o", "json"])) as { items: App[] }).items;

  /** What an ingress controller does for every Ingress: publish an address, which Argo CD's health check waits for. */
  async function publishIngresses(): Promise<void> {
    while (!stopIngress) {
      try {
        const list = JSON.parse(await sim.kubectl(["get", "ingresses", "--all-namespaces", "-o", "json"])) as {
          items: { metadata: { name: string; namespace: string }; status?: { loadBalancer?: { ingress?: unknown[] } } }[];
        };
        for (const i of list.items.filter((i) => !i.status?.loadBalancer?.ingress?.length))
          await sim.kubectl([
            "-n",
            i.metadata.namespace,
            "patch",
            "ingress",
            i.metadata.name,
            "--subresource=status",
            "--type=merge",
            "-p",
            JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } } }),
          ]);
      } catch {
        // The API server or the CRD is not there yet; try again.
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "stackwave-sim-existing-"));
    sim = await up({ dir: join(scratch, "sim"), argocd: "later", prometheusOperator: true, nodes: 3, zones });
    // A default StorageClass (preflight asks for one) with static volumes: fake nodes have no provisioner.
    const volumes = Array.from({ length: 8 }, (_, i) => ({
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: `existing-volume-${i}` },
      spec: {
        capacity: { storage: "20Gi" },
        accessModes: ["ReadWriteOnce"],
        storageClassName: "standard",
        hostPath: { path: join(scratch, `volume-${i}`) },
      },
    }));
    const storageClass = {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: "kubernetes.io/no-provisioner",
      volumeBindingMode: "Immediate",
    };
    await sim.kubectl(["apply", "-f", "-"], [storageClass, ...volumes].map((o) => yaml.dump(o)).join("---\n"));

    // The CRDs and the chart from mirrors on a second server, as an air-gapped site would keep them; the
    // stackwave repository on one that answers only with the token.
    mirrors = await startGitServer({ dataDir: join(scratch, "mirrors") });
    remote = await startGitServer({
      dataDir: join(scratch, "remote"),
      env: { GIT_AUTH_USER: user, GIT_AUTH_PASSWORD: token, GIT_INIT_REPOS: "stackwave" },
    });
    await pushCrdMirror({
      version: prometheusOperator.version,
      path: crdPath,
      pushURL: `${mirrors.url}/prometheus-operator.git`,
      reposAPI: `${mirrors.url}/api/repos`,
      repo: "prometheus-operator",
      offline: true,
    });
    await pushChartMirror({
      file: chart,
      pushURL: `${mirrors.url}/argo-cd-chart.git`,
      reposAPI: `${mirrors.url}/api/repos`,
      repo: "argo-cd-chart",
      tag: chartMirrorTag(argocd.chart.version),
      pin: argocd.chart,
    });

    // The user's fork: prod pointed at the remote and the mirrors, regenerated and committed as the hook would.
    checkout = await snapshot(join(scratch, "checkout"));
    checkout.edit("generators/stack.ts", (text) =>
      text.replace(
        /(name: "prod",[\s\S]*?)repoURL: "[^"]*",([\s\S]*?)crdSource: \{ kind: "upstream" \},/,
        `$1repoURL: "${remote.url}/stackwave.git",$2crdSource: { kind: "mirror", repoURL: "${mirrors.url}/prometheus-operator.git", path: "${crdPath}" },
    chartSource: { kind: "mirror", repoURL: "${mirrors.url}/argo-cd-chart.git", path: "${argocd.chart.name}" },`,
      ),
    );
    await checkout.generate();
    await checkout.commit("prod: the fork on the credentialed remote, CRDs and chart from the mirrors");
    await new Promise<void>((resolve, reject) => {
      const basic = `Authorization: Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`;
      const git = spawn(
        "git",
        ["-c", `http.extraHeader=${basic}`, "push", "--quiet", `${remote.url}/stackwave.git`, "HEAD:refs/heads/main"],
        {
          cwd: checkout.dir,
          env: { PATH: process.env.PATH, HOME: scratch, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1" },
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let err = "";
      git.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
      git.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`git push to the remote: ${err}`))));
    });

    env = {
      ...process.env,
      CI: "true",
      PATH: sim.env.PATH,
      KUBECONFIG: sim.kubeconfig,
      STACKWAVE_GIT_USERNAME: user,
      STACKWAVE_GIT_TOKEN: token,
      STACKWAVE_GIT_SSH_KEY_FILE: "",
    };
    dryRun = await bootstrap(["--dry-run", "--chart", chart]);

    // Argo CD's processes start once the Helm release has put in its CRDs and settings (or not at all, if
    // bootstrap stops before that).
    let ended = false;
    const argo = waitFor(
      undefined,
      "the Helm release's argocd-cm, argocd-secret and Application CRD",
      async () => {
        if (!ended)
          await sim.kubectl(["-n", "argocd", "get", "configmap/argocd-cm", "secret/argocd-secret", "crd/applications.argoproj.io"]);
      },
      900_000,
    ).then(() => (ended ? undefined : sim.startArgocd()));
    // Handled here so an early failure is no unhandled rejection; awaited, and thrown, after bootstrap.
    argo.catch(() => undefined);
    ingress = publishIngresses();
    const t0 = Date.now();
    run = await bootstrap(["--chart", chart, "--timeout", "15m"]);
    minutes = (Date.now() - t0) / 60_000;
    ended = true;
    await argo;
    // Above bootstrap's own --timeout 15m and the 15 min wait for the release, so either reports first.
  }, 1_800_000);

  afterAll(async () => {
    stopIngress = true;
    await ingress;
    await remote?.stop();
    await mirrors?.stop();
    await sim?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("WHEN bootstrap runs with --dry-run THEN it prints the whole plan, the repository step included, without the token", () => {
    expect(dryRun.code, dryRun.err).toBe(0);
    expect(dryRun.out).toMatch(/dry run: nothing was changed/);
    expect(dryRun.out).toContain(repositorySecretName);
    expect(dryRun.out + dryRun.err).not.toContain(token);
  });

  it("WHEN bootstrap runs THEN it finishes, and every Application is Synced and Healthy", async () => {
    expect(run.code, `${run.out}\n${run.err}`).toBe(0);
    expect(run.out).toMatch(/✓ stackwave is up on cluster prod, context sim/);
    console.log(`existing bootstrap on the simulated cluster: ${minutes.toFixed(1)} min`);
    const apps = await applications();
    expect(apps.map((a) => a.metadata.name).sort()).toEqual(["apps", "argo-cd", "crds", "monitors", "operator", "platform", "stackwave"]);
    const unhealthy = apps.filter((a) => a.status?.sync?.status !== "Synced" || a.status?.health?.status !== "Healthy");
    expect(unhealthy.map((a) => `${a.metadata.name}: ${a.status?.sync?.status}/${a.status?.health?.status}`)).toEqual([]);
  });

  it("WHEN Argo CD is started a second time on the release's settings THEN the sim refuses, naming the call", async () => {
    await expect(sim.startArgocd()).rejects.toThrow("sim: startArgocd() was already called on this cluster");
  });

  it("WHEN Argo CD cloned the remote THEN the credentials came from the repository Secret bootstrap made from the environment", async () => {
    const secret = JSON.parse(await sim.kubectl(["-n", "argocd", "get", "secret", repositorySecretName, "-o", "json"])) as {
      metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
      data: Record<string, string>;
    };
    expect(secret.metadata.labels?.["argocd.argoproj.io/secret-type"]).toBe("repository");
    const decoded = Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
    expect(decoded).toMatchObject({ url: `${remote.url}/stackwave.git`, username: user, password: token });
    // Not in an annotation of it either (a client-side apply would have kept it in last-applied-configuration).
    expect(JSON.stringify(secret.metadata.annotations ?? {})).not.toContain(token);
    // Argo CD's fetches of the remote were answered, not refused: they carried the token.
    const fetches = remote.logs.filter((l) => l.msg === "git request" && l.repo === "stackwave" && l.service === "git-upload-pack");
    expect(fetches.filter((l) => l.status === 200).length).toBeGreaterThan(0);
  });

  it("WHEN the outputs, the logs, the state folder and the commits are searched THEN the token is in none of them", async () => {
    expect(run.out + run.err).not.toContain(token);
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
      );
    const logs = files(join(sim.dir, "logs"));
    expect(logs.length).toBeGreaterThan(5);
    const state = files(join(checkout.dir, ".stackwave"));
    expect(state.length).toBeGreaterThan(0);
    const holding = [...logs, ...state].filter((f) => readFileSync(f, "utf8").includes(token));
    expect(holding).toEqual([]);
    const history = await new Promise<string>((resolve, reject) => {
      const git = spawn("git", ["log", "--all", "-p"], { cwd: checkout.dir, stdio: ["ignore", "pipe", "ignore"] });
      let out = "";
      git.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
      git.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`git log: ${code}`))));
    });
    expect(history).toContain(`${remote.url}/stackwave.git`);
    expect(history).not.toContain(token);
  });

  it("WHEN the scheduler has placed the ha workloads THEN each Prometheus replica is on a node of its own", async () => {
    const pods = JSON.parse(
      await sim.kubectl(["-n", "monitoring", "get", "pods", "-l", "app.kubernetes.io/name=prometheus", "-o", "json"]),
    ) as { items: { spec: { nodeName?: string } }[] };
    const nodes = new Set(pods.items.map((p) => p.spec.nodeName));
    expect(pods.items.length).toBeGreaterThanOrEqual(2);
    expect(nodes.size).toBe(pods.items.length);
  });
});
