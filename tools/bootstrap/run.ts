// Executes a plan step by step. Each action is idempotent or guarded by a probe, so a rerun after success,
// a failure or Ctrl-C converges. A failed step stops the run with its name, the command, the tail of its
// stderr and the step's hint.
import { spawn, type ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { findTool, installTool, type ToolName } from "./install.js";
import { fillSecrets, formatArgv, yamlStream, type Action, type Plan, type Probe, type Step, type Value } from "./plan.js";
import { loadSecrets, type SecretName, type Secrets } from "./secrets.js";
import { formatWaitResult, waitForWaves } from "./waves.js";
import { argocd } from "../../generators/versions.js";
import { formatReport, seed } from "../mirror/seed.js";
import { pushChartMirror } from "./chart.js";
import { pushCrdMirror } from "./crds.js";

/** Why a step failed, with enough to act on. */
export class StepError extends Error {
  constructor(
    readonly step: string,
    readonly command: string,
    readonly detail: string,
    readonly hint: string,
  ) {
    super(`step "${step}" failed`);
  }

  format(): string {
    const tail = this.detail.trim() ? `\n${this.detail.trim().replace(/^/gm, "    ")}` : "";
    return `✗ step "${this.step}" failed\n  command: ${this.command}\n  output:${tail || " (none)"}\n  hint: ${this.hint}\n`;
  }
}

/** Thrown when the user interrupted; everything done so far stays and a rerun continues. */
export class Interrupted extends Error {}

export interface RunOptions {
  /** Repository root; every command runs there. */
  readonly root: string;
  /** Where .bin/ is, relative to root. */
  readonly binDir: string;
  /** Print every command's output as it comes. */
  readonly verbose: boolean;
  readonly log: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

const tailLines = 25;

/** Keeps the last lines of a stream. */
class Tail {
  private text = "";
  push(chunk: string): void {
    this.text = (this.text + chunk)
      .split("\n")
      .slice(-tailLines - 1)
      .join("\n");
  }
  toString(): string {
    return this.text;
  }
}

export class Runner {
  private secrets: Secrets | undefined;
  private current: ChildProcess | undefined;
  private interrupted = false;
  private readonly tools = new Map<string, string>();

  constructor(private readonly options: RunOptions) {}

  /** Stops the running command (Ctrl-C); the current step then fails with Interrupted. */
  interrupt(): void {
    this.interrupted = true;
    this.current?.kill("SIGINT");
  }

  private get binPath(): string {
    return resolve(this.options.root, this.options.binDir);
  }

  private env(extra: Readonly<Record<string, Value>> = {}): NodeJS.ProcessEnv {
    const base = this.options.env ?? process.env;
    return { ...base, ...fillSecrets(extra, (name) => this.secret(name)), PATH: `${this.binPath}${delimiter}${base.PATH ?? ""}` };
  }

  private secret(name: SecretName): string {
    const value = this.secrets?.[name];
    if (value === undefined)
      throw new Error(
        `secret ${name} is not available (the state step loads it; PAGERDUTY_ROUTING_KEY must be set for the pagerduty Secret)`,
      );
    return value;
  }

  /** The program to start for argv[0]: a pinned tool found earlier, else the name (looked up on PATH with .bin first). */
  private program(name: string): string {
    return this.tools.get(name) ?? name;
  }

  /** Records where a pinned tool is, so commands use it even when PATH has another version first. */
  useTool(tool: ToolName, path: string): void {
    this.tools.set(tool, path);
  }

  /** Runs argv; resolves with stdout, rejects with the exit code and the tail of stderr (or stdout). */
  exec(
    argv: readonly Value[],
    opts: { stdin?: string; env?: Readonly<Record<string, Value>>; timeoutMs?: number; quiet?: boolean } = {},
  ): Promise<string> {
    if (this.interrupted) return Promise.reject(new Interrupted());
    const [first, ...rest] = fillSecrets(argv, (name) => this.secret(name)) as string[];
    return new Promise((resolvePromise, reject) => {
      const child = spawn(this.program(first!), rest, {
        cwd: this.options.root,
        env: this.env(opts.env),
        stdio: [opts.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        timeout: opts.timeoutMs ?? 300_000,
      });
      this.current = child;
      const out = new Tail();
      const err = new Tail();
      let stdout = "";
      const echo = this.options.verbose && !opts.quiet;
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        out.push(chunk);
        if (echo) process.stdout.write(chunk);
      });
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
        err.push(chunk);
        if (echo) process.stderr.write(chunk);
      });
      if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
      child.on("error", (error) =>
        reject(new CommandError(error.message.includes("ENOENT") ? `${first} is not installed or not on PATH` : error.message)),
      );
      child.on("close", (code, signal) => {
        this.current = undefined;
        if (this.interrupted) return reject(new Interrupted());
        if (code === 0) return resolvePromise(stdout);
        const detail = err.toString().trim() || out.toString().trim();
        reject(new CommandError(`${signal ? `killed by ${signal} (timeout?)` : `exit code ${code}`}${detail ? `\n${detail}` : ""}`));
      });
    });
  }

  /** Whether a probe holds, i.e. the guarded action is already done. Never throws. */
  async holds(probe: Probe): Promise<boolean> {
    switch (probe.kind) {
      case "command": {
        const ok = await this.exec(probe.argv, { quiet: true, timeoutMs: 30_000 }).then(
          (stdout) => (probe.stdout ? new RegExp(probe.stdout, "m").test(stdout.trim()) : true),
          (error: unknown) => {
            if (error instanceof Interrupted) throw error;
            return false;
          },
        );
        return probe.negate ? !ok : ok;
      }
      case "http": {
        for (const url of probe.urls) {
          const status = await fetch(url, { headers: probe.headers, signal: AbortSignal.timeout(5_000) }).then(
            (r) => r.status,
            () => 0,
          );
          if (status !== 200) return false;
        }
        return true;
      }
      case "any": {
        for (const inner of probe.probes) if (await this.holds(inner)) return true;
        return false;
      }
      case "tool": {
        const found = await findTool(probe.tool, this.binPath);
        if (found.path) this.useTool(probe.tool, found.path);
        return found.path !== undefined;
      }
    }
  }

  private async action(action: Action): Promise<string> {
    switch (action.kind) {
      case "command": {
        const stdin =
          action.stdin === undefined
            ? undefined
            : "text" in action.stdin
              ? action.stdin.text
              : yamlStream(fillSecrets(action.stdin.objects, (n) => this.secret(n)));
        await this.exec(action.argv, { stdin, env: action.env, timeoutMs: action.timeoutMs });
        return formatArgv(action.argv);
      }
      case "download": {
        const path = await installTool(action, this.binPath);
        this.useTool(action.tool, path);
        return `installed ${action.tool} ${action.version} → ${action.binDir}/${action.tool} (sha256 verified)`;
      }
      case "secrets": {
        // What the cluster already uses; a failing read (no cluster or Secret yet) means there is none.
        const read = async (argv: readonly string[]) =>
          Buffer.from(await this.exec(argv, { quiet: true }).catch(() => ""), "base64").toString("utf8") || undefined;
        const mongodbPassword = action.cluster ? await read(action.cluster.mongodbPassword) : undefined;
        this.secrets = await loadSecrets(
          isAbsolute(action.path) ? action.path : join(this.options.root, action.path),
          this.options.env ?? process.env,
          undefined,
          mongodbPassword === undefined ? {} : { mongodbPassword },
        );
        return `secrets ready in ${action.path}`;
      }
      case "wait-http": {
        const deadline = Date.now() + action.timeoutMs;
        for (;;) {
          if (this.interrupted) throw new Interrupted();
          const status = await fetch(action.url, { signal: AbortSignal.timeout(3_000) }).then(
            (r) => r.status,
            () => 0,
          );
          if (status > 0 && status < 500) return `${action.url} answers (${status})`;
          if (Date.now() > deadline)
            throw new CommandError(
              `${action.url} did not answer within ${action.timeoutMs / 1000}s (last status ${status || "no connection"})`,
            );
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
      case "wait-waves": {
        const result = await waitForWaves({ ...action, log: this.options.log, isInterrupted: () => this.interrupted });
        if (this.interrupted) throw new Interrupted();
        if (!result.done) throw new CommandError(formatWaitResult(result));
        return "every Application is Synced and Healthy";
      }
      case "remove":
        await rm(resolve(this.options.root, action.path), { recursive: true, force: true });
        return `removed ${action.path}/`;
      case "seed-mirror": {
        const report = await seed({
          env: this.env(),
          registry: action.registry,
          images: action.images,
          // A cold mirror is minutes of pushes: one line per image, so the step is never silent that long.
          progress: (line) => this.options.log(`    ${line}`),
        });
        const needed = report.missing.filter((m) => m.required);
        // Only what the cluster pulls is worth a line; optional images (the node's preloaded ones) are counted.
        const shown = { ...report, missing: needed };
        if (action.offline && needed.length) throw new CommandError(formatReport(shown, action.registry));
        if (needed.length) this.options.log(formatReport(shown, action.registry).replace(/^/gm, "    "));
        const optional = report.missing.length - needed.length;
        return `${report.pushed.length} pushed, ${report.present.length} already in ${action.registry}${needed.length ? `, ${needed.length} left to upstream` : ""}${optional ? ` (${optional} optional not in the local Docker)` : ""}`;
      }
      case "chart-mirror": {
        const file = isAbsolute(action.file) ? action.file : join(this.options.root, action.file);
        const commit = await pushChartMirror({ ...action, file, pin: argocd.chart });
        return `${action.tag} = ${commit.slice(0, 12)} on ${action.pushURL}`;
      }
      case "crd-mirror": {
        const { commit, from } = await pushCrdMirror(action);
        return `main = ${commit.slice(0, 12)} on ${action.pushURL}, from ${from}`;
      }
    }
  }

  /** Runs one step; probes skip what is already done. */
  async step(step: Step, index: number, total: number): Promise<void> {
    const { log } = this.options;
    log(`\n[${index + 1}/${total}] ${step.name}: ${step.title}`);
    for (const action of step.actions) {
      const guard = action.kind === "command" || action.kind === "download" ? action.skipIf : undefined;
      const label = describeAction(action);
      if (guard && (await this.holds(guard))) {
        log(`  = ${label} (already done: ${guard.describe})`);
        continue;
      }
      log(`  → ${label}`);
      const started = Date.now();
      try {
        const done = await this.action(action);
        log(`  ✓ ${done === label ? "" : `${done} `}(${((Date.now() - started) / 1000).toFixed(1)}s)`);
      } catch (error) {
        if (error instanceof Interrupted || this.interrupted) throw new Interrupted();
        throw new StepError(
          step.name,
          label,
          error instanceof CommandError ? error.message : String(error instanceof Error ? error.message : error),
          step.hint,
        );
      }
    }
  }

  async run(plan: Plan): Promise<void> {
    for (const [i, step] of plan.steps.entries()) await this.step(step, i, plan.steps.length);
  }
}

/** A failed command or wait; the message is the detail shown under the step. */
export class CommandError extends Error {}

function describeAction(action: Action): string {
  switch (action.kind) {
    case "command":
      return formatArgv(action.argv);
    case "download":
      return `download ${action.tool} ${action.version}`;
    case "secrets":
      return `load or generate ${action.path}`;
    case "wait-http":
      return `wait for ${action.url}`;
    case "wait-waves":
      return `watch Applications in ${action.namespace}`;
    case "remove":
      return `remove ${action.path}/`;
    case "seed-mirror":
      return `push ${action.images.length} images to the mirror ${action.registry}`;
    case "chart-mirror":
      return `push ${action.file} to ${action.pushURL} as ${action.tag}`;
    case "crd-mirror":
      return `push the prometheus-operator ${action.version} CRDs to ${action.pushURL}`;
  }
}
