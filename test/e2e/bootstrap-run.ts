// Runs the real `node bootstrap.mjs` from a clean clone against the harness Docker, and times its steps.
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { repoRoot } from "../../generators/paths.js";
import { cacheDir } from "../../tools/cache/dirs.js";
import { run } from "../../tools/cache/command.js";

/** A clean clone of this repository's HEAD, with ../shared beside it as in a checkout. */
export interface Clone {
  readonly dir: string;
  git(args: readonly string[]): Promise<string>;
  remove(): void;
}

export async function cleanClone(): Promise<Clone> {
  const root = mkdtempSync(join(tmpdir(), "stackwave-e2e-"));
  const dir = join(root, "stackwave");
  symlinkSync(join(repoRoot, "..", "shared"), join(root, "shared"));
  await run(["git", "clone", "--quiet", "--no-hardlinks", repoRoot, dir]);
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const git = (args: readonly string[]) =>
    run(["git", "-c", "user.name=stackwave-e2e", "-c", "user.email=e2e@stackwave.invalid", ...args], { cwd: dir, env });
  // The clone's origin is this checkout; bootstrap adds its own `local` remote.
  return { dir, git, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** One finished run of bootstrap. */
export interface BootstrapRun {
  readonly code: number;
  readonly output: string;
  /** Seconds from the start of each step ("[3/12] mirror: …") to the next line of that kind, or the end. */
  readonly steps: ReadonlyMap<string, number>;
  readonly seconds: number;
}

/**
 * The environment bootstrap runs in: the harness engine, the cluster's own kubeconfig, and the tool cache
 * (kind, kubectl, helm and kustomize at their pinned versions) and this Node first on PATH. CI=true and
 * no stdin, as in CI.
 */
export function bootstrapEnv(dockerEnv: NodeJS.ProcessEnv, kubeconfig: string): NodeJS.ProcessEnv {
  return {
    ...dockerEnv,
    KUBECONFIG: kubeconfig,
    CI: "true",
    PATH: [join(cacheDir, "bin"), dirname(process.execPath), dockerEnv.PATH ?? ""].join(":"),
  };
}

/** Runs `node bootstrap.mjs <args>` in the clone; every line goes to `log` with the time it came. */
export function runBootstrap(
  clone: Clone,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  log: string,
  timeoutMs: number,
): Promise<BootstrapRun> {
  mkdirSync(dirname(log), { recursive: true });
  appendFileSync(log, `\n# ${new Date().toISOString()} node bootstrap.mjs ${args.join(" ")}\n`);
  const start = Date.now();
  const starts: [string, number][] = [];
  let output = "";
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bootstrap.mjs", ...args], { cwd: clone.dir, env, stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    let partial = "";
    const take = (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const lines = text.split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        output += line + "\n";
        const t = (Date.now() - start) / 1000;
        appendFileSync(log, `${t.toFixed(1).padStart(7)} ${line}\n`);
        const step = /^\[(\d+)\/(\d+)\] ([a-z-]+):/.exec(line);
        if (step) starts.push([step[3]!, Date.now()]);
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (partial) output += partial;
      const end = Date.now();
      const steps = new Map<string, number>();
      starts.forEach(([name, at], i) => steps.set(name, ((starts[i + 1]?.[1] ?? end) - at) / 1000));
      resolve({ code: code ?? 1, output, steps, seconds: (end - start) / 1000 });
    });
  });
}

/** Records one figure beside the log, for docs/benchmarks.md. */
export function recordFigure(file: string, label: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    // No figures yet.
  }
  all[label] = { value, at: new Date().toISOString() };
  writeFileSync(file, JSON.stringify(all, null, 2) + "\n");
}

/** A run's total and per-step seconds. */
export function recordRun(file: string, label: string, result: BootstrapRun): void {
  recordFigure(file, label, { seconds: result.seconds, steps: Object.fromEntries(result.steps) });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
