// Image figures (every image of tools/images/list.ts): each image's cold build (the Go build of its binaries, from the tool cache's records,
// plus a `docker build --no-cache`), its warm rebuild (the cache check when nothing changed; median of
// several) and its size. Writes the "Kind images" section of docs/benchmarks.md.
// KIND_BENCH_COLD=0 skips the cold rebuilds and reports the last recorded build instead.
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import type { BuildRecord } from "../../tools/cache/build.js";
import { toolDir } from "../../tools/cache/dirs.js";
import { buildOrder, buildRecords, ensureImage, type ImageOutcome } from "../../tools/images/build.js";
import { allImages } from "../../tools/images/list.js";
import { startDocker, stopDocker } from "../../tools/kind/docker/daemon.js";
import { median, writeSection } from "./report.js";

const warmRuns = Number(process.env.KIND_BENCH_WARM_RUNS ?? 5);
const cold = process.env.KIND_BENCH_COLD !== "0";
const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(" / ");

const docker = await startDocker();
try {
  const order = buildOrder(allImages.map((s) => s.name));
  // Everything exists first, so the cold rebuild of one image finds what it needs.
  for (const spec of order) await ensureImage(docker, spec);
  const coldSeconds = new Map<string, number>();
  if (cold) {
    for (const spec of order) {
      const outcome = await ensureImage(docker, spec, { rebuild: true, noCache: true });
      coldSeconds.set(spec.name, outcome.seconds);
      console.log(`cold ${spec.name}: ${outcome.seconds.toFixed(1)} s`);
    }
  } else {
    const records = existsSync(buildRecords) ? (JSON.parse(readFileSync(buildRecords, "utf8")) as Record<string, ImageOutcome>) : {};
    for (const spec of order) if (records[spec.name]) coldSeconds.set(spec.name, records[spec.name]!.seconds);
  }
  const warm = new Map<string, number[]>();
  for (let i = 0; i < warmRuns; i++) {
    for (const spec of order) {
      const outcome = await ensureImage(docker, spec);
      if (outcome.outcome !== "cached") throw new Error(`${spec.name} rebuilt on a warm run: its inputs are not stable`);
      warm.set(spec.name, [...(warm.get(spec.name) ?? []), outcome.seconds]);
    }
  }
  const goSeconds = (name: string): number | undefined => {
    const spec = order.find((s) => s.name === name)!;
    const tools = new Map<string, string>();
    for (const f of spec.files) if ("tool" in f) tools.set(f.tool, f.version);
    if (tools.size === 0) return undefined;
    let total = 0;
    for (const [tool, version] of tools) {
      const file = join(toolDir(tool, version), "build.json");
      if (!existsSync(file)) return undefined;
      total += (JSON.parse(readFileSync(file, "utf8")) as BuildRecord).seconds;
    }
    return total;
  };
  const rows: string[] = [];
  let totalCold = 0;
  let totalWarm = 0;
  for (const spec of order) {
    const { bytes } = await ensureImage(docker, spec);
    const c = coldSeconds.get(spec.name);
    const w = median(warm.get(spec.name)!);
    totalCold += c ?? 0;
    totalWarm += w;
    const go = goSeconds(spec.name);
    rows.push(
      `| \`${spec.reference}\` | ${spec.kind} | ${go === undefined ? "–" : `${Math.round(go)} s`} | ${c === undefined ? "not recorded" : `${c.toFixed(1)} s`} | ${w.toFixed(2)} s | ${(bytes / 1e6).toFixed(1)} MB |`,
    );
  }
  writeSection(
    "Kind images",
    `Load average when the run started (1 / 5 / 15 min): ${load}; the machine is shared with Go builds and other test runs.

Cold: the Go build of the image's binaries, from the tool cache's record (one Kubernetes build serves all five images that list it; the base image's is crictl), and ${cold ? "`docker build --no-cache` of the image" : "the last recorded image build"}; the node image's includes saving and importing the ten images it carries. Warm: the whole check when nothing changed (hash the inputs, inspect the image), median of ${warmRuns}. Size: uncompressed, as \`docker image inspect\` reports it.

| image | kind | Go build | image build, cold | rebuild, warm | size |
|---|---|---|---|---|---|
${rows.join("\n")}
| **all** | | | ${totalCold.toFixed(0)} s | ${totalWarm.toFixed(1)} s | |`,
  );
} finally {
  if (docker.started) await stopDocker();
}
