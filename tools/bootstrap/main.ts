// `node bootstrap.mjs [--cluster local] [--dry-run] [--down] [--yes] [--timeout 15m] [--verbose]`
// Preflight (everything at once, nothing touched) → plan (data) → print it (--dry-run) or run it step by step.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { createInterface } from "node:readline/promises";
import { pathToFileURL } from "node:url";
import { argocdValuesPath } from "../../generators/clusters/argocd.js";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig } from "../../generators/stack.js";
import { formatProblem, validateConfig } from "../../generators/validate.js";
import { mirroredRegistries } from "../../generators/versions.js";
import { loadApplications } from "./applications.js";
import { endpoints, formatEndpoints } from "./endpoints.js";
import { hostPlatform } from "./install.js";
import { mirrorImages } from "../mirror/images.js";
import { evaluateChart, evaluateMirror, gatherChart, gatherMirror } from "./mirror.js";
import { chartFile, downPlan, formatPlan, formatRemovals, names, upPlan, type Plan, type PlanInput } from "./plan.js";
import { evaluate, failed, formatFindings, gather, requirements, type Finding } from "./preflight.js";
import { Interrupted, Runner, StepError } from "./run.js";

export interface Options {
  /** Which cluster of generators/stack.ts to bring up. Default `local` (with --sim: `sim`). */
  readonly cluster?: string;
  readonly dryRun: boolean;
  readonly down: boolean;
  readonly yes: boolean;
  /** Overall limit for the sync waves. Default 15 min. */
  readonly timeoutMs: number;
  readonly verbose: boolean;
  /** A target flag (see `targets`) that hands the run to another back end. */
  readonly target?: string;
  /** The packaged argo-cd chart to install instead of the chart repository's (--chart). */
  readonly chart?: string;
  /** Run without internet (--offline): the mirror must hold every image, the chart must come from --chart. */
  readonly offline?: boolean;
  /** kubeconfig context of an `existing` cluster; default: the cluster's `context`, else the current one. */
  readonly context?: string;
}

/**
 * Other back ends chosen by a flag, e.g. `--sim` → the simulated cluster (tools/sim/main.ts). Each loads lazily,
 * receives the parsed options and returns the exit code. Add an entry here; the parser accepts its flag.
 */
export type Target = (options: Options) => Promise<number>;
export const targets: Readonly<Record<string, () => Promise<Target>>> = {
  // The simulated cluster (docs/sim.md): control plane and Argo CD as loopback processes, then the whole
  // stack of a generated cluster definition whose runtime is `sim`, waited for wave by wave. It runs in the
  // foreground until Ctrl-C; --down stops one left running (tools/sim/main.ts --detach).
  "--sim": async () => async (options) => {
    const args = [...(options.down ? ["--down"] : ["--cluster", options.cluster ?? "sim"]), ...(options.dryRun ? ["--dry-run"] : [])];
    const result = spawnSync(process.execPath, ["--import", "tsx", "tools/sim/main.ts", ...args], { cwd: repoRoot, stdio: "inherit" });
    return result.status ?? 1;
  },
};

export const usage = `usage: node bootstrap.mjs [--cluster <name>] [--context <name>] [--dry-run] [--down] [--yes] [--timeout <15m|900s|1h>] [--chart <tgz>] [--offline] [--verbose] [--sim]
  --cluster <name>  cluster from generators/stack.ts (default: local)
  --context <name>  kubeconfig context of an existing cluster such as prod (default: its \`context\`, else the current one)
  --dry-run         print the ordered plan with pinned versions and the preflight findings; change nothing
  --down            remove the cluster, registry, git server (and its data), the git remote and .stackwave/
  --yes             do not ask before --down (required without a terminal)
  --timeout <d>     how long to wait for the sync waves, with a unit: 15m (default), 900s, 1h
  --chart <tgz>     install the pinned argo-cd chart from this file (its version must equal the pin)
  --offline         no internet: every image must be in the mirror or the local Docker, the chart must be --chart
                    (docs/air-gapped.md)
  --verbose         show every command's output
  --sim             the simulated cluster instead of Kind, cluster "sim" by default (docs/sim.md); with --down, stop
                    this checkout's; with --dry-run, list its programs and change nothing
  --help            print this`;

/** Thrown for bad arguments; the message names the flag and what it expects. */
export class UsageError extends Error {}

/** A positive duration with its unit: a bare number is refused, since nobody can tell whether it meant seconds. */
function duration(raw: string | undefined): number {
  const match = /^(\d+)(s|m|h)$/.exec(raw ?? "");
  const ms = match ? Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as "s" | "m" | "h"] : 0;
  if (ms <= 0)
    throw new UsageError(
      `--timeout expects a duration above zero with a unit, like 15m, 900s or 1h, got ${raw === undefined ? "nothing" : `"${raw}"`}`,
    );
  return ms;
}

export function parseOptions(argv: readonly string[]): Options {
  const options: { -readonly [K in keyof Options]: Options[K] } = {
    dryRun: false,
    down: false,
    yes: false,
    timeoutMs: 15 * 60_000,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case "--cluster": {
        const name = value();
        if (!name || name.startsWith("--")) throw new UsageError(`--cluster expects a cluster name, got ${name ?? "nothing"}`);
        options.cluster = name;
        break;
      }
      case "--context": {
        const name = value();
        if (!name || name.startsWith("--")) throw new UsageError(`--context expects a kubeconfig context name, got ${name ?? "nothing"}`);
        options.context = name;
        break;
      }
      case "--dry-run":
        options.dryRun = true;
        break;
      case "--down":
        options.down = true;
        break;
      case "--yes":
      case "-y":
        options.yes = true;
        break;
      case "--timeout":
        options.timeoutMs = duration(value());
        break;
      case "--chart": {
        const file = value();
        if (!file || file.startsWith("--"))
          throw new UsageError(`--chart expects the packaged argo-cd chart (a .tgz), got ${file ?? "nothing"}`);
        options.chart = file;
        break;
      }
      case "--offline":
        options.offline = true;
        break;
      case "--verbose":
      case "-v":
        options.verbose = true;
        break;
      default:
        if (targets[flag] && !options.target) {
          options.target = flag;
          break;
        }
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  return options;
}

function gitCommit(): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--short=12", "HEAD"], {
      cwd: repoRoot,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

/** Everything the plan depends on except the Applications (slow to load): config, cluster, commit. Read-only. */
export function baseInput(options: Options, env: NodeJS.ProcessEnv = process.env): Omit<PlanInput, "applications"> {
  const config = defaultConfig();
  const problems = validateConfig(config);
  if (problems.length) throw new UsageError(`the stack configuration is invalid:\n${problems.map(formatProblem).join("\n")}`);
  const name = options.cluster ?? "local";
  const found = config.clusters.find((c) => c.name === name);
  // --offline turns the mirror on (or strict) for this run.
  const cluster =
    found && options.offline ? { ...found, mirror: { registries: found.mirror?.registries ?? mirroredRegistries, offline: true } } : found;
  if (!cluster) throw new UsageError(`--cluster expects one of ${config.clusters.map((c) => c.name).join(", ")}, got "${name}"`);
  if (cluster.runtime === "sim")
    throw new UsageError(
      `--cluster ${name} runs on the simulated cluster, not on Kind: add --sim (node bootstrap.mjs --sim --cluster ${name})`,
    );
  if (options.context && cluster.runtime !== "existing")
    throw new UsageError(`--context is for existing clusters; cluster ${name} is a Kind cluster whose context bootstrap names itself`);
  const kindConfig = cluster.runtime === "kind" ? [`clusters/${cluster.name}/kind-config.yaml`] : [];
  for (const file of [...kindConfig, argocdValuesPath(cluster), `clusters/${cluster.name}/root-app.yaml`]) {
    if (!existsSync(join(repoRoot, file))) throw new UsageError(`${file} is missing: run \`npm run generate\` first`);
  }
  return {
    config,
    cluster,
    commit: gitCommit() ?? "nocommit",
    // The plan names the release artifacts of this machine; other machines get theirs when they run it.
    platform: hostPlatform() ?? "linux-amd64",
    pagerduty: Boolean(env.PAGERDUTY_ROUTING_KEY),
    waitTimeoutMs: options.timeoutMs,
    ...(env.NODE_EXTRA_CA_CERTS && existsSync(env.NODE_EXTRA_CA_CERTS) ? { buildCA: env.NODE_EXTRA_CA_CERTS } : {}),
    binDir: ".bin",
    stateDir: ".stackwave",
    ...(options.chart ? { chart: options.chart } : {}),
  };
}

/** The full plan input: baseInput plus the app-of-apps from the generator. Read-only. */
export async function planInput(options: Options, env: NodeJS.ProcessEnv = process.env): Promise<PlanInput> {
  const base = baseInput(options, env);
  return { ...base, applications: await loadApplications(base.config, base.cluster) };
}

export function buildPlan(options: Options, input: PlanInput): Plan {
  return options.down ? downPlan(input) : upPlan(input);
}

/** Preflight of the image mirror and the chart file (tools/bootstrap/mirror.ts). */
async function mirrorFindings(base: Omit<PlanInput, "applications">): Promise<Finding[]> {
  const offline = base.cluster.mirror?.offline ?? false;
  const file = chartFile(base);
  const chart = gatherChart(file && (isAbsolute(file) ? file : join(repoRoot, file)), Boolean(base.chart), existsSync);
  const findings = [evaluateChart(base.cluster, chart, offline)];
  if (base.cluster.mirror) {
    const images = mirrorImages(base.config, base.cluster);
    findings.unshift(evaluateMirror(images, await gatherMirror(images.filter((i) => i.required)), offline));
  }
  return findings;
}

/** Asks after the removals were listed; without a terminal only --yes proceeds. */
async function confirmDown(options: Options, cluster: string, log: (s: string) => void): Promise<boolean> {
  if (options.yes) return true;
  if (!process.stdin.isTTY) {
    log("refusing to run --down without confirmation: stdin is not a terminal. Rerun with --yes to remove everything listed above.");
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`Remove all of the above for cluster ${cluster}? [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

/** The whole command; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const warn = (line: string) => process.stderr.write(`${line}\n`);
  let options: Options;
  let base: Omit<PlanInput, "applications">;
  try {
    options = parseOptions(argv);
    if (argv.includes("--help") || argv.includes("-h")) {
      log(usage);
      return 0;
    }
    if (options.target) return await (await targets[options.target]!())(options);
    base = baseInput(options);
    if (base.cluster.runtime === "existing") {
      // Loaded only here: it reads the generators (seconds) to size the environment's requests.
      const { existingMain } = await import("./existing.js");
      const { currentContext } = await import("./access.js");
      const context = options.context ?? base.cluster.context ?? (await currentContext());
      return await existingMain(options, { ...base, context }, { log, warn });
    }
  } catch (error) {
    if (argv.includes("--help") || argv.includes("-h")) {
      log(usage);
      return 0;
    }
    if (error instanceof UsageError) {
      warn(`${error.message}\n\n${usage}`);
      return 2;
    }
    throw error;
  }

  const n = names(base);
  const mode = options.down ? "down" : "up";
  const facts = await gather({ root: repoRoot, binDir: base.binDir, cluster: base.cluster, names: n, mode });
  const findings = evaluate({
    facts,
    need: requirements(base.cluster),
    ours: [n.registry, n.gitContainer, n.nodes[0]!],
    binDir: base.binDir,
    mode,
  });
  if (mode === "up") findings.push(...(await mirrorFindings(base)));
  const problems = failed(findings);

  if (!options.dryRun) {
    (problems.length ? warn : log)(formatFindings(findings));
    if (problems.length) {
      warn(
        `bootstrap stopped before changing anything: fix the ${problems.length === 1 ? "problem" : `${problems.length} problems`} above and rerun.`,
      );
      return 1;
    }
  }
  const input: PlanInput = { ...base, applications: await loadApplications(base.config, base.cluster) };
  const plan = buildPlan(options, input);
  if (options.dryRun) {
    log(formatPlan(plan));
    log(`\n(dry run: nothing was changed) ${formatFindings(findings).replace(/; nothing was changed/, "")}`);
    return 0;
  }
  if (options.down) {
    // Preflight passed (Docker answers): say exactly what goes, then ask.
    log(formatRemovals(plan));
    if (!(await confirmDown(options, input.cluster.name, warn))) return 1;
  }

  const runner = new Runner({ root: repoRoot, binDir: input.binDir, verbose: options.verbose, log });
  for (const tool of facts.tools) if (tool.path) runner.useTool(tool.tool, tool.path);
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    warn("\ninterrupt: stopping the current command (Ctrl-C again to quit at once)…");
    runner.interrupt();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const started = Date.now();
  try {
    await runner.run(plan);
  } catch (error) {
    if (error instanceof Interrupted) {
      warn("interrupted. What was done is kept; rerun the same command to continue from there (every step converges).");
      return 130;
    }
    if (error instanceof StepError) {
      warn(`\n${error.format()}\nFix it and rerun the same command: finished steps are skipped.`);
      return 1;
    }
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  if (options.down) {
    log(`\n✓ removed in ${minutes} min (downloaded tools stay in ${input.binDir}/)`);
  } else {
    log(
      `\n✓ stackwave is up on cluster ${input.cluster.name} (${minutes} min)\n\n${formatEndpoints(endpoints(input.cluster, n))}\n\nTear down: node bootstrap.mjs --down`,
    );
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2));
}
