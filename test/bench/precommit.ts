// npm run bench:precommit: the pre-commit hook on a one-generator change against a full regeneration,
// and the hook's no-op path, in a throwaway clone of HEAD. Medians of RUNS interleaved runs, with the
// load average beside them.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../generators/paths.js";
import { median, writeSection } from "./report.js";

const runs = Number(process.env.RUNS ?? 7);
const component = "generators/components/prometheus-operator.ts";

const dir = mkdtempSync(join(tmpdir(), "stackwave-bench-precommit-"));
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const git = (...args: string[]) => sh("git", args);
// GNU time reports the CPU the command and its children used: on a shared machine that moves far less
// than wall time does.
const gnuTime = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const cpuFile = join(tmpdir(), `stackwave-bench-precommit-cpu-${process.pid}`);
interface Sample {
  wall: number;
  cpu: number;
}
function timed(cmd: string, args: string[]): Sample {
  const start = performance.now();
  if (gnuTime) sh(gnuTime, ["-f", "%U %S", "-o", cpuFile, cmd, ...args]);
  else sh(cmd, args);
  const wall = performance.now() - start;
  const cpu = gnuTime
    ? readFileSync(cpuFile, "utf8")
        .trim()
        .split("\n")
        .at(-1)!
        .split(" ")
        .map(Number)
        .reduce((a, b) => a + b, 0) * 1000
    : NaN;
  return { wall, cpu };
}

try {
  execFileSync("git", ["clone", "--quiet", "--no-hardlinks", repoRoot, dir]);
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  // The hook as this working tree has it (its script, the tools it runs and the bundler that loads them).
  const hookFiles = [".githooks", "tools/dev", "tools/bundle"];
  for (const path of hookFiles) cpSync(join(repoRoot, path), join(dir, path), { recursive: true });
  git("add", ...hookFiles);
  git(
    "-c",
    "user.name=bench",
    "-c",
    "user.email=bench@stackwave.invalid",
    "commit",
    "--quiet",
    "--no-verify",
    "--allow-empty",
    "-m",
    "bench",
  );
  // Warm the OS file cache and the bundle cache once, as a developer's second commit would be.
  sh("npm", ["run", "--silent", "generate"]);
  sh("node", ["tools/bundle/run.mjs", "tools/dev/precommit.ts", "--explain"]);
  git("checkout", "--quiet", "--", ".");

  const original = readFileSync(join(dir, component), "utf8");
  const match = /resources\((\d+), /.exec(original);
  if (!match) throw new Error(`${component}: expected a resources(cpuMillis, ...) call to change`);
  const hook: Sample[] = [];
  const full: Sample[] = [];
  const noop: Sample[] = [];
  const plan: Sample[] = [];
  const bare: Sample[] = [];
  const stage = (i: number) => {
    // One generator value changes, as in a commit.
    writeFileSync(join(dir, component), original.replace(match[0], `resources(${Number(match[1]) + i}, `));
    git("add", component);
  };
  // And the hook's generator bundle (tools/dev/regenerate.ts) and its vendor bundle, built on a first commit.
  stage(runs + 1);
  sh("sh", [".githooks/pre-commit"]);
  git("reset", "--quiet", "--hard", "HEAD");
  for (let i = 1; i <= runs; i++) {
    // The hook exactly as git runs it, on a generator edit it has not seen: it rebuilds the generators' bundle too.
    stage(i);
    hook.push(timed("sh", [".githooks/pre-commit"]));
    git("reset", "--quiet", "--hard", "HEAD");
    // The same edit again: the bundle is current, so this is the plan alone.
    stage(i);
    plan.push(timed("node", ["tools/bundle/run.mjs", "tools/dev/precommit.ts", "--explain"]));
    git("reset", "--quiet", "--hard", "HEAD");
    full.push(timed("npm", ["run", "--silent", "generate"]));
    git("reset", "--quiet", "--hard", "HEAD");
    // Nothing generation reads is staged: the sh fast path.
    writeFileSync(join(dir, "NOTES.md"), `run ${i}\n`);
    git("add", "NOTES.md");
    noop.push(timed("sh", [".githooks/pre-commit"]));
    git("reset", "--quiet", "--hard", "HEAD");
    bare.push(timed("node", ["-e", "0"]));
  }

  const wall = (samples: Sample[]) => median(samples.map((s) => s.wall));
  const cpu = (samples: Sample[]) => median(samples.map((s) => s.cpu));
  const row = (samples: Sample[]) => `${Math.round(wall(samples))} ms | ${gnuTime ? `${Math.round(cpu(samples))} ms` : "n/a"}`;
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");
  const ok = (value: number, goal: number) => (value <= goal ? "met" : "missed");
  writeSection(
    "Pre-commit hook",
    `Throwaway clone of HEAD with this working tree's hook; one value in \`${component}\` changed and staged, then
the hook run as git runs it. Median of ${runs} interleaved runs. Load average at the end (1/5/15 min): ${load}
(2 cores, shared with other builds and test runs; wall times move with it, CPU times much less).

| what | median wall | median CPU (user+sys) | goal |
|---|---|---|---|
| hook, one-generator change (plan, start tsgo on the staged file and its importers, rebuild the generators' bundle and regenerate \`operator\` in-process beside it, git add) | ${row(hook)} | ≤ 700 ms: ${ok(wall(hook), 700)} |
| of which: plan only (\`--explain\`, bundle current) | ${row(plan)} | |
| full regeneration, \`npm run generate\` (with npm's own start-up) | ${row(full)} | |
| hook, nothing relevant staged (sh fast path) | ${row(noop)} | ≤ 20 ms: ${ok(wall(noop), 20)} |
| for scale: \`node -e 0\` | ${row(bare)} | |

Hook / full regeneration: ${(wall(hook) / wall(full)).toFixed(2)} wall, ${gnuTime ? (cpu(hook) / cpu(full)).toFixed(2) : "n/a"} CPU.
Hook / \`node -e 0\`: ${(wall(hook) / wall(bare)).toFixed(1)}× wall.
The hook runs from a cached esbuild bundle (tools/bundle) that holds no generator, plans with a regular-expression import scan
(tools/dev/imports.ts), type-checks with tsgo on one thread (tools/dev/typecheck.ts), and meanwhile loads the generators from a bundle of
their own (tools/dev/regenerate.ts), so an edited generator no longer delays tsgo's start;
the full \`tsc\` type-check is \`npm run check\`'s and CI's (docs/gitops.md).
Reproduce: \`npm run bench:precommit\` (\`RUNS=n\` to change the sample size).`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(cpuFile, { force: true });
}
