// npm run bench:precommit: the pre-commit hook on a one-generator change against a full regeneration,
// and the hook's no-op path, in a throwaway clone of HEAD. Medians of RUNS interleaved runs.
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
  for (const path of [".githooks", "tools/dev/precommit.ts"]) cpSync(join(repoRoot, path), join(dir, path), { recursive: true });
  git("add", ".githooks", "tools/dev/precommit.ts");
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
  // Warm the OS file cache and tsx's compile cache once, as a developer's second commit would be.
  sh("npm", ["run", "--silent", "generate"]);
  git("checkout", "--quiet", "--", ".");

  const original = readFileSync(join(dir, component), "utf8");
  const match = /resources\((\d+), /.exec(original);
  if (!match) throw new Error(`${component}: expected a resources(cpuMillis, ...) call to change`);
  const hook: Sample[] = [];
  const full: Sample[] = [];
  const noop: Sample[] = [];
  const plan: Sample[] = [];
  // Where a regeneration's start-up goes: the model packages' barrel modules load every kind.
  const barrel: Sample[] = [];
  const oneKind: Sample[] = [];
  for (let i = 1; i <= runs; i++) {
    // One generator value changes, as in a commit; the hook runs exactly as git runs it.
    writeFileSync(join(dir, component), original.replace(match[0], `resources(${Number(match[1]) + i}, `));
    git("add", component);
    plan.push(timed("node", ["--import", "tsx", "tools/dev/precommit.ts", "--explain"]));
    hook.push(timed("sh", [".githooks/pre-commit"]));
    git("reset", "--quiet", "--hard", "HEAD");
    full.push(timed("npm", ["run", "--silent", "generate"]));
    git("reset", "--quiet", "--hard", "HEAD");
    // Nothing generation reads is staged: the sh fast path.
    writeFileSync(join(dir, "NOTES.md"), `run ${i}\n`);
    git("add", "NOTES.md");
    noop.push(timed("sh", [".githooks/pre-commit"]));
    git("reset", "--quiet", "--hard", "HEAD");
    barrel.push(timed("node", ["--import", "tsx", "--input-type=module", "-e", 'await import("kubernetes-models/v1")']));
    oneKind.push(timed("node", ["--import", "tsx", "--input-type=module", "-e", 'await import("kubernetes-models/v1/Service")']));
  }

  const wall = (samples: Sample[]) => median(samples.map((s) => s.wall));
  const cpu = (samples: Sample[]) => median(samples.map((s) => s.cpu));
  const row = (samples: Sample[]) => `${Math.round(wall(samples))} ms | ${gnuTime ? `${Math.round(cpu(samples))} ms` : "n/a"}`;
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");
  writeSection(
    "Pre-commit hook",
    `Throwaway clone of HEAD; one value in \`${component}\` changed and staged, then the hook run as git runs it.
Median of ${runs} interleaved runs. Load average at the end (1/5/15 min): ${load} (the machine is shared).

| what | median wall | median CPU (user+sys) |
|---|---|---|
| hook, one-generator change (plan, type-check the staged file, regenerate \`operator\` in-process, git add) | ${row(hook)} |
| of which: plan only (node + tsx + ts-morph import graph, \`--explain\`) | ${row(plan)} |
| full regeneration, \`npm run generate\` | ${row(full)} |
| hook, nothing relevant staged (sh fast path) | ${row(noop)} |
| for scale: node + tsx importing \`kubernetes-models/v1\` (barrel, every core kind) | ${row(barrel)} |
| for scale: node + tsx importing \`kubernetes-models/v1/Service\` (one kind) | ${row(oneKind)} |

Hook / full regeneration: ${(wall(hook) / wall(full)).toFixed(2)} wall, ${gnuTime ? (cpu(hook) / cpu(full)).toFixed(2) : "n/a"} CPU.
Goals: hook ≤ 1500 ms, no-op < 300 ms (wall). The hook imports only the chosen layers, but start-up is
dominated by module loading that every run shares: ts-morph for the plan (about 1.4 s), then the model schemas.
Since issue 16 the hook also type-checks the staged generator files with the TypeScript compiler (tsx only
strips types), which loads the model packages' type declarations: that is most of the hook's time now.
Reproduce: \`npm run bench:precommit\` (\`RUNS=n\` to change the sample size).`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(cpuFile, { force: true });
}
