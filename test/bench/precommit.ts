// npm run bench:precommit: the pre-commit hook on a one-generator change against a full regeneration,
// and the hook's no-op path, in a throwaway clone of HEAD. Medians of RUNS interleaved runs.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../generators/paths.js";
import { median, writeSection } from "./report.js";

const runs = Number(process.env.RUNS ?? 7);
const component = "generators/components/prometheus-operator.ts";

const dir = mkdtempSync(join(tmpdir(), "stackwave-bench-precommit-"));
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const git = (...args: string[]) => sh("git", args);
function timed(cmd: string, args: string[]): number {
  const start = performance.now();
  sh(cmd, args);
  return performance.now() - start;
}

try {
  execFileSync("git", ["clone", "--quiet", "--no-hardlinks", repoRoot, dir]);
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  for (const path of [".githooks", "tools/precommit.ts"]) cpSync(join(repoRoot, path), join(dir, path), { recursive: true });
  git("-c", "user.name=bench", "-c", "user.email=bench@stackwave.invalid", "commit", "--quiet", "--no-verify", "--allow-empty", "-m", "bench");
  // Warm the OS file cache and tsx's compile cache once, as a developer's second commit would be.
  sh("npm", ["run", "--silent", "generate"]);
  git("checkout", "--quiet", "--", ".");

  const original = readFileSync(join(dir, component), "utf8");
  const match = /resources\((\d+), /.exec(original);
  if (!match) throw new Error(`${component}: expected a resources(cpuMillis, ...) call to change`);
  const hook: number[] = [];
  const full: number[] = [];
  const noop: number[] = [];
  const plan: number[] = [];
  for (let i = 1; i <= runs; i++) {
    // One generator value changes, as in a commit; the hook runs exactly as git runs it.
    writeFileSync(join(dir, component), original.replace(match[0], `resources(${Number(match[1]) + i}, `));
    git("add", component);
    plan.push(timed("node", ["--import", "tsx", "tools/precommit.ts", "--explain"]));
    hook.push(timed("sh", [".githooks/pre-commit"]));
    git("reset", "--quiet", "--hard", "HEAD");
    full.push(timed("npm", ["run", "--silent", "generate"]));
    git("reset", "--quiet", "--hard", "HEAD");
    // Nothing generation reads is staged: the sh fast path.
    writeFileSync(join(dir, "NOTES.md"), `run ${i}\n`);
    git("add", "NOTES.md");
    noop.push(timed("sh", [".githooks/pre-commit"]));
    git("reset", "--quiet", "--hard", "HEAD");
  }

  const ms = (values: number[]) => `${Math.round(median(values))} ms`;
  const load = loadavg().map((l) => l.toFixed(1)).join(" / ");
  writeSection(
    "Pre-commit hook",
    `Throwaway clone of HEAD; one value in \`${component}\` changed and staged, then the hook run as git runs it.
Median of ${runs} interleaved runs. Load average at the end (1/5/15 min): ${load} (the machine is shared).

| what | median |
|---|---|
| hook, one-generator change (plan + \`--only operator\` + git add) | ${ms(hook)} |
| of which: plan only (node + tsx + ts-morph import graph, \`--explain\`) | ${ms(plan)} |
| full regeneration, \`npm run generate\` | ${ms(full)} |
| hook, nothing relevant staged (sh fast path) | ${ms(noop)} |

Hook / full regeneration: ${(median(hook) / median(full)).toFixed(2)}. Goals: hook ≤ 1500 ms, no-op < 300 ms.`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
