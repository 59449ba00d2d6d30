// The monitoring stack as plain processes on loopback: real Prometheus and Alertmanager (the pinned
// builds of the tool cache; Debian's as fallback), blackbox, MongoDB and node exporters (Debian
// packages) around the real guestbook on FerretDB, with PagerDuty replaced by a strict local double.
// Prometheus runs the configuration the pinned operator writes for the generated objects (tools/promconfig);
// only Kubernetes discovery is emulated. Used by live.test.ts and the bench.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { alertmanagerConfig, defaultAlertmanagerOptions, type AlertmanagerOptions } from "../../generators/components/alertmanager.js";
import { blackboxYaml } from "../../generators/components/blackbox-exporter.js";
import { nodeExporterArgs } from "../../generators/components/node-exporter.js";
import { guestbook, pagerSwitch, workloads } from "../../generators/monitoring.js";
import { leasePorts, type PortLease } from "../../tools/sim/ports.js";
import { startFerretDb, stopChild, type FerretDb } from "../support/ferretdb.js";
import { startService, type Service } from "../support/services.js";
import { requirePinned, requireTool } from "../support/tools.js";
import { alertmanagerPin, allGroups, overlay, prometheusPin, type Obj, type RuleGroup } from "./support.js";
import { startFakePagerDuty, type FakePagerDuty } from "./pagerduty.js";
import { operatorConfig, promconfigBin, type Section } from "./promconfig.js";

export const bins = {
  prometheus: requirePinned("prometheus", prometheusPin, { hint: "apt-get install prometheus" }),
  alertmanager: requirePinned("alertmanager", alertmanagerPin, {
    name: "prometheus-alertmanager",
    hint: "apt-get install prometheus-alertmanager",
  }),
  blackbox: requireTool("prometheus-blackbox-exporter", "apt-get install prometheus-blackbox-exporter"),
  mongodbExporter: requireTool("prometheus-mongodb-exporter", "apt-get install prometheus-mongodb-exporter"),
  nodeExporter: requireTool("prometheus-node-exporter", "apt-get install prometheus-node-exporter"),
  ferretdb: requireTool("ferretdb", "build FerretDB v1.24.2 into $STACKWAVE_CACHE/bin (generators/versions.ts goTools.ferretdb)"),
  promconfig: promconfigBin,
};
export const liveToolsPresent = Object.values(bins).every(Boolean);

/** Major version of the Prometheus in use: the pinned 3.x, or 2 for Debian's fallback. */
function prometheusMajor(): number {
  const out = execFileSync(bins.prometheus!, ["--version"], { encoding: "utf8" });
  const major = /version (\d+)\./.exec(out)?.[1];
  if (!major) throw new Error(`${bins.prometheus} --version: expected "prometheus, version X.Y.Z", got ${out.split("\n")[0]}`);
  return Number(major);
}

/** How the harness differs from the cluster. The defaults are the cluster's own values. */
export interface LiveOptions {
  /** Scrape interval for every job; undefined keeps each monitor's own interval (30 s global default). */
  readonly scrapeInterval?: string;
  /** Per-job intervals that win over scrapeInterval (the timeout then equals the interval). */
  readonly jobIntervals?: Readonly<Record<string, string>>;
  /** Rule evaluation interval; default the Prometheus CR's. */
  readonly evaluationInterval?: string;
  /** Rewrites each alert's `for` (test-only shortening); default keeps it. */
  readonly forOf?: (original: string | undefined) => string | undefined;
  /** Alertmanager timers (the PagerDuty URL and key file always point at the double and a temp file). */
  readonly alertmanager?: Partial<AlertmanagerOptions>;
  /** Whether bootstrap had a routing key, i.e. Prometheus gets the `pager` variable. Default true. */
  readonly pager?: boolean;
}

/** The test-only intervals (docs/monitoring.md, "Live alerting test"). */
export const testIntervals: LiveOptions = {
  scrapeInterval: "1s",
  evaluationInterval: "1s",
  forOf: (f) => (f ? "2s" : undefined),
  // Debian's MongoDB exporter needs ~12 s per scrape against FerretDB (its 2018 driver retries a handshake
  // FerretDB refuses until a 10 s timeout). On a loaded CI machine mongodb_up was once absent for 20 s, most likely a 15 s scrape that timed out: 30 s leaves headroom.
  jobIntervals: { "mongodb-exporter": "30s" },
  alertmanager: { groupWait: "1s", criticalGroupWait: "1s", groupInterval: "1s", repeatInterval: "1h" },
};

interface Proc {
  readonly child: ChildProcess;
  output(): string;
}

function startProcess(bin: string, args: string[], env: Record<string, string> = {}): Proc {
  let output = "";
  const child = spawn(bin, args, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, output: () => output };
}

async function waitReady(name: string, url: string, proc: Proc, ms = 60_000, requestMs = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${name} exited with ${proc.child.exitCode}: ${proc.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(requestMs) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} not ready at ${url} within ${ms} ms: ${proc.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A scrape job of the operator's configuration that has no local target here, and why. */
export interface Skipped {
  readonly job: string;
  readonly reason: string;
}

/** Kubernetes SD's label-name sanitising: every character outside [a-zA-Z0-9_] becomes "_". */
const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, "_");

/**
 * The target groups Prometheus' Kubernetes SD (role endpoints) would report for the rendered Services whose
 * ports have a local process: the `__meta_kubernetes_*` labels of the Service, the endpoint port and, when a
 * rendered workload's pods back the Service, the pod and container. Only ports with a local process appear:
 * the rest have no address to scrape here. The operator's relabelling then selects from these for real.
 */
export function discoveredTargets(
  objects: readonly Obj[],
  namespaces: readonly string[],
  addresses: Readonly<Record<string, string>>,
): { targets: string[]; labels: Record<string, string> }[] {
  const backers = objects.filter((o) => ["Deployment", "DaemonSet", "StatefulSet"].includes(o.kind));
  const groups: { targets: string[]; labels: Record<string, string> }[] = [];
  for (const service of objects.filter((o) => o.kind === "Service" && namespaces.includes(o.metadata.namespace ?? ""))) {
    const { name, namespace = "", labels = {} } = service.metadata;
    const selector: Record<string, string> = service.spec?.selector ?? {};
    const backing = backers.find(
      (w) =>
        w.metadata.namespace === namespace &&
        Object.keys(selector).length > 0 &&
        Object.entries(selector).every(([k, v]) => w.spec?.template?.metadata?.labels?.[k] === v),
    );
    for (const port of (service.spec?.ports ?? []) as { name?: string; port: number; targetPort?: number | string; protocol?: string }[]) {
      const address = addresses[`${name}/${port.name}`];
      if (!address) continue;
      const meta: Record<string, string> = {
        __meta_kubernetes_namespace: namespace,
        __meta_kubernetes_service_name: name,
        __meta_kubernetes_endpoints_name: name,
        __meta_kubernetes_endpoint_port_name: port.name ?? "",
        __meta_kubernetes_endpoint_port_protocol: port.protocol ?? "TCP",
        __meta_kubernetes_endpoint_ready: "true",
      };
      for (const [k, v] of Object.entries(labels)) {
        meta[`__meta_kubernetes_service_label_${sanitize(k)}`] = v;
        meta[`__meta_kubernetes_service_labelpresent_${sanitize(k)}`] = "true";
      }
      if (backing) {
        const pod = `${backing.metadata.name}-local`;
        const target = port.targetPort ?? port.port;
        const containers = (backing.spec.template.spec?.containers ?? []) as {
          name: string;
          ports?: { name?: string; containerPort: number }[];
        }[];
        const container = containers.find((c) => (c.ports ?? []).some((p) => p.name === target || p.containerPort === target));
        Object.assign(meta, {
          __meta_kubernetes_endpoint_address_target_kind: "Pod",
          __meta_kubernetes_endpoint_address_target_name: pod,
          __meta_kubernetes_pod_name: pod,
          __meta_kubernetes_pod_phase: "Running",
          __meta_kubernetes_pod_ready: "true",
          ...(container ? { __meta_kubernetes_pod_container_name: container.name } : {}),
        });
        for (const [k, v] of Object.entries((backing.spec.template.metadata?.labels ?? {}) as Record<string, string>)) {
          meta[`__meta_kubernetes_pod_label_${sanitize(k)}`] = v;
          meta[`__meta_kubernetes_pod_labelpresent_${sanitize(k)}`] = "true";
        }
      }
      groups.push({ targets: [address], labels: meta });
    }
  }
  return groups;
}

/** Each `kubernetes_sd_configs` of an operator-written section, replaced by the static groups discovery would give. */
function localDiscovery(section: Section, objects: readonly Obj[], addresses: Readonly<Record<string, string>>): Section {
  const sd = section.kubernetes_sd_configs as { role: string; namespaces?: { names?: string[] } }[] | undefined;
  if (!sd) return section;
  const { kubernetes_sd_configs: _, ...rest } = section;
  const groups = sd.flatMap((c) => {
    if (c.role !== "endpoints")
      throw new Error(
        `live stack: ${section.job_name ?? "alerting"}: Kubernetes SD role "${c.role}" is not emulated here (only endpoints)`,
      );
    return discoveredTargets(objects, c.namespaces?.names ?? [], addresses);
  });
  return { ...rest, static_configs: groups };
}

/**
 * The operator's Prometheus configuration for the local run: Kubernetes SD becomes the groups it would
 * discover on loopback, cluster addresses (the Probe's targets and prober) become local ones, and the
 * config-reloader's `$(VAR)` substitution is done with the values of a single replica. Jobs without a local
 * target are dropped and reported. Selection, validation, job names and relabelling stay the operator's.
 */
export function localConfig(
  config: Section,
  objects: readonly Obj[],
  addresses: Readonly<Record<string, string>>,
  options: { readonly scrapeInterval?: string; readonly jobIntervals?: Readonly<Record<string, string>> },
): { config: Section; skipped: Skipped[] } {
  // What prometheus-config-reloader substitutes from its environment in the first replica of shard 0.
  const reloaderEnv: Record<string, string> = { POD_NAME: "prometheus-k8s-0", SHARD: "0" };
  const substituted = JSON.parse(
    JSON.stringify(config).replace(/\$\((\w+)\)/g, (whole, name: string) => reloaderEnv[name] ?? whole),
  ) as Section;
  const local = (value: unknown) => (typeof value === "string" && addresses[`url/${value}`]) || value;
  const skipped: Skipped[] = [];
  const jobs: Section[] = [];
  for (const job of substituted.scrape_configs as Section[]) {
    const localised = localDiscovery(job, objects, addresses);
    localised.static_configs = (localised.static_configs ?? []).map((g: { targets: string[] }) => ({
      ...g,
      targets: g.targets.map((t) => String(local(t))),
    }));
    localised.relabel_configs = (localised.relabel_configs ?? []).map((r: Record<string, unknown>) =>
      r.target_label === "__address__" && typeof r.replacement === "string" && addresses[`probe/${r.replacement}`]
        ? { ...r, replacement: addresses[`probe/${r.replacement}`] }
        : r,
    );
    const targets = (localised.static_configs as { targets: string[] }[]).flatMap((g) => g.targets);
    if (targets.length === 0 || targets.some((t) => /\.svc(:\d+)?(\/|$)/.test(t))) {
      skipped.push({ job: job.job_name, reason: "no local process for its Services or targets (needs Kubernetes)" });
      continue;
    }
    // job_name is serviceMonitor/<namespace>/<name>/<endpoint> or probe/<namespace>/<name>.
    const monitor = String(job.job_name).split("/")[2] ?? "";
    const interval = options.jobIntervals?.[monitor] ?? options.scrapeInterval;
    jobs.push(interval ? { ...localised, scrape_interval: interval, scrape_timeout: interval } : localised);
  }
  const alerting = substituted.alerting as { alertmanagers?: Section[] } | undefined;
  return {
    config: {
      ...substituted,
      scrape_configs: jobs,
      ...(alerting
        ? { alerting: { ...alerting, alertmanagers: (alerting.alertmanagers ?? []).map((am) => localDiscovery(am, objects, addresses)) } }
        : {}),
    },
    skipped,
  };
}

/** The generated rule groups with the test transform applied to each alert's `for`. */
export function liveRuleGroups(forOf: LiveOptions["forOf"]): RuleGroup[] {
  return allGroups().map((group) => ({
    name: group.name,
    // The groups run at the global evaluation interval here (the SLO group's own 30 s is a cluster setting).
    rules: group.rules.map((rule) => {
      if (!rule.alert || !forOf) return rule;
      const { for: original, ...rest } = rule;
      const shortened = forOf(original);
      return shortened ? { ...rest, for: shortened } : rest;
    }),
  }));
}

export interface LiveStack {
  readonly prometheusURL: string;
  readonly alertmanagerURL: string;
  readonly backend: Service;
  readonly frontend: Service;
  readonly db: FerretDb;
  readonly pagerduty: FakePagerDuty;
  /** The 32-character routing key written to the file Alertmanager reads. */
  readonly routingKey: string;
  readonly routingKeyFile: string;
  readonly skipped: readonly Skipped[];
  /** Instant query; throws on an API error. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /**
   * Jobs of the configuration for which the operator's relabelling kept none of the local targets (their
   * Services run only in the cluster, e.g. Grafana), by the targets Prometheus reports.
   */
  idleJobs(): Promise<string[]>;
  /** Every active target with its job, health and labels after relabelling. */
  targets(): Promise<{ job: string; health: string; lastError: string; labels: Record<string, string> }[]>;
  /** Alertmanager's alert groups with their receiver. */
  alertGroups(): Promise<{ receiver: string; alerts: { labels: Record<string, string> }[] }[]>;
  /** n rounds of page views, posts, API reads and a 404, through the frontend and the backend. */
  traffic(rounds: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startLiveStack(options: LiveOptions = {}): Promise<LiveStack> {
  if (!liveToolsPresent) throw new Error("live stack: tools missing (see bins)");
  // Removed by stop(), which a failed start runs too.
  const dir = mkdtempSync(join(tmpdir(), "stackwave-live-"));
  const procs: { name: string; proc: Proc }[] = [];
  const services: Service[] = [];
  let db: FerretDb | undefined;
  let pagerduty: FakePagerDuty | undefined;
  const leases: PortLease[] = [];
  const stop = async () => {
    for (const { proc } of procs.reverse()) await stopChild(proc.child);
    for (const lease of leases) lease.release();
    for (const s of services) await s.kill();
    await db?.dispose();
    await pagerduty?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    db = await startFerretDb(bins.ferretdb);
    const backend = await startService({ app: "backend", env: { GUESTBOOK_DB_ADDR: db.addr } });
    services.push(backend);
    const frontend = await startService({ app: "frontend", env: { GUESTBOOK_API_ADDR: `127.0.0.1:${backend.port}` } });
    services.push(frontend);
    pagerduty = await startFakePagerDuty();

    // Prometheus's config names every port before anything starts, so each is leased until stop().
    leases.push(...(await leasePorts(5)));
    const [blackbox, mongodb, node, am, prom] = leases.map((l) => l.port) as [number, number, number, number, number];
    const ports = { blackbox, mongodb, node, am, prom };
    const launch = async (name: string, bin: string, args: string[], ready: string, env?: Record<string, string>, requestMs?: number) => {
      const proc = startProcess(bin, args, env);
      procs.push({ name, proc });
      await waitReady(name, ready, proc, 60_000, requestMs);
    };

    writeFileSync(join(dir, "blackbox.yml"), blackboxYaml());
    await launch(
      "blackbox",
      bins.blackbox!,
      [`--config.file=${join(dir, "blackbox.yml")}`, `--web.listen-address=127.0.0.1:${ports.blackbox}`],
      `http://127.0.0.1:${ports.blackbox}/-/healthy`,
    );
    await launch(
      "mongodb-exporter",
      bins.mongodbExporter!,
      [`-mongodb.uri=${db.uri}`, `-web.listen-address=127.0.0.1:${ports.mongodb}`, "-logtostderr"],
      `http://127.0.0.1:${ports.mongodb}/metrics`,
      {},
      30_000,
    );
    await launch(
      "node-exporter",
      bins.nodeExporter!,
      [`--web.listen-address=127.0.0.1:${ports.node}`, ...nodeExporterArgs(undefined)],
      `http://127.0.0.1:${ports.node}/metrics`,
    );

    const routingKey = randomBytes(16).toString("hex");
    const routingKeyFile = join(dir, "routing-key");
    writeFileSync(routingKeyFile, `${routingKey}\n`);
    const amOptions: AlertmanagerOptions = {
      ...defaultAlertmanagerOptions,
      ...options.alertmanager,
      pagerdutyURL: pagerduty.url,
      routingKeyFile,
    };
    writeFileSync(join(dir, "alertmanager.yml"), yaml.dump(alertmanagerConfig(amOptions), { noRefs: true, lineWidth: -1 }));
    await launch(
      "alertmanager",
      bins.alertmanager!,
      [
        `--config.file=${join(dir, "alertmanager.yml")}`,
        `--storage.path=${join(dir, "am")}`,
        `--web.listen-address=127.0.0.1:${ports.am}`,
        "--cluster.listen-address=",
      ],
      `http://127.0.0.1:${ports.am}/-/ready`,
    );

    const objects = ["apps", "operator", "platform", "monitors"].flatMap((layer) => overlay("local", layer));
    const local = (url: string) => url.replace(/^https?:\/\//, "");
    // Service name/port name -> the local process standing in for it; url/ and probe/ map cluster addresses.
    const addresses: Record<string, string> = {
      "backend/http": local(backend.url),
      "frontend/http": local(frontend.url),
      [`${workloads.blackboxExporter.name}/http`]: `127.0.0.1:${ports.blackbox}`,
      [`${workloads.mongodbExporter.name}/metrics`]: `127.0.0.1:${ports.mongodb}`,
      [`${workloads.nodeExporter.name}/metrics`]: `127.0.0.1:${ports.node}`,
      [`${workloads.prometheus.name}/web`]: `127.0.0.1:${ports.prom}`,
      [`${workloads.alertmanager.name}/web`]: `127.0.0.1:${ports.am}`,
      [`probe/${workloads.blackboxExporter.name}.monitoring.svc:${workloads.blackboxExporter.port}`]: `127.0.0.1:${ports.blackbox}`,
      [`url/${guestbook.frontendURL}`]: `${frontend.url}/`,
    };
    const generated = await operatorConfig(objects, dir);
    const { config: localised, skipped } = localConfig(generated, objects, addresses, options);
    writeFileSync(join(dir, "rules.yml"), yaml.dump({ groups: liveRuleGroups(options.forOf) }, { noRefs: true, lineWidth: -1 }));
    const prometheusConfig: Section = {
      ...localised,
      global: {
        ...localised.global,
        ...(options.scrapeInterval ? { scrape_interval: options.scrapeInterval } : {}),
        ...(options.evaluationInterval ? { evaluation_interval: options.evaluationInterval } : {}),
      },
      // The operator's rule_files point at the mounted rule ConfigMaps; here they are one file.
      rule_files: [join(dir, "rules.yml")],
    };
    writeFileSync(join(dir, "prometheus.yml"), yaml.dump(prometheusConfig, { noRefs: true, lineWidth: -1 }));
    await launch(
      "prometheus",
      bins.prometheus!,
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "tsdb")}`,
        `--web.listen-address=127.0.0.1:${ports.prom}`,
        // Prometheus 3 (the pinned build, as the cluster) expands ${VAR} in external labels by default and
        // warns about the flag; Debian's 2.x fallback needs it.
        ...(prometheusMajor() < 3 ? ["--enable-feature=expand-external-labels"] : []),
      ],
      `http://127.0.0.1:${ports.prom}/-/ready`,
      // What bootstrap's `pagerduty` Secret (key `pager`) gives the Prometheus container when a key is set.
      options.pager === false ? {} : { [pagerSwitch.env]: pagerSwitch.enabled },
    );

    const prometheusURL = `http://127.0.0.1:${ports.prom}`;
    const api = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${prometheusURL}${path}`, { signal: AbortSignal.timeout(10_000) });
      const body = (await res.json()) as { status: string; data: T; error?: string };
      if (body.status !== "success") throw new Error(`${path}: ${body.error}`);
      return body.data;
    };
    return {
      prometheusURL,
      alertmanagerURL: `http://127.0.0.1:${ports.am}`,
      backend,
      frontend,
      db,
      pagerduty,
      routingKey,
      routingKeyFile,
      skipped,
      query: async (expr) =>
        (
          await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
            `/api/v1/query?query=${encodeURIComponent(expr)}`,
          )
        ).result,
      idleJobs: async () => {
        const { activeTargets } = await api<{ activeTargets: { scrapePool: string }[] }>("/api/v1/targets?state=active");
        const busy = new Set(activeTargets.map((t) => t.scrapePool));
        return (prometheusConfig.scrape_configs as Section[]).map((j) => String(j.job_name)).filter((j) => !busy.has(j));
      },
      targets: async () =>
        (
          await api<{ activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] }>("/api/v1/targets")
        ).activeTargets.map((t) => ({
          job: t.labels.job ?? "",
          health: t.health,
          lastError: t.lastError,
          labels: t.labels,
        })),
      alertGroups: async () => {
        const res = await fetch(`http://127.0.0.1:${ports.am}/api/v2/alerts/groups`, { signal: AbortSignal.timeout(10_000) });
        const groups = (await res.json()) as { receiver: { name: string }; alerts: { labels: Record<string, string> }[] }[];
        return groups.map((g) => ({ receiver: g.receiver.name, alerts: g.alerts }));
      },
      traffic: async (rounds) => {
        for (let i = 0; i < rounds; i++) {
          await fetch(`${frontend.url}/`).then((r) => r.text());
          await fetch(`${frontend.url}/messages`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ author: `live ${i}`, message: `message ${i}` }).toString(),
            redirect: "manual",
          }).then((r) => r.text());
          await fetch(`${backend.url}/messages`).then((r) => r.text());
          await fetch(`${frontend.url}/no-such-page`).then((r) => r.text());
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls `check` every 250 ms until it returns a value (not undefined) or `ms` passes. */
export async function eventually<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
