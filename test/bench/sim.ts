// Simulated cluster figures: the recorded build time of each pinned tool; bring-up/tear-down of the bare
// cluster; the whole generated stack from bring-up to every Application Synced and Healthy; and push → sync
// latency through the webhook beside Argo CD's polling interval. Medians of a few runs.
// Writes the "Simulated cluster" section of docs/benchmarks.md.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { toolDir } from "../../tools/cache/dirs.js";
import { up } from "../../tools/sim/cluster.js";
import { recipes } from "../../tools/cache/recipes.js";
import { upStack, type SimStack } from "../../tools/sim/stack.js";
import type { BuildRecord } from "../../tools/cache/build.js";
import { snapshot, type Checkout } from "../sim/working-copy.js";
import { median, writeSection } from "./report.js";

const runs = Number(process.env.SIM_BENCH_RUNS ?? 3);
const stackRuns = Number(process.env.SIM_BENCH_STACK_RUNS ?? 3);
const pushes = Number(process.env.SIM_BENCH_PUSHES ?? 5);
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const minutes = (s: number) => `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;

let buildSeconds = 0;
const buildRows = recipes.map((r) => {
  const file = join(toolDir(r.name, r.version), "build.json");
  const record = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as BuildRecord) : undefined;
  const when = record ? record.finishedAt.slice(0, 16).replace("T", " ") : "";
  buildSeconds += record?.seconds ?? 0;
  return `| ${r.name} | ${r.version} | ${r.binaries.join(", ")} | ${record ? minutes(record.seconds) : "not built"} | ${when} |`;
});

// The machine is shared: say how busy it was, since every figure here scales with it.
const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(" / ");
const upMs: number[] = [];
const downMs: number[] = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), "stackwave-sim-bench-"));
  try {
    let t = Date.now();
    const sim = await up({ dir, log: () => undefined });
    upMs.push(Date.now() - t);
    t = Date.now();
    await sim.stop();
    downMs.push(Date.now() - t);
    console.log(`run ${i + 1}/${runs}: up ${seconds(upMs.at(-1)!)} s, down ${seconds(downMs.at(-1)!)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits until the guestbook frontend runs `replicas` and the apps Application is Synced at `sha`. */
async function synced(stack: SimStack, sha: string, replicas: number): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const out = await stack.sim.kubectl([
      "-n",
      "argocd",
      "get",
      "application",
      "apps",
      "-o",
      "jsonpath={.status.sync.revision} {.status.sync.status}",
    ]);
    const live = await stack.sim.kubectl(["-n", "guestbook", "get", "deployment", "frontend", "-o", "jsonpath={.spec.replicas}"]);
    if (out === `${sha} Synced` && live === String(replicas)) return;
    if (Date.now() > deadline) throw new Error(`push ${sha} not synced after 10 min: apps is "${out}", frontend replicas ${live}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const stackMs: number[] = [];
const pushMs: number[] = [];
let polling = "";
for (let i = 0; i < stackRuns; i++) {
  const scratch = mkdtempSync(join(tmpdir(), "stackwave-sim-bench-stack-"));
  let stack: SimStack | undefined;
  try {
    const checkout: Checkout = await snapshot(join(scratch, "checkout"));
    const t = Date.now();
    stack = await upStack({ checkout: checkout.dir, dir: join(scratch, "sim"), log: () => undefined });
    if (!stack.waves?.done) throw new Error("the stack did not become Synced and Healthy");
    stackMs.push(Date.now() - t);
    console.log(`stack ${i + 1}/${stackRuns}: every Application Synced and Healthy ${seconds(stackMs.at(-1)!)} s after bring-up began`);
    if (i < stackRuns - 1) continue;
    const values = yaml.load(readFileSync(join(checkout.dir, "clusters", stack.cluster.name, "argocd-values.yaml"), "utf8")) as {
      configs: { cm: Record<string, string> };
    };
    polling = values.configs.cm["timeout.reconciliation"] ?? "180s (Argo CD's default)";
    // Each push changes a generator value (the local frontend replicas, 1 ↔ 2), regenerates and commits, as
    // the pre-commit hook would; the clock runs from `git push` to the change being live.
    for (let p = 0; p < pushes; p++) {
      const replicas = p % 2 === 0 ? 2 : 1;
      checkout.edit("generators/stack.ts", (text) => text.replace(/(name: "local",[\s\S]*?frontend: )\d+,/, `$1${replicas},`));
      await checkout.generate();
      const sha = await checkout.commit(`local: ${replicas} frontend replicas`);
      const t0 = Date.now();
      await stack.push(checkout.dir);
      await synced(stack, sha, replicas);
      pushMs.push(Date.now() - t0);
      console.log(`push ${p + 1}/${pushes}: synced and live in ${seconds(pushMs.at(-1)!)} s`);
    }
  } finally {
    await stack?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

writeSection(
  "Simulated cluster",
  `Build times come from \`npx tsx tools/cache/build.ts\` (recorded in each tool's build.json): one \`go build\`/\`go install\`
per tool, \`nice -n 10\`, with the Go module and build caches as they were at the time, so a tool built after another
that shares dependencies (Argo CD after Kubernetes) benefits from the shared build cache.

| tool | version | binaries | build time | finished (UTC) |
|---|---|---|---|---|
${buildRows.join("\n")}
| **all** | | | **${minutes(buildSeconds)}** (sum of the recorded times) | |

Bring-up (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok + 1 node, redis, Argo CD CRDs and
settings, repo-server, server, application-controller, each waited on until ready) and tear-down, median of ${runs} runs
(load average 1/5/15 min at the start: ${load}):

| step | median |
|---|---|
| bring-up | ${seconds(median(upMs))} s |
| tear-down | ${seconds(median(downMs))} s |

The whole generated stack (\`upStack()\`, what \`npx zx bootstrap.mjs --sim\` runs): the bring-up above plus the
git server, the CRD mirror and a push of this checkout, the root Application of \`clusters/sim\`, and the five
sync waves, until tools/bootstrap/waves.ts sees every Application Synced and Healthy. Median of ${stackRuns} runs:

| step | median | runs |
|---|---|---|
| bring-up to all Healthy | ${seconds(median(stackMs))} s | ${stackMs.map(seconds).join(", ")} s |

Before the crds Application tracked its CRDs (69b5ace), the crds layer waited for one Argo CD poll
(\`timeout.reconciliation\`, 180 s) and this took 211.5 s (median of 3, 2026-11-25, on that day's 2 × AMD EPYC); docs/sim.md §5 says why.

Push → sync: a changed generator value (the \`local\` frontend replicas) is regenerated, committed and pushed to the
git server; the clock runs from \`git push\` until the \`apps\` Application is Synced at the new commit and the
Deployment has the new replica count. The git server's signed webhook triggers the refresh. Median of ${pushes} pushes:

| path | median | pushes |
|---|---|---|
| push → synced, through the webhook | ${seconds(median(pushMs))} s | ${pushMs.map(seconds).join(", ")} s |
| Argo CD polling interval without a webhook (\`timeout.reconciliation\`) | ${polling} | |

Without the webhook a push waits for the next poll: up to the interval, ${polling}, and half of it on average.
`,
);
