// Monitoring figures: how long from killing the backend to PagerDuty receiving the page (the generated
// intervals, and the test-only ones for contrast), and what the stack asks of the cluster in each
// overlay beside kube-prometheus' own manifests. Writes the "Monitoring" section of docs/benchmarks.md.
import { find, overlay, seconds, stack, type Obj } from "../monitoring/support.js";
import { eventually, startLiveStack, testIntervals, type LiveOptions } from "../monitoring/live-stack.js";
import { median, writeSection } from "./report.js";

const runs = Number(process.env.MONITORING_BENCH_RUNS ?? 3);

/** One detection: a fresh stack, the backend seen up, then killed; ms until the PagerDuty double gets the trigger. */
async function detection(options: LiveOptions): Promise<number> {
  const live = await startLiveStack(options);
  try {
    await eventually("backend scraped up", 120_000, async () =>
      (await live.query('up{job="backend"} == 1')).length > 0 ? true : undefined,
    );
    await eventually("no backend alert pending", 120_000, async () =>
      (await live.query('ALERTS{alertname="GuestbookBackendDown"}')).length === 0 ? true : undefined,
    );
    const killed = Date.now();
    await live.backend.kill();
    const trigger = await eventually("PagerDuty trigger", 300_000, async () =>
      live.pagerduty.events.find((e) => e.event.event_action === "trigger" && e.event.payload?.group === "GuestbookBackendDown"),
    );
    return trigger.at - killed;
  } finally {
    await live.stop();
  }
}

// --- Resource totals -------------------------------------------------------------------------------

interface Totals {
  cpuRequest: number; // millicores
  memRequest: number; // MiB
  cpuLimit: number;
  memLimit: number;
  unboundedLimits: string[];
}

const cpu = (v?: string) => (!v ? 0 : v.endsWith("m") ? Number(v.slice(0, -1)) : Number(v) * 1000);
const mem = (v?: string) =>
  !v ? 0 : v.endsWith("Mi") ? Number(v.slice(0, -2)) : v.endsWith("Gi") ? Number(v.slice(0, -2)) * 1024 : Number(v) / 2 ** 20;
type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };

function add(t: Totals, r: Resources | undefined, count: number, what: string): void {
  t.cpuRequest += cpu(r?.requests?.cpu) * count;
  t.memRequest += mem(r?.requests?.memory) * count;
  t.cpuLimit += cpu(r?.limits?.cpu) * count;
  t.memLimit += mem(r?.limits?.memory) * count;
  if (!r?.limits?.cpu || !r?.limits?.memory) t.unboundedLimits.push(what);
}

/** prometheus-operator's default config-reloader sidecar (cmd/operator/main.go, v0.93: 10m and 50Mi, requests = limits). */
const reloader: Resources = { requests: { cpu: "10m", memory: "50Mi" }, limits: { cpu: "10m", memory: "50Mi" } };

/** Requests and limits of one overlay's monitoring layers; DaemonSets count once (Kind's single node). */
function totals(env: string): Totals {
  const t: Totals = { cpuRequest: 0, memRequest: 0, cpuLimit: 0, memLimit: 0, unboundedLimits: [] };
  for (const o of stack(env) as Obj[]) {
    if (o.kind === "Deployment" || o.kind === "DaemonSet") {
      const count = o.kind === "DaemonSet" ? 1 : (o.spec.replicas ?? 1);
      for (const c of o.spec.template.spec.containers) add(t, c.resources, count, `${o.metadata.name}/${c.name}`);
    }
  }
  for (const [kind, name] of [
    ["Prometheus", "k8s"],
    ["Alertmanager", "main"],
  ] as const) {
    const cr = find(overlay(env, "platform"), kind, name);
    add(t, cr.spec.resources, cr.spec.replicas ?? 1, `${kind}/${name}`);
    add(t, reloader, cr.spec.replicas ?? 1, `${kind}/${name} reloader`);
  }
  return t;
}

/**
 * kube-prometheus' manifests/ at commit 4d719f1d (v0.17.0-102, 2026-08): per-container requests/limits × replicas,
 * node-exporter on one node. Prometheus has a 400Mi request and no limits there.
 */
function kubePrometheus(): Totals {
  const t: Totals = { cpuRequest: 0, memRequest: 0, cpuLimit: 0, memLimit: 0, unboundedLimits: [] };
  const r = (rc: string, rm: string, lc?: string, lm?: string): Resources => ({
    requests: { cpu: rc, memory: rm },
    limits: lc && lm ? { cpu: lc, memory: lm } : {},
  });
  const rbacProxy = r("10m", "20Mi", "20m", "40Mi");
  const parts: [string, Resources, number][] = [
    ["prometheus-operator", r("100m", "100Mi", "200m", "200Mi"), 1],
    ["prometheus-operator/kube-rbac-proxy", rbacProxy, 1],
    ["prometheus-k8s", r("0m", "400Mi"), 2],
    ["prometheus-k8s reloader", reloader, 2],
    ["alertmanager-main", r("4m", "100Mi", "100m", "100Mi"), 3],
    ["alertmanager-main reloader", reloader, 3],
    ["grafana", r("100m", "100Mi", "200m", "200Mi"), 1],
    ["kube-state-metrics", r("10m", "190Mi", "100m", "250Mi"), 1],
    ["kube-state-metrics/kube-rbac-proxy-main", r("20m", "20Mi", "40m", "40Mi"), 1],
    ["kube-state-metrics/kube-rbac-proxy-self", rbacProxy, 1],
    ["node-exporter", r("102m", "180Mi", "250m", "180Mi"), 1],
    ["node-exporter/kube-rbac-proxy", rbacProxy, 1],
    ["blackbox-exporter (3 containers)", r("10m", "20Mi", "20m", "40Mi"), 3],
    ["prometheus-adapter", r("102m", "180Mi", "250m", "180Mi"), 2],
  ];
  for (const [what, res, n] of parts) add(t, res, n, what);
  return t;
}

const fmtCpu = (m: number) => `${(m / 1000).toFixed(2)} CPU`;
const fmtMem = (mi: number) => `${(mi / 1024).toFixed(2)} GiB`;
const row = (name: string, t: Totals) =>
  `| ${name} | ${fmtCpu(t.cpuRequest)} | ${fmtMem(t.memRequest)} | ${fmtCpu(t.cpuLimit)}${t.unboundedLimits.length ? "*" : ""} | ${fmtMem(t.memLimit)}${t.unboundedLimits.length ? "*" : ""} |`;

const local = totals("local");
const ha = totals("ha");
const kp = kubePrometheus();

const production: number[] = [];
const fast: number[] = [];
for (let i = 0; i < runs; i++) {
  production.push(await detection({}));
  fast.push(await detection(testIntervals));
  console.log(
    `run ${i + 1}/${runs}: ${(production.at(-1)! / 1000).toFixed(1)} s with the generated intervals, ${(fast.at(-1)! / 1000).toFixed(1)} s with the test ones`,
  );
}

const cr = find(overlay("local", "platform"), "Prometheus", "k8s").spec;
const backendInterval = find(overlay("local", "monitors"), "ServiceMonitor", "backend").spec.endpoints[0].interval;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const budget = seconds(backendInterval) + 2 * seconds(cr.evaluationInterval) + 30 + 10;

writeSection(
  "Monitoring",
  `
### Alert detection latency (backend killed → PagerDuty trigger received)

Real Prometheus, Alertmanager and exporters (Debian packages) around the real guestbook on FerretDB, with the
generated rules and Alertmanager configuration; PagerDuty is the local Events v2 double. A fresh stack per run,
${runs} runs each, the same machine and run. Goal: ≤ 90 s with the generated intervals.

| intervals | median | min | max |
|---|---|---|---|
| generated: backend scraped every ${backendInterval}, rules every ${cr.evaluationInterval}, \`for: 30s\`, critical group_wait 10s | ${s(median(production))} | ${s(Math.min(...production))} | ${s(Math.max(...production))} |
| test-only: scrape and evaluate every 1 s, every \`for\` 2 s, group_wait 1 s | ${s(median(fast))} | ${s(Math.min(...fast))} | ${s(Math.max(...fast))} |

Worst case by construction with the generated intervals: scrape ${backendInterval} + evaluation ${cr.evaluationInterval} + \`for\` 30 s +
one more evaluation ${cr.evaluationInterval} + group_wait 10 s = ${budget} s. Ratio generated / test-only (medians): ${(median(production) / median(fast)).toFixed(1)}×.

### Resource requests and limits of the monitoring layers

Sums over every container × replicas (DaemonSets on one node; the operator's config-reloader sidecars
counted at its defaults, 10m / 50Mi). Goal for \`local\`: ≤ 1.5 CPU and ≤ 2 GiB of requests.

| stack | CPU requests | memory requests | CPU limits | memory limits |
|---|---|---|---|---|
${row("stackwave `local`", local)}
${row("stackwave `ha`", ha)}
${row("kube-prometheus defaults (manifests/ at 4d719f1d)", kp)}

${kp.unboundedLimits.length ? `\\* kube-prometheus leaves these without limits (so its limit sums are lower bounds): ${[...new Set(kp.unboundedLimits)].join(", ")}.` : ""}
`,
);
