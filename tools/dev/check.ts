// npm run check: typecheck, lint and format, regenerate and diff, and kustomize build of every folder.
// It runs every step and reports each, so one run shows all that is wrong. Each step is announced as it
// starts and timed as it ends: the typecheck alone takes half a minute.
import { spawnSync } from "node:child_process";
import { repoRoot } from "../../generators/paths.js";
import { buildableFolders, buildAll, NoLocalCopy } from "./kustomize.js";

interface Outcome {
  readonly ok: boolean | "skipped";
  readonly detail?: string;
}

function run(command: string, args: string[]): Outcome {
  const result = spawnSync(command, args, { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  return result.status === 0 ? { ok: true } : { ok: false, detail: output.split("\n").slice(-30).join("\n") || `exit ${result.status}` };
}

const steps: [string, () => Outcome | Promise<Outcome>][] = [
  ["typecheck", () => run("npx", ["tsc", "--noEmit", "-p", "tsconfig.json"])],
  ["lint", () => run("npx", ["eslint", "."])],
  ["format", () => run("npx", ["prettier", "--check", "."])],
  ["generate", () => run("npm", ["run", "--silent", "generate"])],
  [
    "generated output matches the commit",
    () => {
      const diff = run("git", ["diff", "--exit-code", "--stat", "--", "base", "overlays", "clusters"]);
      if (!diff.ok) return { ok: false, detail: `npm run generate changed committed files; commit them:\n${diff.detail}` };
      const untracked = spawnSync("git", ["ls-files", "--others", "--exclude-standard", "--", "base", "overlays", "clusters"], {
        cwd: repoRoot,
        encoding: "utf8",
      });
      return untracked.stdout.trim() ? { ok: false, detail: `untracked generated files:\n${untracked.stdout}` } : { ok: true };
    },
  ],
];

// After "generate", so the folders are the ones generation just wrote.
steps.push([
  "kustomize build of every folder",
  async () => {
    const folders = buildableFolders();
    let results: Awaited<ReturnType<typeof buildAll>>;
    try {
      results = await buildAll(folders);
    } catch (error) {
      // Without the module proxy the upstream files cannot be had; only CI must have them.
      if (error instanceof NoLocalCopy && process.env.CI !== "true") return { ok: "skipped", detail: `skipped (remote): ${error.message}` };
      throw error;
    }
    const failed = folders.filter((folder) => !results.get(folder)!.ok);
    const detail = failed.map((folder) => {
      const result = results.get(folder)!;
      return `${folder}: ${result.ok ? "" : result.error.split("\n").slice(-5).join("\n  ")}`;
    });
    return failed.length > 0
      ? { ok: false, detail: detail.join("\n") }
      : { ok: true, detail: `${folders.length} folders: ${folders.join(", ")}` };
  },
]);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const began = performance.now();
let failed = 0;
for (const [i, [name, step]] of steps.entries()) {
  console.log(`[${i + 1}/${steps.length}] ${name} …`);
  const started = performance.now();
  let outcome: Outcome;
  try {
    outcome = await step();
  } catch (error) {
    outcome = { ok: false, detail: (error as Error).message };
  }
  const mark = outcome.ok === true ? "ok  " : outcome.ok === "skipped" ? "skip" : "FAIL";
  console.log(`${mark} ${name} (${seconds(performance.now() - started)})`);
  if (outcome.detail) console.log(outcome.detail.replace(/^/gm, "     "));
  if (outcome.ok === false) failed++;
}
const total = seconds(performance.now() - began);
console.log(failed ? `check: ${failed} step(s) failed (${total})` : `check: all steps passed (${total})`);
process.exitCode = failed ? 1 : 0;
