// The first hour of a new user, without a terminal: a fresh clone with no node_modules, then the README's
// commands in the order it shows them. Each must exit as documented and print no EBADENGINE and no stack trace.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { nodeMinimum } from "../../generators/versions.js";
import { atLeast } from "../../tools/bootstrap/preflight.js";
import { inCI } from "../support/tools.js";

interface Result {
  code: number;
  output: string;
}

const nodeOk = atLeast(process.versions.node, nodeMinimum);
const slow = 600_000;
const stackTrace = /^\s+at .+[(:]\d+\)?$|ERR_[A-Z_]{4,}|node:internal/m;

/**
 * The environment a user's shell would have: this Node first on PATH (so npm runs on it too), no npm or
 * vitest variables from the test run, no terminal. npm's cache is the machine's own, so `npm ci` is offline-fast.
 */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm_|VITEST|INIT_CWD$|NODE_OPTIONS$)/i.test(key)),
  ) as NodeJS.ProcessEnv;
  return {
    ...env,
    PATH: [dirname(process.execPath), env.PATH ?? ""].join(delimiter),
    npm_config_prefer_offline: "true",
    npm_config_update_notifier: "false",
    PAGERDUTY_ROUTING_KEY: "",
    ...extra,
  };
}

/** A README command in the clone, as `sh -c` runs it; output is stdout and stderr together. */
function sh(cwd: string, command: string, extra: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile("sh", ["-c", `${command} 2>&1`], { cwd, env: userEnv(extra), maxBuffer: 64 * 2 ** 20 }, (_error, stdout) =>
      resolve({ code: child.exitCode ?? 1, output: stdout }),
    );
  });
}

function clean(result: Result, what: string): void {
  expect(result.output, `${what}: EBADENGINE`).not.toContain("EBADENGINE");
  expect(result.output, `${what}: stack trace`).not.toMatch(stackTrace);
}

if (!nodeOk && !inCI)
  console.warn(`skipped: the fresh-clone test needs Node ${nodeMinimum} or newer first on PATH, this is ${process.versions.node}`);

/** The README's first command, for a later test run alone (-t): on a clone without packages it installs them. */
async function firstCommandDone(dir: string): Promise<void> {
  if (existsSync(join(dir, "node_modules/tsx/package.json"))) return;
  const result = await sh(dir, "node bootstrap.mjs --help");
  expect(result.code, result.output).toBe(0);
}

// The README's commands in the order it shows them: never shuffled. Each later test still passes alone.
describe.skipIf(!nodeOk && !inCI)("GIVEN a fresh clone of this repository, with no node_modules", { shuffle: false }, () => {
  let dir: string;
  beforeAll(async () => {
    if (!nodeOk) throw new Error(`CI=true: Node ${nodeMinimum} or newer is required (.ci/run installs it), got ${process.versions.node}`);
    dir = mkdtempSync(join(tmpdir(), "stackwave-fresh-"));
    const clone = await sh(tmpdir(), `git clone --quiet --no-hardlinks '${repoRoot}' '${dir}'`);
    expect(clone.code, clone.output).toBe(0);
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
  }, slow);
  // Async: the clone's node_modules takes a while to delete, and a blocked worker cannot talk to vitest.
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  }, slow);

  it(
    "WHEN the first command is node bootstrap.mjs --help THEN it installs the locked packages, prints the usage and exits 0",
    async () => {
      const result = await sh(dir, "node bootstrap.mjs --help");
      expect(result.code, result.output).toBe(0);
      expect(result.output).toContain("installing the locked npm dependencies first (npm ci)");
      expect(result.output).toContain("usage: node bootstrap.mjs");
      expect(existsSync(join(dir, "node_modules/tsx/package.json"))).toBe(true);
      clean(result, "--help");
    },
    slow,
  );

  it(
    "WHEN node bootstrap.mjs --dry-run runs THEN it prints the plan with the preflight findings, exits 0 and changes nothing",
    async () => {
      await firstCommandDone(dir);
      const result = await sh(dir, "node bootstrap.mjs --dry-run");
      expect(result.code, result.output).toBe(0);
      expect(result.output).toMatch(/^\[1\/\d+\] tools: /m);
      expect(result.output).toContain("(dry run: nothing was changed)");
      expect(result.output).toMatch(/✓ node: Node 2\d\./);
      expect((await sh(dir, "git status --porcelain")).output).toBe("");
      clean(result, "--dry-run");
    },
    slow,
  );

  it(
    "WHEN node bootstrap.mjs runs where no Docker engine answers THEN preflight names Docker, exits 1 and creates nothing",
    async () => {
      await firstCommandDone(dir);
      const result = await sh(dir, "node bootstrap.mjs --yes", { DOCKER_HOST: "unix:///nonexistent/stackwave-fresh/docker.sock" });
      expect(result.code, result.output).toBe(1);
      expect(result.output).toMatch(/Docker (CLI not found|engine is not reachable)/);
      expect(result.output).toContain("nothing was changed");
      for (const made of [".bin", ".stackwave"]) expect(existsSync(join(dir, made)), made).toBe(false);
      expect((await sh(dir, "git remote")).output.trim()).toBe("origin");
      clean(result, "preflight");
    },
    slow,
  );

  it(
    "WHEN the config is printed to a file and generated from, and then npm run generate runs THEN the committed tree comes back unchanged",
    async () => {
      await firstCommandDone(dir);
      const print = await sh(dir, "npm run generate -- --print-config my.json");
      expect(print.code, print.output).toBe(0);
      expect(() => JSON.parse(readFileSync(join(dir, "my.json"), "utf8"))).not.toThrow();
      const tried = await sh(dir, "npm run generate -- --config my.json --out try");
      expect(tried.code, tried.output).toBe(0);
      expect(existsSync(join(dir, "try/clusters/local/root-app.yaml"))).toBe(true);
      const generate = await sh(dir, "npm run generate && git diff --exit-code -- base overlays clusters");
      expect(generate.code, generate.output).toBe(0);
      for (const result of [print, tried, generate]) clean(result, "generate");
    },
    slow,
  );
});
