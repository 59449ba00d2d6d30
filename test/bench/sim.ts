// Simulated cluster figures: the recorded build time of each pinned tool, and bring-up/tear-down
// times (medians of a few runs) measured here. Writes the "Simulated cluster" section of docs/benchmarks.md.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { toolDir } from "../../tools/cache.js";
import { up } from "../../tools/sim/cluster.js";
import { recipes } from "../../tools/sim/recipes.js";
import type { BuildRecord } from "../../tools/sim-tools.js";
import { median, writeSection } from "./report.js";

const runs = Number(process.env.SIM_BENCH_RUNS ?? 3);
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const minutes = (s: number) => `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;

const buildRows = recipes.map((r) => {
  const file = join(toolDir(r.name, r.version), "build.json");
  const record = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as BuildRecord) : undefined;
  const when = record ? record.finishedAt.slice(0, 16).replace("T", " ") : "";
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

writeSection(
  "Simulated cluster",
  `Build times come from \`npx tsx tools/sim-tools.ts\` (recorded in each tool's build.json): one \`go build\`/\`go install\`
per tool, \`nice -n 10\`, with the Go module and build caches as they were at the time, so a tool built after another
that shares dependencies (Argo CD after Kubernetes) benefits from the shared build cache.

| tool | version | binaries | build time | finished (UTC) |
|---|---|---|---|---|
${buildRows.join("\n")}

Bring-up (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok + 1 node, redis, Argo CD CRDs and
settings, repo-server, server, application-controller, each waited on until ready) and tear-down, median of ${runs} runs
(load average 1/5/15 min at the start: ${load}):

| step | median |
|---|---|
| bring-up | ${seconds(median(upMs))} s |
| tear-down | ${seconds(median(downMs))} s |
`,
);
