// The project's main job on real Kind: `node bootstrap.mjs --offline --chart <tgz>` from a clean clone,
// against the harness Docker, with every image pulled through the local mirror. The harness makes the
// cluster from the generated config first (this machine needs its containerd patch, which bootstrap must
// never carry); bootstrap adopts it, as it does any ready cluster of its name.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import yaml from "js-yaml";
import { chromium, type Browser } from "playwright-core";
import type { StackConfig } from "../../generators/config.js";
import { generate } from "../../generators/generate.js";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig } from "../../generators/stack.js";
import { routingKeyFile, runbookURL } from "../../generators/monitoring.js";
import type { PagerDutyEvent } from "../monitoring/pagerduty.js";
import { argocd } from "../../generators/versions.js";
import { ensureImages } from "../../tools/images/build.js";
import { createCluster, deleteCluster, type Cluster } from "../../tools/kind/cluster.js";
import { startDocker, type Docker } from "../../tools/kind/docker/daemon.js";
import { enforcePolicies } from "../../tools/kind/policy/controller.js";
import { chromiumArgs } from "../support/chromium.js";
import { requireTool } from "../support/tools.js";
import { bootstrapEnv, cleanClone, median, recordFigure, recordRun, runBootstrap, type BootstrapRun, type Clone } from "./bootstrap-run.js";
import { kindBlocker } from "../kind/harness.js";
import { firstEvent, pagerManifests, pagerNamespace, pagerURL, parsePagerLog } from "./pager.js";

const chromiumBin = requireTool("chromium", "apt-get install chromium");
const chart = join(repoRoot, "..", "shared", "charts", `argo-cd-${argocd.chart.version}.tgz`);
const blocker =
  kindBlocker() ??
  (chromiumBin ? undefined : "chromium is missing (apt-get install chromium)") ??
  (existsSync(chart) ? undefined : `${chart} is missing`);

const output = join(repoRoot, "test-output");
const log = join(output, "kind-bootstrap.log");
const figures = join(output, "kind-bootstrap.json");
const clusterName = "stackwave-local";
const minutes = (m: number) => m * 60_000;

interface Target {
  scrapePool: string;
  scrapeUrl: string;
  health: string;
  lastError: string;
  labels: Record<string, string>;
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

interface Pod {
  metadata: { namespace: string; name: string };
  status: { phase: string };
}

/** The monitors the generated tree holds (base/<layer>/<name>-servicemonitor.yaml, -podmonitor, -probe), as Prometheus names their scrape pools. */
function generatedMonitors(dir: string): string[] {
  const pools: string[] = [];
  const kinds = { servicemonitor: "serviceMonitor", podmonitor: "podMonitor", probe: "probe" } as const;
  for (const layer of readdirSync(join(dir, "base"))) {
    for (const file of readdirSync(join(dir, "base", layer))) {
      const kind = /-(servicemonitor|podmonitor|probe)\.yaml$/.exec(file)?.[1] as keyof typeof kinds | undefined;
      if (!kind) continue;
      const text = readFileSync(join(dir, "base", layer, file), "utf8");
      const name = /^metadata:\n(?:  .*\n)*?  name: (\S+)$/m.exec(text)?.[1];
      const namespace = /^metadata:\n(?:  .*\n)*?  namespace: (\S+)$/m.exec(text)?.[1];
      if (name && namespace) pools.push(`${kinds[kind]}/${namespace}/${name}`);
    }
  }
  return pools.sort();
}

/** Every query of every generated dashboard (the Grafana dashboard ConfigMaps under base/platform). */
function dashboardQueries(dir: string): { dashboard: string; panel: string; expr: string }[] {
  const queries: { dashboard: string; panel: string; expr: string }[] = [];
  const folder = join(dir, "base", "platform");
  for (const file of readdirSync(folder).filter((f) => /^grafana-dashboard-(?!providers).*-configmap\.yaml$/.test(f))) {
    const map = yaml.load(readFileSync(join(folder, file), "utf8")) as { data: Record<string, string> };
    for (const text of Object.values(map.data)) {
      const board = JSON.parse(text) as Panel & { title: string };
      const walk = (panels: readonly Panel[]) => {
        for (const panel of panels) {
          walk(panel.panels ?? []);
          for (const target of panel.targets ?? []) queries.push({ dashboard: board.title, panel: panel.title ?? "", expr: target.expr });
        }
      };
      walk(board.panels ?? []);
    }
  }
  return queries;
}

interface Panel {
  title?: string;
  panels?: Panel[];
  targets?: { expr: string }[];
}

/**
 * Panels that cannot show data on this cluster, with the reason (docs/monitoring.md lists the same). Keyed
 * "<dashboard> / <panel>".
 */
const panelsWithoutData: Readonly<Record<string, string>> = {
  "Guestbook: MongoDB / Connections":
    "MongoDB is the FerretDB stand-in (docs/kind.md): serverStatus has no connections section, so the exporter has no mongodb_ss_connections",
  "Guestbook: MongoDB / Resident memory":
    "MongoDB is the FerretDB stand-in (docs/kind.md): serverStatus has no mem section, so the exporter has no mongodb_ss_mem_resident",
};

interface Application {
  metadata: { name: string; annotations?: Record<string, string> };
  status?: { sync?: { status?: string; revision?: string }; health?: { status?: string } };
}

/** Alertmanager's paging, for the e2e only: the in-cluster double, and resolves within 30 s of the change. */
const e2ePaging = { pagerdutyURL: pagerURL, groupInterval: "30s" } as const;

/**
 * Gives the clone's local environment `e2ePaging`, in generators/stack.ts and in the generated tree, and
 * commits both, before the first bootstrap: Alertmanager never holds PagerDuty's real URL with a key.
 */
async function pageTheDouble(clone: Clone): Promise<void> {
  const stack = join(clone.dir, "generators", "stack.ts");
  const text = readFileSync(stack, "utf8");
  const local = /(\n  \{\n    name: "local",\n)(    replicas: \{)/;
  expect(text).toMatch(local);
  writeFileSync(
    stack,
    text.replace(local, `$1    paging: { pagerdutyURL: "${e2ePaging.pagerdutyURL}", groupInterval: "${e2ePaging.groupInterval}" },\n$2`),
  );
  // The clone has no node_modules before bootstrap's npm ci; this checkout's generators write its tree.
  const config = JSON.parse(JSON.stringify(defaultConfig())) as StackConfig;
  (config.environments.find((e) => e.name === "local") as { paging?: unknown }).paging = e2ePaging;
  expect(generate({ config, root: clone.dir }).ok).toBe(true);
  // The paging patch is a new file: `commit -a` alone would leave it out and the overlay broken.
  await clone.git(["add", "--all"]);
  const added = (await clone.git(["diff", "--cached", "--name-only"])).trim().split("\n");
  expect(added).toEqual(
    expect.arrayContaining(["generators/stack.ts", "overlays/local/platform/patch-alertmanager-stackwave-secret.yaml"]),
  );
  await clone.git(["commit", "--quiet", "-m", "e2e: page the in-cluster PagerDuty double"]);
}

/** A client pod in `default`, hardened like the stack's pods, that only waits to be exec'd into. */
function strangerPod(name: string, image: string) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "stackwave-e2e" } },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "client",
          image,
          command: ["node", "-e", "setInterval(() => {}, 1 << 30)"],
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
          resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "96Mi" } },
        },
      ],
    },
  };
}

describe.skipIf(blocker)("node bootstrap.mjs on real Kind", () => {
  let docker: Docker;
  let cluster: Cluster;
  let clone: Clone;
  let env: NodeJS.ProcessEnv;
  let first: BootstrapRun;
  /** Containers, volumes and networks the engine held before the run (say, a killed test's): not bootstrap's to remove. */
  let before: Map<string, Set<string>>;
  const inventory = async () =>
    new Map(
      await Promise.all(
        (["container", "volume", "network"] as const).map(async (kind) => {
          const args = kind === "container" ? ["ps", "-a", "--format", "{{.Names}}"] : [kind, "ls", "--format", "{{.Name}}"];
          return [kind, new Set((await docker.docker(args)).split("\n").filter(Boolean))] as const;
        }),
      ),
    );
  /** When the first bootstrap returned: the quiet and idle checks count from here. */
  let upAt = 0;
  let browser: Browser | undefined;
  const args = ["--offline", "--chart", chart, "--timeout", "40m"];
  /** A fresh PagerDuty integration key: bootstrap puts it in the pagerduty Secret, never in git. */
  const routingKey = randomBytes(16).toString("hex");
  const kubectl = (a: readonly string[], input?: string) => cluster.kubectl(["--context", `kind-${clusterName}`, ...a], { input });
  const applications = async () =>
    (JSON.parse(await kubectl(["-n", "argocd", "get", "applications.argoproj.io", "-o", "json"])) as { items: Application[] }).items;
  /**
   * Waits until no Application has a refresh pending. Argo CD v3.2 drops a refresh requested while an earlier
   * requested one is still reconciling (argo-cd#28392, docs/gitops.md): a push landing then waits for the poll.
   */
  const refreshesDone = () =>
    expect
      .poll(
        async () =>
          (await applications()).filter((a) => a.metadata.annotations?.["argocd.argoproj.io/refresh"]).map((a) => a.metadata.name),
        {
          timeout: minutes(2),
          interval: 500,
        },
      )
      .toEqual([]);
  const url = (nodePort: number) => `http://127.0.0.1:${cluster.hostPorts.get(nodePort)}`;
  const prometheus = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url(30090)}${path}`);
    if (response.status !== 200) throw new Error(`Prometheus ${path}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { data: T }).data;
  };
  const query = async (promql: string) =>
    (await prometheus<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}`)).result;

  beforeAll(async () => {
    docker = await startDocker();
    await ensureImages(docker);
    await deleteCluster(docker, clusterName);
    before = await inventory();
    clone = await cleanClone();
    await pageTheDouble(clone);
    cluster = await createCluster(docker, { wait: "5m" });
    // kindnetd cannot enforce NetworkPolicies on this kernel (tools/kind/policy/README.md): the harness's
    // enforcer runs from the start, so every check below runs with the policies in force.
    mkdirSync(output, { recursive: true });
    await enforcePolicies(docker, cluster, { log });
    env = { ...bootstrapEnv(docker.env, cluster.kubeconfig), PAGERDUTY_ROUTING_KEY: routingKey };
    first = await runBootstrap(clone, args, env, log, minutes(60));
    upAt = Date.now();
    recordRun(figures, "cold", first);
  }, minutes(90));

  afterAll(async () => {
    await browser?.close();
    // --down is the last test; this is for a run that stopped before it.
    if (clone && existsSync(join(clone.dir, ".stackwave"))) await runBootstrap(clone, ["--down", "--yes"], env, log, minutes(10));
    await cluster?.delete().catch(() => undefined);
    clone?.remove();
  }, minutes(15));

  it("brings every Application to Synced and Healthy", async () => {
    expect(first.code, first.output.split("\n").slice(-40).join("\n")).toBe(0);
    const apps = await applications();
    expect(apps.map((a) => a.metadata.name).sort()).toEqual(
      expect.arrayContaining(["apps", "argo-cd", "crds", "monitors", "operator", "platform"]),
    );
    for (const app of apps) {
      expect({ name: app.metadata.name, sync: app.status?.sync?.status, health: app.status?.health?.status }).toEqual({
        name: app.metadata.name,
        sync: "Synced",
        health: "Healthy",
      });
    }
  });

  it("scrapes at least one target for every ServiceMonitor, PodMonitor and Probe, the control plane included, and every target is up", async () => {
    const expected = generatedMonitors(clone.dir);
    // The operator, control plane and exporters, the apps and the probe: every monitor the tree generates.
    for (const name of ["apiserver", "kubelet", "coredns", "kube-controller-manager", "kube-scheduler", "etcd", "kube-proxy"])
      expect(
        expected.some((pool) => pool.endsWith(`/${name}`)),
        name,
      ).toBe(true);
    let targets: Target[] = [];
    const report = async () => {
      targets = (await prometheus<{ activeTargets: Target[] }>("/api/v1/targets?state=active")).activeTargets;
      const pools = new Set(targets.map((t) => t.scrapePool.replace(/\/\d+$/, "")));
      return {
        withoutTarget: expected.filter((pool) => !pools.has(pool)),
        notUp: targets.filter((t) => t.health !== "up").map((t) => `${t.scrapePool} ${t.scrapeUrl}: ${t.health} ${t.lastError}`),
      };
    };
    // Each target needs its first scrape after the reloader applied the operator's config.
    await expect.poll(report, { timeout: minutes(5), interval: 5000 }).toEqual({ withoutTarget: [], notUp: [] });
    // cAdvisor is the kubelet monitor's second endpoint: the working-set figures below come from it.
    expect(targets.some((t) => t.scrapeUrl.endsWith("/metrics/cadvisor"))).toBe(true);
    recordFigure(figures, "targets up", targets.length);
  });

  it("enforces the guestbook's NetworkPolicies: only the backend reaches MongoDB, only the frontend (and Prometheus) the backend", async () => {
    const backendImage = (
      await kubectl(["-n", "guestbook", "get", "deployment", "backend", "-o", "jsonpath={.spec.template.spec.containers[0].image}"])
    ).trim();
    // A client in `default`, a namespace no policy admits; the backend's image has node, as the apps do.
    const stranger = "stackwave-e2e-stranger";
    await kubectl(["apply", "-f", "-"], JSON.stringify(strangerPod(stranger, backendImage)));
    try {
      await kubectl(["-n", "default", "wait", "--for=condition=Ready", `pod/${stranger}`, "--timeout=180s"]);
      const frontend = `deploy/frontend`;
      const backend = `deploy/backend`;
      /** "open", or the error code of a TCP connect from `from` (namespace/workload) to host:port. */
      const connect = async (from: string, host: string, port: number) => {
        const slash = from.indexOf("/");
        const [namespace, target] = [from.slice(0, slash), from.slice(slash + 1)];
        const script = `const s=require("net").connect(${port},${JSON.stringify(host)});s.setTimeout(4000);s.on("connect",()=>{console.log("open");process.exit(0)});s.on("timeout",()=>{console.log("ETIMEDOUT");process.exit(0)});s.on("error",(e)=>{console.log(e.code);process.exit(0)})`;
        return (await kubectl(["-n", namespace, "exec", target, "--", "node", "-e", script])).trim();
      };
      // Through each Service and the port it serves, as the apps connect (MongoDB's is headless: its pod).
      const service = async (name: string) => {
        const port = Number((await kubectl(["-n", "guestbook", "get", "service", name, "-o", "jsonpath={.spec.ports[0].port}"])).trim());
        expect(port, name).toBeGreaterThan(0);
        return { host: `${name}.guestbook.svc.cluster.local.`, port };
      };
      const [mongodb, backendService, frontendService] = await Promise.all(["mongodb", "backend", "frontend"].map(service));
      const to = (from: string, s: { host: string; port: number }) => connect(from, s.host, s.port);
      const matrix = {
        "frontend -> mongodb": await to(`guestbook/${frontend}`, mongodb!),
        "backend -> mongodb": await to(`guestbook/${backend}`, mongodb!),
        "frontend -> backend": await to(`guestbook/${frontend}`, backendService!),
        "default -> backend": await to(`default/${stranger}`, backendService!),
        "default -> mongodb": await to(`default/${stranger}`, mongodb!),
        "default -> frontend": await to(`default/${stranger}`, frontendService!),
      };
      recordFigure(figures, "policy matrix", matrix);
      // A refused connection is a REJECT (kube-router answers with a reset or an ICMP error), never a silent drop.
      expect(matrix).toEqual({
        "frontend -> mongodb": expect.stringMatching(/^(ECONNREFUSED|EHOSTUNREACH)$/),
        "backend -> mongodb": "open",
        "frontend -> backend": "open",
        "default -> backend": expect.stringMatching(/^(ECONNREFUSED|EHOSTUNREACH)$/),
        "default -> mongodb": expect.stringMatching(/^(ECONNREFUSED|EHOSTUNREACH)$/),
        "default -> frontend": "open",
      });
    } finally {
      await kubectl(["-n", "default", "delete", "pod", stranger, "--wait=false"]);
    }
  });

  it("five minutes after bring-up fires only the Watchdog, and reports every pod's working set beside its request", async () => {
    const wait = upAt + minutes(5) - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const firing = await query('ALERTS{alertstate="firing"}');
    expect(firing.map((a) => `${a.metric.alertname} ${JSON.stringify(a.metric)}`).filter((a) => !a.startsWith("Watchdog "))).toEqual([]);
    expect(firing.map((a) => a.metric.alertname)).toEqual(["Watchdog"]);

    const key = (m: Record<string, string>) => `${m.namespace}/${m.pod}`;
    const mib = (v: string) => Math.round((Number(v) / 2 ** 20) * 10) / 10;
    const workingSet = new Map(
      (await query('sum by (namespace, pod) (container_memory_working_set_bytes{container!="", container!="POD"})')).map((s) => [
        key(s.metric),
        mib(s.value[1]),
      ]),
    );
    const requests = new Map(
      (await query('sum by (namespace, pod) (kube_pod_container_resource_requests{resource="memory"})')).map((s) => [
        key(s.metric),
        mib(s.value[1]),
      ]),
    );
    const pods = (JSON.parse(await kubectl(["get", "pods", "-A", "-o", "json"])) as { items: Pod[] }).items.filter(
      (p) => p.status.phase === "Running",
    );
    const rows = pods.map((p) => {
      const id = `${p.metadata.namespace}/${p.metadata.name}`;
      return { pod: id, workingSetMiB: workingSet.get(id), requestMiB: requests.get(id) };
    });
    // Every running pod, kube-system's included, is measured: cAdvisor sees them all.
    expect(rows.filter((r) => !(r.workingSetMiB! > 0)).map((r) => r.pod)).toEqual([]);
    recordFigure(figures, "working set after 5 min idle (MiB)", rows);
  });

  it("serves the guestbook in a browser, and keeps messages across backend and database restarts", async () => {
    browser ??= await chromium.launch({ executablePath: chromiumBin!, args: [...chromiumArgs] });
    const page = await browser.newPage();
    const guestbook = url(30800);
    const text = `hello from kind ${Date.now()}`;
    await page.goto(guestbook);
    await page.fill("#author", "e2e");
    await page.fill("#message", text);
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(await page.textContent("body")).toContain(text);

    await kubectl(["-n", "guestbook", "delete", "pod", "-l", "app.kubernetes.io/name=backend", "--wait=false"]);
    await kubectl(["-n", "guestbook", "delete", "pod", "-l", "app.kubernetes.io/name=mongodb", "--wait=false"]);
    // The page recovers by itself: reload until the message is back (the backend answers 503 meanwhile).
    const deadline = Date.now() + minutes(5);
    let body = "";
    while (Date.now() < deadline) {
      const response = await page.goto(guestbook).catch(() => null);
      body = (await page.textContent("body").catch(() => "")) ?? "";
      if (response?.ok() && body.includes(text)) break;
      await page.waitForTimeout(2000);
    }
    if (!body.includes(text)) {
      // What a failure needs to be explained: the pods, and the last lines of the backend and MongoDB.
      const tail = (target: string) => kubectl(["-n", "guestbook", "logs", target, "--tail=30"]).catch((e: Error) => e.message);
      const diagnosis = [
        await kubectl(["-n", "guestbook", "get", "pods,endpoints", "-o", "wide"]).catch((e: Error) => e.message),
        await tail("deploy/backend"),
        await tail("statefulset/mongodb"),
      ].join("\n");
      expect(body, diagnosis).toContain(text);
    }
    expect(body).toContain(text);
  });

  it("prints an Argo CD login that works in the web UI and the API", async () => {
    const secrets = JSON.parse(readFileSync(join(clone.dir, ".stackwave", "secrets.json"), "utf8")) as { argocdAdminPassword: string };
    expect(first.output).toContain("http://localhost:8080");
    const session = await fetch(`${url(30080)}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: secrets.argocdAdminPassword }),
    });
    expect(session.status).toBe(200);
    expect(((await session.json()) as { token?: string }).token).toMatch(/^ey/);

    browser ??= await chromium.launch({ executablePath: chromiumBin!, args: [...chromiumArgs] });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${url(30080)}/login`);
    await page.fill("input[name=username]", "admin");
    await page.fill("input[name=password]", secrets.argocdAdminPassword);
    await page.click("button[type=submit]");
    await page.waitForURL(/\/applications/, { timeout: 60_000 });
    for (const app of await applications()) {
      const tile = page.locator(`.qe-applications-list-argocd_${app.metadata.name}`);
      await expect
        .poll(async () => (await tile.textContent()) ?? "", { timeout: 60_000 })
        .toMatch(/Healthy[\s\S]*Synced|Synced[\s\S]*Healthy/);
    }
    await page.screenshot({ path: join(output, "kind-argocd-ui.png") });
  });

  it("prints a Grafana login that works in the browser, as far as the stand-in goes (login, session, dashboards)", async () => {
    expect(first.output).toContain("http://localhost:3000");
    // The printed way to read the password: the Secret bootstrap created, never in git.
    const printed = /Grafana[\s\S]*?password: (kubectl [^\n]*base64 -d)/.exec(first.output);
    expect(printed?.[1]).toContain("get secret grafana-admin");
    const password = Buffer.from(
      (await kubectl(["-n", "monitoring", "get", "secret", "grafana-admin", "-o", "jsonpath={.data.admin-password}"])).trim(),
      "base64",
    ).toString();
    expect(password.length).toBeGreaterThanOrEqual(16);

    browser ??= await chromium.launch({ executablePath: chromiumBin!, args: [...chromiumArgs] });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const grafana = url(30300);
      await page.goto(`${grafana}/`);
      expect(new URL(page.url()).pathname).toBe("/login");
      expect((await context.request.post(`${grafana}/login`, { data: { user: "admin", password: "wrong" } })).status()).toBe(401);
      const login = await context.request.post(`${grafana}/login`, { data: { user: "admin", password } });
      expect(login.status()).toBe(200);
      // The session cookie now opens the pages and the API in the same browser.
      await page.goto(`${grafana}/`);
      expect(new URL(page.url()).pathname).toBe("/");
      expect(await page.textContent("h1")).toBe("Dashboards");
      await page.goto(`${grafana}/api/user`);
      expect(JSON.parse((await page.textContent("body")) ?? "{}")).toMatchObject({ login: "admin" });
      const boards = (await (await context.request.get(`${grafana}/api/search?type=dash-db`)).json()) as unknown[];
      expect(boards.length).toBeGreaterThan(3);
    } finally {
      await context.close();
    }
  });

  it("returns data for every query of every generated dashboard over its last hour, or lists why not", async () => {
    const queries = dashboardQueries(clone.dir);
    expect(new Set(queries.map((q) => q.dashboard)).size).toBe(6);
    const end = Date.now() / 1000;
    // The dashboards open on the last hour; the cluster is younger than that.
    const start = Math.max(end - 3600, upAt / 1000 - 60);
    const empty: string[] = [];
    for (const q of queries) {
      // Grafana's own interval variables, as it would expand them for a 1 h range at a 30 s scrape interval.
      const expr = q.expr.replaceAll("$__rate_interval", "2m").replaceAll("$__interval", "30s").replaceAll("$__range", "1h");
      const params = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: "30" });
      const result = (await prometheus<{ result: unknown[] }>(`/api/v1/query_range?${params}`)).result;
      if (result.length === 0) empty.push(`${q.dashboard} / ${q.panel}`);
    }
    const unlisted = [...new Set(empty)].filter((panel) => !(panel in panelsWithoutData));
    recordFigure(figures, "dashboard queries with data", { total: queries.length, empty: [...new Set(empty)] });
    expect(unlisted).toEqual([]);
  });

  it("syncs a pushed generator change through the webhook: the new replica count goes live", async () => {
    // The hook that `npm ci` installed (package.json prepare) regenerates on commit.
    expect((await clone.git(["config", "core.hooksPath"])).trim()).toBe(".githooks");
    const stack = join(clone.dir, "generators", "stack.ts");
    const original = readFileSync(stack, "utf8");
    const local = /(name: "local",[\s\S]*?frontend: )(\d+)/;
    expect(original).toMatch(local);
    const replicas = async () =>
      Number((await kubectl(["-n", "guestbook", "get", "deployment", "frontend", "-o", "jsonpath={.spec.replicas}"])).trim());
    const seconds: number[] = [];
    for (const count of [2, 1, 2, 1, 2]) {
      writeFileSync(stack, readFileSync(stack, "utf8").replace(local, `$1${count}`));
      await clone.git(["commit", "--quiet", "-am", `frontend replicas ${count}`]);
      const committed = await clone.git(["show", "--stat", "--format=", "HEAD"]);
      // The hook regenerated and staged the overlay with the generator change.
      expect(committed).toMatch(/overlays\/local\/apps/);
      await refreshesDone();
      const pushed = Date.now();
      await clone.git(["push", "--quiet", "local", "HEAD:main"]);
      await expect.poll(replicas, { timeout: minutes(3), interval: 250 }).toBe(count);
      seconds.push((Date.now() - pushed) / 1000);
    }
    recordFigure(figures, "push to live (s)", seconds);
    // Far below the 180 s poll: the webhook, not the poll, synced every push.
    expect(median(seconds)).toBeLessThan(180);
  });

  it(
    "pages the PagerDuty double from the in-cluster Alertmanager when a push scales the backend to 0, and resolves when one brings it back",
    async () => {
      const backendImage = (
        await kubectl(["-n", "guestbook", "get", "deployment", "backend", "-o", "jsonpath={.spec.template.spec.containers[0].image}"])
      ).trim();
      await kubectl(["apply", "-f", "-"], pagerManifests(backendImage));
      try {
        await kubectl(["-n", pagerNamespace, "wait", "--for=condition=Ready", "pod/pagerduty", "--timeout=180s"]);
        const pagerLog = async () => parsePagerLog(await kubectl(["-n", pagerNamespace, "logs", "pagerduty"]));
        /** Where a page can stop on its way: the backend's replicas, the alert in Prometheus and in Alertmanager, Alertmanager's log. */
        const pageDiagnosis = async () => {
          const step = async (title: string, read: () => Promise<string>) => `--- ${title}\n${await read().catch((e: Error) => e.message)}`;
          return (
            await Promise.all([
              step("backend", () => kubectl(["-n", "guestbook", "get", "deployment", "backend", "-o", "wide"])),
              step("Applications", async () =>
                (await applications())
                  .map((a) => `${a.metadata.name} ${a.status?.sync?.status} ${a.status?.sync?.revision} ${a.status?.health?.status}`)
                  .join("\n"),
              ),
              step("ALERTS in Prometheus", async () => JSON.stringify((await query("ALERTS")).map((a) => a.metric))),
              step("alerts in Alertmanager", async () => await (await fetch(`${url(30093)}/api/v2/alerts`)).text()),
              step("Alertmanager log", () =>
                kubectl(["-n", "monitoring", "logs", "alertmanager-main-0", "-c", "alertmanager", "--tail=25"]),
              ),
            ])
          ).join("\n");
        };
        /** The first event since `since` that `matches`, once the double has it. */
        const delivered = async (since: number, matches: (e: PagerDutyEvent) => boolean) => {
          const deadline = Date.now() + minutes(5);
          for (;;) {
            const found = firstEvent(await pagerLog(), since, matches);
            if (found) return found;
            if (Date.now() > deadline)
              throw new Error(
                [`no matching PagerDuty event within 5 min; the double has: ${JSON.stringify(await pagerLog())}`, await pageDiagnosis()]
                  .join("\n")
                  .replaceAll(routingKey, "<routing key>"),
              );
            await new Promise((r) => setTimeout(r, 1000));
          }
        };
        // Alertmanager reads the key from the Secret bootstrap made, mounted where its config says.
        const key = ["-n", "monitoring", "exec", "alertmanager-main-0", "-c", "alertmanager", "--", "cat", routingKeyFile];
        expect((await kubectl(key)).trim()).toBe(routingKey);

        const stack = join(clone.dir, "generators", "stack.ts");
        const local = /(name: "local",[\s\S]*?backend: )(\d+)/;
        expect(readFileSync(stack, "utf8")).toMatch(local);
        const alert = "GuestbookBackendDown";
        const push = async (count: number) => {
          writeFileSync(stack, readFileSync(stack, "utf8").replace(local, `$1${count}`));
          await clone.git(["commit", "--quiet", "-am", `backend replicas ${count}`]);
          const files = (await clone.git(["show", "--name-only", "--format=", "HEAD"])).trim().split("\n");
          expect(files).toContain("overlays/local/apps/kustomization.yaml");
          // The hook left the platform overlay alone: the paging edit and the tree written for it agree.
          expect(files.filter((f) => f.startsWith("overlays/local/platform/"))).toEqual([]);
          await refreshesDone();
          const at = Date.now();
          await clone.git(["push", "--quiet", "local", "HEAD:main"]);
          return at;
        };
        const detection: number[] = [];
        const resolution: number[] = [];
        for (let round = 0; round < 3; round++) {
          await expect
            .poll(async () => (await query(`ALERTS{alertname="${alert}"}`)).length, { timeout: minutes(3), interval: 2000 })
            .toBe(0);
          const down = await push(0);
          const trigger = await delivered(down, (e) => e.event_action === "trigger" && e.payload?.group === alert);
          detection.push((trigger.at - down) / 1000);
          expect(trigger.event).toMatchObject({
            routing_key: routingKey,
            client: "stackwave Alertmanager",
            payload: {
              summary: `${alert} (guestbook): No guestbook backend is up.`,
              severity: "critical",
              source: "local",
              component: "guestbook",
              group: alert,
              class: "critical",
              custom_details: { runbook_url: runbookURL(alert), firing: "1" },
            },
          });

          const up = await push(1);
          const resolve = await delivered(up, (e) => e.event_action === "resolve" && e.dedup_key === trigger.event.dedup_key);
          resolution.push((resolve.at - up) / 1000);
          expect(resolve.event.routing_key).toBe(routingKey);
          await kubectl(["-n", "guestbook", "rollout", "status", "deployment/backend", "--timeout=180s"]);
        }
        recordFigure(figures, "page: push to trigger delivered (s)", detection);
        recordFigure(figures, "page: push to resolve delivered (s)", resolution);
        // The rule's `for: 30s` holds every trigger back. Kill to page is 85 s at worst by construction
        // (docs/benchmarks.md, "Alert detection latency"); the push, the sync and the pod's exit come on top.
        for (const s of detection) expect(s).toBeGreaterThan(30);
        expect(median(detection)).toBeLessThan(120);
        // Alertmanager sent only what PagerDuty's API accepts.
        expect((await pagerLog()).rejected).toEqual([]);
      } finally {
        await kubectl(["delete", "namespace", pagerNamespace, "--wait=false"]);
      }
      // Three rounds of about three minutes each; every wait inside has its own, shorter deadline.
    },
    minutes(40),
  );

  it("fails fast, naming the image, when one is missing from the mirror and the local Docker", async () => {
    const missing = "quay.io/prometheus/blackbox-exporter:v0.27.0";
    const aside = "localhost/stackwave-e2e/aside:blackbox";
    await docker.docker(["tag", missing, aside]);
    await docker.docker(["rmi", missing]);
    await docker.docker([
      "exec",
      "stackwave-registry",
      "rm",
      "-rf",
      "/var/lib/registry/docker/registry/v2/repositories/quay.io/prometheus/blackbox-exporter",
    ]);
    try {
      const run = await runBootstrap(clone, args, env, log, minutes(10));
      expect(run.code).not.toBe(0);
      expect(run.output).toContain(missing);
      // Before any wave waits: the run stops at preflight or the mirror step.
      expect(run.steps.has("waves")).toBe(false);
    } finally {
      await docker.docker(["tag", aside, missing]);
      await docker.docker(["rmi", aside]);
    }
  });

  it("reruns on the running cluster and converges with nothing changed", async () => {
    await refreshesDone();
    const before = (await applications()).map((a) => [a.metadata.name, a.status?.sync?.revision]);
    const again = await runBootstrap(clone, args, env, log, minutes(30));
    recordRun(figures, "warm rerun", again);
    expect(again.code, again.output.split("\n").slice(-30).join("\n")).toBe(0);
    expect((await applications()).map((a) => [a.metadata.name, a.status?.sync?.revision])).toEqual(before);
  });

  it("--down --yes leaves no container, network, registry, git-server data, local remote or .stackwave/", async () => {
    const down = await runBootstrap(clone, ["--down", "--yes"], env, log, minutes(10));
    expect(down.code, down.output).toBe(0);
    const after = await inventory();
    const left = [...after].flatMap(([kind, names]) => [...names].filter((n) => !before.get(kind)!.has(n)).map((n) => `${kind} ${n}`));
    expect(left).toEqual([]);
    // Nothing of the stack, whatever was there before: its registry, git server, Kind node and network.
    const stack = [...after.get("container")!].filter((n) => n === "stackwave-registry" || n.startsWith(`${clusterName}-`));
    expect(stack).toEqual([]);
    expect(after.get("network")!.has("kind")).toBe(false);
    expect(await clone.git(["remote"])).not.toMatch(/^local$/m);
    expect(existsSync(join(clone.dir, ".stackwave"))).toBe(false);
  });
});
