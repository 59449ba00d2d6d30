// Brings up the simulated cluster: the real control plane and Argo CD as loopback processes, kwok
// standing in for kubelets. One state file records every process so any shell can tear it down.
import { randomBytes } from "node:crypto";
import type { KubeConfig } from "@kubernetes/client-node";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { images, imageString } from "../../generators/versions.js";
import { binDir, cacheDir } from "../cache/dirs.js";
import { argoCrdFiles, argoSettingsYaml, defaultProjectYaml } from "./argocd.js";
import { kwokConfigYaml } from "./kwok.js";
import { makePki, kubeconfig, type Pki } from "./pki.js";
import { leasePorts } from "./ports.js";
import { get, tcp, waitFor } from "./probe.js";
import { alive, killNow, startProc, stopProc, type Proc } from "./process.js";
import { run } from "../cache/command.js";

/** How to bring the simulated cluster up. */
export interface SimOptions {
  /** Folder for state, PKI, data and logs. Default $STACKWAVE_CACHE/sim/run. */
  readonly dir?: string;
  /**
   * Start Argo CD: true, its CRDs, settings, redis and the three components; `"later"`, only the processes, when
   * `startArgocd()` is called, reading the CRDs and settings another install put in (bootstrap's Helm release,
   * whose pods kwok only pretends to run). Default true.
   */
  readonly argocd?: boolean | "later";
  /** Extra argocd-cm entries (e.g. health Lua and timeouts from a generated cluster definition). */
  readonly argocdCm?: Readonly<Record<string, string>>;
  /** Extra argocd-secret entries (e.g. `webhook.github.secret`). */
  readonly argocdSecret?: Readonly<Record<string, string>>;
  /** Admin password for argocd-server. Default: random, printed and kept in the state file. */
  readonly adminPassword?: string;
  /**
   * Run the real prometheus-operator as a process once the monitoring.coreos.com CRDs are Established
   * (e.g. after Argo CD synced the CRD wave). It checks its CRDs only at start, so it waits for them. Default false.
   */
  readonly prometheusOperator?: boolean;
  /** Fake nodes kwok manages. Default 1. */
  readonly nodes?: number;
  /** Zones the nodes are in, node i in zones[i % length] (label topology.kubernetes.io/zone). Default: no zone label. */
  readonly zones?: readonly string[];
  /** Allocatable CPU and memory of each node, as quantities. Default 32 CPUs and 256Gi: room for the whole stack. */
  readonly nodeSize?: { readonly cpu: string; readonly memory: string };
  /** Progress lines. Default console.log. */
  readonly log?: (line: string) => void;
}

/** What a running simulated cluster exposes; also the content of state.json. */
export interface SimState {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly apiServer: string;
  readonly ports: Readonly<Record<string, number>>;
  readonly argocd?: { readonly namespace: string; readonly url: string; readonly adminPassword: string };
  readonly procs: readonly Proc[];
}

export interface Sim extends SimState {
  /** PATH and KUBECONFIG for child processes (kubectl, kustomize, argocd CLI). */
  readonly env: NodeJS.ProcessEnv;
  /** A @kubernetes/client-node config for the cluster (the client loads lazily: it takes seconds). */
  kubeConfig(): Promise<KubeConfig>;
  /** Runs kubectl against the cluster; resolves with stdout. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  /** With `argocd: "later"`: starts redis and the Argo CD components on the settings in the cluster; resolves once they answer. */
  startArgocd(): Promise<void>;
  /** Starts one more long-running process that stop() and `down` end with the rest (e.g. the git server). */
  spawn(name: string, argv: readonly string[], env?: NodeJS.ProcessEnv, cwd?: string): Proc;
  /** Stops every process (reverse start order) and removes the folder. */
  stop(): Promise<void>;
  /** Lets the components outlive this process (they are still recorded for `down`). */
  detach(): void;
}

export const defaultDir = join(cacheDir, "sim", "run");
const stateFile = (dir: string) => join(dir, "state.json");

/** The Argo CD namespace; fixed because generated Applications name it. */
export const argocdNamespace = "argocd";

/** Absolute path of a binary from the tool cache, then PATH, then `fallbacks`; throws naming the fix. */
function binary(name: string, fallbacks: readonly string[] = []): string {
  const dirs = [binDir, ...(process.env.PATH ?? "").split(delimiter), ...fallbacks];
  const found = dirs.map((d) => join(d, name)).find((p) => existsSync(p));
  if (!found) throw new Error(`sim: "${name}" not found in ${binDir} or PATH; build it with: npx tsx tools/cache/build.ts`);
  return found;
}

/** Stops whatever a state file records and removes its folder. Safe to call when nothing runs. */
export async function down(dir = defaultDir, log: (line: string) => void = console.log): Promise<void> {
  if (existsSync(stateFile(dir))) {
    const state = JSON.parse(readFileSync(stateFile(dir), "utf8")) as SimState;
    for (const proc of [...state.procs].reverse()) {
      if (!alive(proc.pid)) continue;
      log(`[sim] stopping ${proc.name} (pid ${proc.pid})`);
      await stopProc(proc);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

const elapsed = (start: number) => `${((Date.now() - start) / 1000).toFixed(1)} s`;

/** Starts the simulated cluster; on any failure stops what it started and rethrows. */
export async function up(options: SimOptions = {}): Promise<Sim> {
  const dir = options.dir ?? defaultDir;
  const log = options.log ?? console.log;
  if (existsSync(stateFile(dir))) {
    const old = JSON.parse(readFileSync(stateFile(dir), "utf8")) as SimState;
    const running = old.procs.filter((p) => alive(p.pid));
    if (running.length) throw new Error(`sim: already running in ${dir} (${running.map((p) => p.name).join(", ")}); stop it with --down`);
  }
  rmSync(dir, { recursive: true, force: true });
  const logs = join(dir, "logs");
  for (const sub of ["logs", "pki", "data", "argocd/tls", "argocd/ssh", "argocd/gpg", "argocd/tmp", "argocd/ui"]) {
    mkdirSync(join(dir, sub), { recursive: true });
  }

  const withArgo = options.argocd ?? true;
  let argoStarted = false;
  // Resolve every program first: a missing one fails before anything starts.
  const bin = {
    etcd: binary("etcd", ["/usr/bin"]),
    apiserver: binary("kube-apiserver"),
    controllerManager: binary("kube-controller-manager"),
    scheduler: binary("kube-scheduler"),
    kwok: binary("kwok"),
    kubectl: binary("kubectl"),
    openssl: binary("openssl", ["/usr/bin"]),
    ...(withArgo
      ? { redis: binary("redis-server", ["/usr/bin"]), argocd: binary("argocd"), kustomize: binary("kustomize"), git: binary("git") }
      : {}),
    ...(options.prometheusOperator ? { operator: binary("prometheus-operator") } : {}),
  };
  const names = [
    "etcd",
    "etcdPeer",
    "apiserver",
    "controllerManager",
    "scheduler",
    "kwok",
    "redis",
    "repoServer",
    "repoServerMetrics",
    "controllerMetrics",
    "argocdServer",
    "argocdServerMetrics",
    "prometheusOperator",
  ];
  // Every flag names its port before the component starts; leased until stop() or this process exits
  // (the operator binds only once the CRDs exist, so bring-up's end is not the handover).
  const leases = await leasePorts(names.length);
  const ports = Object.fromEntries(names.map((n, i) => [n, leases[i]!.port])) as Record<string, number>;
  const port = (n: string) => ports[n]!;

  const procs: Proc[] = [];
  const kubeconfigPath = join(dir, "kubeconfig");
  const apiServer = `https://127.0.0.1:${port("apiserver")}`;
  const adminPassword = options.adminPassword ?? randomBytes(12).toString("base64url");
  const argoUrl = `http://127.0.0.1:${port("argocdServer")}`;
  const state = (): SimState => ({
    dir,
    kubeconfig: kubeconfigPath,
    apiServer,
    ports,
    ...(withArgo === true ? { argocd: { namespace: argocdNamespace, url: argoUrl, adminPassword } } : {}),
    procs,
  });
  const save = () => writeFileSync(stateFile(dir), JSON.stringify(state(), null, 2) + "\n");
  // The tools the components call by name (git, kustomize, the argocd askpass helper) come first.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [binDir, process.env.PATH ?? "/usr/bin:/bin"].join(delimiter),
    KUBECONFIG: kubeconfigPath,
  };
  const kubectl = (args: readonly string[], input?: string) =>
    run([bin.kubectl, "--kubeconfig", kubeconfigPath, ...args], { env, ...(input === undefined ? {} : { input }) });
  const start = (name: string, argv: readonly string[], extraEnv: NodeJS.ProcessEnv = {}, cwd = dir) => {
    const proc = startProc(logs, name, argv, { env: { ...env, ...extraEnv }, cwd });
    procs.push(proc);
    save();
    log(`[sim] ${name}: started (pid ${proc.pid}, log ${proc.log})`);
    return proc;
  };
  const ready = async (proc: Proc, check: () => Promise<unknown>, t0: number, timeoutMs?: number) => {
    await waitFor(proc, proc.name, check, timeoutMs);
    log(`[sim] ${proc.name}: ready in ${elapsed(t0)}`);
  };
  let stopping = false;
  const stop = async () => {
    stopping = true;
    for (const proc of [...procs].reverse()) {
      if (alive(proc.pid)) await stopProc(proc);
    }
    for (const lease of leases) lease.release();
    rmSync(dir, { recursive: true, force: true });
  };
  // If this process dies without stop(), take the components with it (a crash must not leak servers).
  const onExit = () => procs.forEach(killNow);
  process.once("exit", onExit);

  /** Argo CD's CRDs, settings and default project, as upstream's install manifests would create them. */
  const installArgo = async () => {
    const t0 = Date.now();
    const crds = await argoCrdFiles();
    // Server-side apply: the ApplicationSet CRD is too big for the last-applied annotation.
    await kubectl(["apply", "--server-side", ...crds.flatMap((f) => ["-f", f])]);
    // kubectl wait fails outright while a new CRD has no conditions yet, so retry it.
    await waitFor(
      undefined,
      "Argo CD CRDs Established",
      () => kubectl(["wait", "--for=condition=Established", "--timeout=5s", ...crds.flatMap((f) => ["-f", f])]),
      60_000,
    );
    await kubectl(
      ["apply", "-f", "-"],
      argoSettingsYaml({
        namespace: argocdNamespace,
        adminPassword,
        url: argoUrl,
        ...(options.argocdCm ? { cm: options.argocdCm } : {}),
        ...(options.argocdSecret ? { secret: options.argocdSecret } : {}),
      }),
    );
    await kubectl(["apply", "-f", "-"], defaultProjectYaml(argocdNamespace));
    log(`[sim] argocd: CRDs established and settings applied in ${elapsed(t0)}`);
  };
  /** Redis and the three Argo CD components, reading the settings in the cluster. */
  const startArgo = async () => {
    let t0 = Date.now();
    const redisUrl = `127.0.0.1:${port("redis")}`;
    const redis = start("redis", [
      bin.redis!,
      "--bind",
      "127.0.0.1",
      "--port",
      String(port("redis")),
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      join(dir, "data"),
    ]);
    await ready(redis, () => tcp(port("redis")), t0);

    const argocd = bin.argocd!;
    const argoDir = join(dir, "argocd");
    const argoEnv = (component: string): NodeJS.ProcessEnv => ({
      ARGOCD_BINARY_NAME: component,
      // The "in-cluster" destination then means our KUBECONFIG, not a service-account mount.
      ARGOCD_FAKE_IN_CLUSTER: "true",
      ARGOCD_GPG_ENABLED: "false",
      ARGOCD_TLS_DATA_PATH: join(argoDir, "tls"),
      ARGOCD_SSH_DATA_PATH: join(argoDir, "ssh"),
      ARGOCD_GNUPGHOME: join(argoDir, "gpg"),
      TMPDIR: join(argoDir, "tmp"),
      ...timeoutEnv(options.argocdCm),
    });
    const common = ["--redis", redisUrl, "--loglevel", "info"];
    const repoServer = `127.0.0.1:${port("repoServer")}`;
    t0 = Date.now();
    const repo = start(
      "argocd-repo-server",
      [
        argocd,
        "--address",
        "127.0.0.1",
        "--port",
        String(port("repoServer")),
        "--metrics-address",
        "127.0.0.1",
        "--metrics-port",
        String(port("repoServerMetrics")),
        "--disable-tls",
        ...common,
      ],
      argoEnv("argocd-repo-server"),
    );
    await ready(repo, () => tcp(port("repoServer")), t0);

    t0 = Date.now();
    const kube = ["--kubeconfig", kubeconfigPath, "--namespace", argocdNamespace];
    const server = start(
      "argocd-server",
      [
        argocd,
        ...kube,
        "--insecure",
        "--address",
        "127.0.0.1",
        "--port",
        String(port("argocdServer")),
        "--metrics-address",
        "127.0.0.1",
        "--metrics-port",
        String(port("argocdServerMetrics")),
        "--repo-server",
        repoServer,
        "--repo-server-plaintext",
        "--staticassets",
        join(argoDir, "ui"),
        ...common,
      ],
      argoEnv("argocd-server"),
    );
    // Exception to "loopback only": upstream hard-codes 0.0.0.0 for this metrics port
    // (controller/appcontroller.go); it is a random free port and nothing connects from outside.
    const controller = start(
      "argocd-application-controller",
      [
        argocd,
        ...kube,
        "--repo-server",
        repoServer,
        "--repo-server-plaintext",
        "--metrics-port",
        String(port("controllerMetrics")),
        "--status-processors",
        "4",
        "--operation-processors",
        "2",
        ...common,
      ],
      argoEnv("argocd-application-controller"),
    );
    await ready(server, () => get(`${argoUrl}/healthz`), t0);
    await ready(controller, () => get(`http://127.0.0.1:${port("controllerMetrics")}/metrics`), t0);
  };

  const total = Date.now();
  try {
    // etcd: prefer the pinned 3.5 build; Debian's 3.4 works too but knows no --unsafe-no-fsync.
    let t0 = Date.now();
    const cachedEtcd = bin.etcd.startsWith(binDir);
    const peer = `http://127.0.0.1:${port("etcdPeer")}`;
    const etcdUrl = `http://127.0.0.1:${port("etcd")}`;
    const etcd = start("etcd", [
      bin.etcd,
      "--name=sim",
      `--data-dir=${join(dir, "data", "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=sim=${peer}`,
      // A disposable cluster: durability is not worth fsync latency on a shared disk.
      ...(cachedEtcd ? ["--unsafe-no-fsync"] : []),
      "--log-level=warn",
    ]);
    await ready(etcd, () => get(`${etcdUrl}/health`), t0);

    t0 = Date.now();
    const pki: Pki = await makePki(join(dir, "pki"));
    writeFileSync(kubeconfigPath, kubeconfig(pki, apiServer));
    const apiserver = start("kube-apiserver", [
      bin.apiserver,
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${port("apiserver")}`,
      `--cert-dir=${join(dir, "pki", "apiserver")}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.ca}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      "--service-cluster-ip-range=10.96.0.0/16",
      "--authorization-mode=RBAC",
      "--allow-privileged=true",
      // Loopback cannot be published as the kubernetes Service endpoint; nothing in the sim needs it.
      "--endpoint-reconciler-type=none",
    ]);
    const tls = { ca: readFileSync(pki.ca), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) };
    await ready(apiserver, () => get(`${apiServer}/readyz`, tls), t0, 180_000);

    // The controller-manager and scheduler serve self-signed /healthz; the probe only checks liveness.
    const selfSigned = { rejectUnauthorized: false };
    const component = (name: string, program: string, portName: string, extra: readonly string[]) =>
      start(name, [
        program,
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${port(portName)}`,
        `--cert-dir=${join(dir, "pki", name)}`,
        "--leader-elect=false",
        ...extra,
      ]);
    t0 = Date.now();
    const kcm = component("kube-controller-manager", bin.controllerManager, "controllerManager", [
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.ca}`,
      `--cluster-signing-cert-file=${pki.ca}`,
      `--cluster-signing-key-file=${pki.caKey}`,
    ]);
    const scheduler = component("kube-scheduler", bin.scheduler, "scheduler", []);
    await ready(kcm, () => get(`https://127.0.0.1:${port("controllerManager")}/healthz`, selfSigned), t0);
    await ready(scheduler, () => get(`https://127.0.0.1:${port("scheduler")}/healthz`, selfSigned), t0);

    t0 = Date.now();
    const nodeNames = Array.from({ length: options.nodes ?? 1 }, (_, i) => `sim-node-${i}`);
    const zoneOf = (i: number): Record<string, string> =>
      options.zones?.length ? { "topology.kubernetes.io/zone": options.zones[i % options.zones.length]! } : {};
    await kubectl(["apply", "-f", "-"], nodeNames.map((n, i) => nodeYaml(n, zoneOf(i), options.nodeSize)).join("---\n"));
    const kwokConfig = join(dir, "kwok.yaml");
    writeFileSync(kwokConfig, await kwokConfigYaml());
    const kwok = start("kwok", [
      bin.kwok,
      `--config=${kwokConfig}`,
      // Heartbeats through Leases, as kubelets do: status-only heartbeats came late on a busy machine, and the
      // node lifecycle controller then marked every pod NotReady.
      "--node-lease-duration-seconds=40",
      `--kubeconfig=${kubeconfigPath}`,
      "--manage-all-nodes=false",
      `--manage-nodes-with-annotation-selector=${kwokAnnotation}=fake`,
      "--cidr=10.244.0.1/16",
      "--node-ip=127.0.0.1",
      `--server-address=127.0.0.1:${port("kwok")}`,
    ]);
    await ready(kwok, () => kubectl(["wait", "--for=condition=Ready", "--timeout=5s", ...nodeNames.map((n) => `node/${n}`)]), t0);

    if (withArgo === true) {
      await installArgo();
      await startArgo();
    }
    if (bin.operator) {
      const operator = bin.operator;
      void whenCrdsEstablished(kubectl, () => stopping)
        .then(async (found) => {
          if (!found || stopping) return;
          const t = Date.now();
          const proc = start("prometheus-operator", [
            operator,
            `--web.listen-address=127.0.0.1:${port("prometheusOperator")}`,
            `--prometheus-config-reloader=${imageString(images.prometheusConfigReloader)}`,
          ]);
          await ready(proc, () => get(`http://127.0.0.1:${port("prometheusOperator")}/healthz`), t);
        })
        .catch((err: unknown) => log(`[sim] prometheus-operator: ${err instanceof Error ? err.message : String(err)}`));
      log("[sim] prometheus-operator: starts once the monitoring.coreos.com CRDs are Established");
    }
    save();
    log(
      `[sim] up in ${elapsed(total)}: KUBECONFIG=${kubeconfigPath}${withArgo === true ? `, Argo CD ${argoUrl} (admin / ${adminPassword})` : ""}`,
    );
  } catch (err) {
    log(`[sim] bring-up failed after ${elapsed(total)}; stopping what started`);
    await stop();
    process.removeListener("exit", onExit);
    throw err;
  }
  return {
    ...state(),
    env,
    kubectl,
    async kubeConfig() {
      const { KubeConfig } = await import("@kubernetes/client-node");
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      return kc;
    },
    async startArgocd() {
      if (withArgo !== "later")
        throw new Error(`sim: startArgocd() is for argocd: "later"; this cluster was brought up with argocd: ${withArgo}`);
      // A second set of processes would take the same ports, and the readiness checks would pass on the first.
      if (argoStarted) throw new Error("sim: startArgocd() was already called on this cluster");
      argoStarted = true;
      await startArgo();
      log(`[sim] argocd: started on the cluster's settings, ${argoUrl}`);
    },
    spawn: (name, argv, extraEnv = {}, cwd = dir) => start(name, argv, extraEnv, cwd),
    async stop() {
      await stop();
      process.removeListener("exit", onExit);
    },
    detach() {
      process.removeListener("exit", onExit);
    },
  };
}

/**
 * Upstream's manifests feed argocd-cm's reconciliation timeouts to the controller and repo-server as
 * environment variables (the processes do not read those keys themselves); the sim does the same.
 */
function timeoutEnv(cm: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const soft = cm?.["timeout.reconciliation"];
  const hard = cm?.["timeout.hard.reconciliation"];
  if (soft !== undefined) env.ARGOCD_RECONCILIATION_TIMEOUT = soft;
  if (hard !== undefined) env.ARGOCD_HARD_RECONCILIATION_TIMEOUT = hard;
  return env;
}

/** The operator's CRDs that must exist before it starts (it skips controllers whose CRD is missing). */
const operatorCrds = ["prometheuses", "alertmanagers", "servicemonitors", "podmonitors", "probes", "prometheusrules"];

/** Polls until the operator's CRDs are Established; false if `cancelled` turns true first. */
async function whenCrdsEstablished(kubectl: (args: readonly string[]) => Promise<string>, cancelled: () => boolean): Promise<boolean> {
  const names = operatorCrds.map((n) => `crd/${n}.monitoring.coreos.com`);
  while (!cancelled()) {
    try {
      await kubectl(["wait", "--for=condition=Established", "--timeout=1s", ...names]);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
  return false;
}

/** kwok manages only nodes carrying this annotation, so it never touches anything else. */
export const kwokAnnotation = "kwok.x-k8s.io/node";

/** A fake Node, by default with room for the whole stack; kwok fills in conditions and heartbeats. */
export function nodeYaml(
  name: string,
  extraLabels: Readonly<Record<string, string>> = {},
  size: { readonly cpu: string; readonly memory: string } = { cpu: "32", memory: "256Gi" },
): string {
  const room = `    cpu: ${JSON.stringify(size.cpu)}\n    memory: ${size.memory}\n    pods: "110"\n`;
  return [
    "apiVersion: v1",
    "kind: Node",
    "metadata:",
    `  name: ${name}`,
    "  annotations:",
    `    ${kwokAnnotation}: fake`,
    '    node.alpha.kubernetes.io/ttl: "0"',
    "  labels:",
    `    kubernetes.io/hostname: ${name}`,
    "    kubernetes.io/os: linux",
    "    kubernetes.io/arch: amd64",
    "    type: kwok",
    ...Object.entries(extraLabels).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
    "status:",
    "  allocatable:",
    room.trimEnd(),
    "  capacity:",
    room.trimEnd(),
    "",
  ].join("\n");
}
