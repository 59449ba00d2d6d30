// npm run bench:generate: medians of full generation in process, of `npm run generate`'s command beside a
// bare `node -e 0` (interleaved, same run), and of kustomize build of every folder (cold and cached).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "../../generators/generate.js";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig } from "../../generators/stack.js";
import { buildAll, buildableFolders, kustomizeCommand, localizedTree } from "../../tools/dev/kustomize.js";
import { median, writeSection } from "./report.js";

const runs = Number(process.env.BENCH_RUNS ?? 7);
const ms = (start: number) => performance.now() - start;
const fmt = (v: number) => `${v.toFixed(0)} ms`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return ms(start);
}

const progress = (label: string, i: number, n: number) => process.stdout.write(`\r${label}: run ${i}/${n}${i === n ? "\n" : ""}`);

const loadBefore = load();
const out = mkdtempSync(join(tmpdir(), "stackwave-bench-"));
try {
  const inProcess: number[] = [];
  for (let i = 1; i <= runs; i++) {
    inProcess.push(
      time(() => {
        const result = generate({ config: defaultConfig(), root: out });
        if (!result.ok) throw new Error(result.problems.join("\n"));
      }),
    );
    progress("generate (in process)", i, runs);
  }

  // npm run generate's command as package.json has it, without npm's own start-up.
  const script = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts
    .generate!;
  const [program, ...args] = script.split(" ");
  if (program !== "node") throw new Error(`package.json scripts.generate: expected a node command, got ${script}`);
  // GNU time reports the CPU (user+sys) a command used: on a shared machine that moves far less than wall time.
  const gnuTime = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
  const cpuFile = join(out, "cpu");
  const cpuOf = () =>
    readFileSync(cpuFile, "utf8")
      .trim()
      .split("\n")
      .at(-1)!
      .split(" ")
      .map(Number)
      .reduce((a, b) => a + b, 0) * 1000;
  const run = (argv: string[]) =>
    gnuTime
      ? execFileSync(gnuTime, ["-f", "%U %S", "-o", cpuFile, process.execPath, ...argv], { cwd: repoRoot, stdio: "ignore" })
      : execFileSync(process.execPath, argv, { cwd: repoRoot, stdio: "ignore" });
  run([...args, "--out", join(out, "tree")]); // the bundle is built once, as after any edit of the generators
  const cli: number[] = [];
  const bare: number[] = [];
  const cliCpu: number[] = [];
  const bareCpu: number[] = [];
  for (let i = 1; i <= runs; i++) {
    cli.push(time(() => run([...args, "--out", join(out, "tree")])));
    if (gnuTime) cliCpu.push(cpuOf());
    bare.push(time(() => run(["-e", "0"])));
    if (gnuTime) bareCpu.push(cpuOf());
    progress(`${script} and node -e 0, interleaved`, i, runs);
  }
  const cpu = (v: number[]) => (v.length > 0 ? `; CPU (user+sys) median ${fmt(median(v))}` : "");

  localizedTree();
  const folders = buildableFolders();
  const buildRuns = Math.max(3, Math.ceil(runs / 2));
  const all = async (cache: boolean) => {
    const start = performance.now();
    const results = await buildAll(folders, { cache });
    const failed = [...results].filter(([, r]) => !r.ok).map(([f]) => f);
    if (failed.length > 0) throw new Error(`kustomize build failed: ${failed.join(", ")}`);
    return ms(start);
  };
  const cold: number[] = [];
  const warm: number[] = [];
  await all(true); // fills the cache for the warm runs
  for (let i = 1; i <= buildRuns; i++) {
    cold.push(await all(false));
    warm.push(await all(true));
    progress(`kustomize build of ${folders.length} folders, cold and cached`, i, buildRuns);
  }

  const [tool] = kustomizeCommand();
  const row = (what: string, v: number[], goal = "") =>
    `| ${what} | ${fmt(median(v))} | ${fmt(Math.min(...v))} | ${fmt(Math.max(...v))} | ${goal} |`;
  const verdict = (v: number[], goal: number) => `≤ ${goal} ms: ${median(v) <= goal ? "met" : "missed"}`;
  writeSection(
    "Generation",
    `Median of ${runs} runs (kustomize: ${buildRuns}), interleaved where two rows are compared. Load average
(1/5/15 min) at the start: ${loadBefore}; at the end: ${load()}. The machine has 2 cores and is shared with
other builds and test runs, so wall times here move with the load.

| what | median | min | max | goal |
|---|---|---|---|---|
${row("full generation, in process (render + validate + write every file)", inProcess)}
${row(`\`npm run generate\`'s command, \`${script}\` (bundle current${cpu(cliCpu)})`, cli, verdict(cli, 500))}
${row(`for scale, in the same run: \`node -e 0\`${cpu(bareCpu).replace("; ", " (")}${bareCpu.length > 0 ? ")" : ""}`, bare)}
${row(`\`kustomize build\` of all ${folders.length} folders, cold (every distinct kustomization built, 2 at a time; ${tool.split("/").pop()})`, cold, verdict(cold, 3000))}
${row(`\`kustomize build\` of all ${folders.length} folders, outputs cached (nothing they read changed)`, warm)}

\`npm run generate\`'s command / \`node -e 0\`: ${(median(cli) / median(bare)).toFixed(1)}× wall${
      cliCpu.length > 0 ? `, ${(median(cliCpu) / median(bareCpu)).toFixed(1)}× CPU` : ""
    } (medians, same run).

The command runs a cached esbuild bundle (tools/bundle/README.md): tsx resolved and transformed ~1,800 small
model files on every run. The cold kustomize figure is dominated by the \`crds\` overlays, which parse the 4.3 MiB
of upstream CRDs; they carry no environment label, so they are one distinct build, and the largest builds start first.
Reproduce: \`npm run bench:generate\` (\`BENCH_RUNS=n\`).`,
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
