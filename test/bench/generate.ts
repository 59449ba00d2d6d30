// npm run bench:generate: median wall time of full generation and of kustomize build of every folder.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "../../generators/generate.js";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig } from "../../generators/stack.js";
import { build, buildableFolders, kustomizeCommand, localizedTree } from "../../tools/dev/kustomize.js";
import { median, writeSection } from "./report.js";

const runs = Number(process.env.BENCH_RUNS ?? 7);
const ms = (start: number) => performance.now() - start;
const fmt = (v: number) => `${v.toFixed(0)} ms`;

function sample(label: string, fn: () => void): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(ms(start));
    process.stdout.write(`\r${label}: run ${i + 1}/${runs}`);
  }
  process.stdout.write("\n");
  return times;
}

const out = mkdtempSync(join(tmpdir(), "stackwave-bench-"));
const inProcess = sample("generate (in process)", () => {
  const result = generate({ config: defaultConfig(), root: out });
  if (!result.ok) throw new Error(result.problems.join("\n"));
});
const cli = sample("npm run generate (the command: node --import tsx generators/main.ts)", () =>
  execFileSync(process.execPath, ["--import", "tsx", "generators/main.ts", "--out", out], { cwd: repoRoot, stdio: "ignore" }),
);

localizedTree();
const folders = buildableFolders();
const perFolder = new Map<string, number[]>(folders.map((f) => [f, []]));
const builds = sample(`kustomize build of ${folders.length} folders`, () => {
  for (const folder of folders) {
    const start = performance.now();
    build(folder);
    perFolder.get(folder)!.push(ms(start));
  }
});

const [tool] = kustomizeCommand();
const rows = [...perFolder].map(([folder, times]) => `| \`${folder}\` | ${fmt(median(times))} |`).join("\n");
writeSection(
  "Generation",
  `Median of ${runs} runs each. Targets on a 2-core machine: generation ≤ 1 s, all builds together ≤ 3 s.

| what | median | min | max |
|---|---|---|---|
| full generation, in process (render + validate + write every file) | ${fmt(median(inProcess))} | ${fmt(Math.min(...inProcess))} | ${fmt(Math.max(...inProcess))} |
| \`npm run generate\`'s command, \`node --import tsx generators/main.ts\` (adds Node start-up, TypeScript loading and the model schemas) | ${fmt(median(cli))} | ${fmt(Math.min(...cli))} | ${fmt(Math.max(...cli))} |
| \`kustomize build\` of all ${folders.length} folders (${tool.split("/").pop()}) | ${fmt(median(builds))} | ${fmt(Math.min(...builds))} | ${fmt(Math.max(...builds))} |

The two \`crds\` folders parse the 4.3 MiB of upstream CRDs each; the other folders together stay far below the target.

Per folder (median):

| folder | median |
|---|---|
${rows}`,
);
