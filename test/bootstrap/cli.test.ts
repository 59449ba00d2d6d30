// The command itself, run as a user runs it: `npx zx bootstrap.mjs ...` in a child process.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { argocd, cliTools, imageString, localRegistry } from "../../generators/versions.js";
import { gatherDocker } from "../../tools/bootstrap/preflight.js";
import { baseInput, buildPlan, parseOptions, planInput } from "../../tools/bootstrap/main.js";

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bootstrap like CI does: CI=true, no stdin. */
function bootstrap(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["zx", "bootstrap.mjs", ...args], {
      cwd: repoRoot,
      env: { ...process.env, CI: "true", PAGERDUTY_ROUTING_KEY: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** What bootstrap could create locally: .bin/, .stackwave/ and git remotes. */
function localState() {
  const list = (dir: string) => (existsSync(join(repoRoot, dir)) ? readdirSync(join(repoRoot, dir)).sort() : null);
  return {
    bin: list(".bin"),
    state: list(".stackwave"),
    remotes: execFileSync("git", ["remote"], { cwd: repoRoot, encoding: "utf8" }).split("\n").filter(Boolean).sort(),
  };
}

const timeout = 150_000;

describe("GIVEN the repository as checked out", () => {
  it(
    "WHEN bootstrap runs with --dry-run THEN it prints every step in plan order with its pinned versions, and changes nothing",
    async () => {
      const before = localState();
      const result = await bootstrap(["--dry-run"]);
      expect(result.code, result.stderr).toBe(0);
      const plan = buildPlan(parseOptions([]), await planInput(parseOptions([]), { PAGERDUTY_ROUTING_KEY: "" }));
      const printed = [...result.stdout.matchAll(/^\[(\d+)\/(\d+)\] ([\w-]+): /gm)].map((m) => m[3]);
      expect(printed).toEqual(plan.steps.map((s) => s.name));
      let cursor = 0;
      for (const step of plan.steps) {
        // Each step's details follow its own header, in order.
        cursor = result.stdout.indexOf(`] ${step.name}: ${step.title}`, cursor);
        expect(cursor, step.name).toBeGreaterThanOrEqual(0);
        for (const detail of step.details) expect(result.stdout.indexOf(detail, cursor), detail).toBeGreaterThan(cursor);
      }
      for (const pinned of [...Object.values(cliTools), argocd.chart.version, argocd.version, imageString(localRegistry.image)])
        expect(result.stdout).toContain(pinned);
      expect(result.stdout).toContain("dry run: nothing was changed");
      expect(localState()).toEqual(before);
    },
    timeout,
  );

  it(
    "WHEN bootstrap runs with --dry-run --down THEN it prints the teardown plan and changes nothing",
    async () => {
      const before = localState();
      const result = await bootstrap(["--dry-run", "--down"]);
      expect(result.code, result.stderr).toBe(0);
      expect([...result.stdout.matchAll(/^\[\d+\/\d+\] ([\w-]+): /gm)].map((m) => m[1])).toEqual([
        "tools",
        "cluster",
        "containers",
        "local",
      ]);
      expect(result.stdout).toContain("$ kind delete cluster --name stackwave-local");
      expect(localState()).toEqual(before);
    },
    timeout,
  );

  it(
    "WHEN --down runs without --yes and without a terminal THEN it refuses, says how to proceed and changes nothing",
    async () => {
      const before = localState();
      const result = await bootstrap(["--down"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("refusing to run --down without confirmation");
      expect(result.stderr).toContain("--yes");
      expect(localState()).toEqual(before);
    },
    timeout,
  );

  it(
    "WHEN an argument is wrong THEN it exits 2 naming the flag and the expected value",
    async () => {
      const result = await bootstrap(["--cluster", "nope", "--dry-run"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--cluster expects one of local, sim, got "nope"');
      expect(result.stderr).toContain("usage: npx zx bootstrap.mjs");
    },
    timeout,
  );
});

const docker = await gatherDocker();

describe.skipIf(docker.reachable)("GIVEN a machine without a Docker engine", () => {
  it(
    "WHEN bootstrap runs for real (CI=true, --yes, no stdin) THEN preflight fails naming Docker, exits nonzero and creates nothing",
    async () => {
      const before = localState();
      const result = await bootstrap(["--yes"]);
      expect(result.code).not.toBe(0);
      expect(result.code).not.toBeNull();
      expect(result.stderr).toMatch(/Docker (CLI not found|engine is not reachable)/);
      expect(result.stderr).toContain("nothing was changed");
      // Preflight reports everything before installing anything: no downloads, no secrets, no remote.
      expect(localState()).toEqual(before);
      if (before.bin === null) expect(existsSync(join(repoRoot, ".bin"))).toBe(false);
      if (before.state === null) expect(existsSync(join(repoRoot, ".stackwave"))).toBe(false);
      if (!before.remotes.includes("local")) expect(localState().remotes).not.toContain("local");
    },
    timeout,
  );
});

describe("GIVEN command-line arguments", () => {
  it("WHEN --cluster names the simulated cluster without --sim THEN the usage error says to add --sim", () => {
    expect(() => baseInput(parseOptions(["--cluster", "sim"]))).toThrow(
      "--cluster sim runs on the simulated cluster, not on Kind: add --sim",
    );
  });

  it("WHEN they are parsed THEN defaults apply and each flag sets its option", () => {
    expect(parseOptions([])).toEqual({ dryRun: false, down: false, yes: false, timeoutMs: 900_000, verbose: false });
    expect(parseOptions(["--cluster=local", "--down", "--yes", "--timeout", "90s", "--verbose", "--dry-run"])).toEqual({
      cluster: "local",
      dryRun: true,
      down: true,
      yes: true,
      timeoutMs: 90_000,
      verbose: true,
    });
    expect(parseOptions(["--timeout", "20m"]).timeoutMs).toBe(1_200_000);
  });

  it("WHEN a value is malformed THEN the error names the flag and the expected form", () => {
    expect(() => parseOptions(["--timeout", "soon"])).toThrow('--timeout expects a duration like 15m or 900s, got "soon"');
    expect(() => parseOptions(["--cluster"])).toThrow("--cluster expects a cluster name, got nothing");
    expect(() => parseOptions(["--bogus"])).toThrow('unknown argument "--bogus"');
  });
});
