// npm run bench:bootstrap: the main command on real Kind, from the figures `npm run test:e2e` records in
// test-output/kind-bootstrap.json (one cold bring-up, five pushes, the warm rerun, every pod's working set
// after five idle minutes, three pages). Runs the suite first unless BENCH_REUSE=1 reports the last run's figures.
// Writes the "Kind bootstrap" section of docs/benchmarks.md.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../generators/paths.js";
import { median, writeSection } from "./report.js";

const file = join(repoRoot, "test-output", "kind-bootstrap.json");
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");
const reuse = process.env.BENCH_REUSE === "1";
const loadBefore = load();
if (!reuse) {
  execFileSync("npm", ["run", "test:e2e"], { cwd: repoRoot, stdio: "inherit", env: { ...process.env, CI: "true" } });
}
if (!existsSync(file)) throw new Error(`${file} is missing: run npm run test:e2e first (or drop BENCH_REUSE=1)`);

interface Figure<T> {
  value: T;
  at: string;
}
interface Run {
  seconds: number;
  steps: Record<string, number>;
}
interface PodMemory {
  pod: string;
  workingSetMiB?: number;
  requestMiB?: number;
}
const figures = JSON.parse(readFileSync(file, "utf8")) as Partial<{
  cold: Figure<Run>;
  "warm rerun": Figure<Run>;
  "push to live (s)": Figure<number[]>;
  "targets up": Figure<number>;
  "working set after 5 min idle (MiB)": Figure<PodMemory[]>;
  "page: push to trigger delivered (s)": Figure<number[]>;
  "page: push to resolve delivered (s)": Figure<number[]>;
}>;
const need = <T>(figure: Figure<T> | undefined, name: string): Figure<T> => {
  if (!figure) throw new Error(`${file}: no "${name}" figure: the e2e run stopped before it`);
  return figure;
};
const cold = need(figures.cold, "cold");
const warm = need(figures["warm rerun"], "warm rerun");
const pushes = need(figures["push to live (s)"], "push to live (s)").value;
const memory = need(figures["working set after 5 min idle (MiB)"], "working set after 5 min idle (MiB)").value;
const triggers = need(figures["page: push to trigger delivered (s)"], "page: push to trigger delivered (s)").value;
const resolves = need(figures["page: push to resolve delivered (s)"], "page: push to resolve delivered (s)").value;

const s = (n: number) => `${n.toFixed(1)} s`;
const steps = [...new Set([...Object.keys(cold.value.steps), ...Object.keys(warm.value.steps)])];
const stepRows = steps.map((step) => `| ${step} | ${s(cold.value.steps[step] ?? 0)} | ${s(warm.value.steps[step] ?? 0)} |`).join("\n");
const poll = 180;
const pushMedian = median(pushes);
const total = (key: "workingSetMiB" | "requestMiB") => memory.reduce((sum, row) => sum + (row[key] ?? 0), 0);
const byNamespace = new Map<string, { ws: number; req: number; pods: number }>();
for (const row of memory) {
  const ns = row.pod.split("/")[0]!;
  const entry = byNamespace.get(ns) ?? { ws: 0, req: 0, pods: 0 };
  entry.ws += row.workingSetMiB ?? 0;
  entry.req += row.requestMiB ?? 0;
  entry.pods += 1;
  byNamespace.set(ns, entry);
}
const mib = (n: number | undefined) => (n === undefined ? "–" : `${n.toFixed(0)} MiB`);
const podRows = [...memory]
  .sort((a, b) => (b.workingSetMiB ?? 0) - (a.workingSetMiB ?? 0))
  .map((row) => `| ${row.pod} | ${mib(row.workingSetMiB)} | ${mib(row.requestMiB)} |`)
  .join("\n");
const nsRows = [...byNamespace]
  .sort((a, b) => b[1].ws - a[1].ws)
  .map(([ns, e]) => `| ${ns} | ${e.pods} | ${mib(e.ws)} | ${mib(e.req)} |`)
  .join("\n");

writeSection(
  "Kind bootstrap",
  `\`node bootstrap.mjs --offline --chart ../shared/charts/argo-cd-9.3.7.tgz\` from a clean clone, on real Kind (the harness
Docker, one node), every image pulled through the local mirror (\`npm run test:e2e\`, test/e2e/bootstrap.test.ts). The
cold run starts with no registry, git server or stack (the harness has just created the empty Kind cluster, which
bootstrap adopts; the images are in the harness Docker); the warm run is bootstrap again on the running cluster. ${
    reuse
      ? "Figures of the last e2e run"
      : `Load average (1/5/15 min) before the e2e run: ${loadBefore}; after: ${load()}. Figures of the run`
  }, whose cold bring-up ended at ${cold.at.slice(0, 16).replace("T", " ")} UTC.

| step | cold | warm rerun |
|---|---|---|
${stepRows}
| **total** | **${s(cold.value.seconds)}** | **${s(warm.value.seconds)}** |

Push → live through the webhook (a generator change committed through the pre-commit hook, \`git push local
HEAD:main\`, until the new frontend replica count is live), ${pushes.length} pushes: median ${s(pushMedian)}
(${pushes.map((p) => p.toFixed(1)).join(", ")} s), against Argo CD's ${poll} s poll: ${(poll / pushMedian).toFixed(0)}× sooner.

A page through the cluster (the e2e clone's \`local\` environment sets \`paging\`: the in-cluster PagerDuty double,
\`group_interval\` 30 s): a push scaling the backend to 0, until the in-cluster Alertmanager's Events v2 trigger reaches
the double, ${triggers.length} rounds: median ${s(median(triggers))} (${triggers.map((p) => p.toFixed(1)).join(", ")} s); the push
bringing it back, until the resolve arrives: median ${s(median(resolves))} (${resolves.map((p) => p.toFixed(1)).join(", ")} s).

Memory working set of every running pod five minutes after bring-up, idle (\`container_memory_working_set_bytes\` from
cAdvisor through the stack's own Prometheus), beside its memory request (kube-state-metrics): **${mib(total("workingSetMiB"))}
in ${memory.length} pods, against ${mib(total("requestMiB"))} requested**. kube-prometheus advises a 6 GiB minikube for its stack alone.
Three pods run stand-ins (docs/kind.md) and so understate the upstream footprint: MongoDB (FerretDB), Grafana
and the MongoDB exporter (Python). kube-system's static pods set no memory request.

| namespace | pods | working set | requests |
|---|---|---|---|
${nsRows}

<details><summary>Every pod</summary>

| pod | working set | request |
|---|---|---|
${podRows}

</details>

Reproduce: \`npm run bench:bootstrap\` (about half an hour on 2 cores; \`BENCH_REUSE=1\` reports the last run's figures).`,
);
