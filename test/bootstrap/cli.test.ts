// The command itself, run as the README says: `node bootstrap.mjs ...` in a child process, without a terminal.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { argocd, cliTools, imageString, localRegistry } from "../../generators/versions.js";
import { gatherDocker } from "../../tools/bootstrap/preflight.js";
import { baseInput, buildPlan, parseOptions, planInput } from "../../tools/bootstrap/main.js";
import { runDir } from "../../tools/sim/checkout.js";
import { inCI } from "../support/tools.js";

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A Docker socket that cannot exist: the engine "is not running" on any machine, Docker installed or not. */
const noDocker = { DOCKER_HOST: "unix:///nonexistent/stackwave-test/docker.sock" };

/** Runs a command like CI does: CI=true, no stdin; resolves with its exit code and output. */
function run(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = argv;
    const child = spawn(program!, args, {
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

const bootstrap = (args: readonly string[], env: NodeJS.ProcessEnv = {}) => run([process.execPath, "bootstrap.mjs", ...args], env);

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
const stackTrace = /^\s+at .+[(:]\d+|ERR_[A-Z_]+|node:internal/m;

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
    "WHEN bootstrap runs with --dry-run --down THEN it prints a teardown that needs only Docker, and changes nothing",
    async () => {
      const before = localState();
      const result = await bootstrap(["--dry-run", "--down"]);
      expect(result.code, result.stderr).toBe(0);
      expect([...result.stdout.matchAll(/^\[\d+\/\d+\] ([\w-]+): /gm)].map((m) => m[1])).toEqual(["cluster", "containers", "local"]);
      expect(result.stdout).toContain("$ docker rm -f -v stackwave-local-control-plane");
      expect(result.stdout).not.toMatch(/^ {2}download |\$ kind /m);
      expect(localState()).toEqual(before);
    },
    timeout,
  );

  it(
    "WHEN --help is given THEN it prints the usage and exits 0, even next to a bad flag",
    async () => {
      for (const args of [["--help"], ["-h"], ["--bogus", "--help"]]) {
        const result = await bootstrap(args);
        expect(result.code, args.join(" ")).toBe(0);
        expect(result.stdout).toContain("usage: node bootstrap.mjs");
        expect(result.stdout).toContain("--timeout <d>");
      }
    },
    timeout,
  );

  it(
    "WHEN an argument is wrong THEN it exits 2 with one line naming the flag and the expected value, then the usage",
    async () => {
      for (const [args, message] of [
        [["--cluster", "nope", "--dry-run"], '--cluster expects one of local, sim, prod, got "nope"'],
        [["--timeout", "90"], '--timeout expects a duration above zero with a unit, like 15m, 900s or 1h, got "90"'],
        [["--timeout", "0s"], 'got "0s"'],
        [["--bogus"], 'unknown argument "--bogus"'],
      ] as const) {
        const result = await bootstrap(args);
        expect(result.code, args.join(" ")).toBe(2);
        const [first, blank, usage] = result.stderr.split("\n");
        expect(first).toContain(message);
        expect(blank).toBe("");
        expect(usage).toMatch(/^usage: node bootstrap\.mjs/);
        expect(result.stderr).not.toMatch(stackTrace);
      }
    },
    timeout,
  );
});

describe("GIVEN a machine where no Docker engine answers (DOCKER_HOST points at a socket that does not exist)", () => {
  it(
    "WHEN bootstrap runs for real (CI=true, --yes, no stdin) THEN preflight fails naming Docker, exits nonzero and creates nothing",
    async () => {
      const before = localState();
      const result = await bootstrap(["--yes"], noDocker);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Docker (CLI not found|engine is not reachable)/);
      expect(result.stderr).toContain("nothing was changed");
      expect(result.stderr).not.toMatch(stackTrace);
      // Preflight reports everything before installing anything: no downloads, no secrets, no remote.
      expect(localState()).toEqual(before);
    },
    timeout,
  );

  it(
    "WHEN --down runs THEN preflight stops it before it asks or lists anything, naming Docker",
    async () => {
      const before = localState();
      const result = await bootstrap(["--down"], noDocker);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Docker (CLI not found|engine is not reachable)/);
      expect(result.stderr).not.toContain("refusing");
      expect(result.stdout).not.toContain("--down removes");
      expect(localState()).toEqual(before);
    },
    timeout,
  );
});

const docker = await gatherDocker();

// A Docker engine is what a user has; this machine has none running until a harness starts one. Under CI a
// missing engine fails the run rather than hiding the tier.
describe.skipIf(!docker.reachable && !inCI)("GIVEN a machine whose Docker engine answers", () => {
  beforeAll(() => {
    if (!docker.reachable) throw new Error(`CI=true: a Docker engine must answer for this tier (docker info: ${docker.error ?? "no CLI"})`);
  });

  it(
    "WHEN bootstrap --dry-run runs THEN preflight reports the engine as ok with its version",
    async () => {
      const result = await bootstrap(["--dry-run"]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`✓ docker: Docker engine ${docker.serverVersion}`);
    },
    timeout,
  );

  it(
    "WHEN --down runs without --yes and without a terminal THEN it lists what it would remove, refuses and changes nothing",
    async () => {
      const before = localState();
      const result = await bootstrap(["--down"]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain("--down removes, for cluster local:");
      for (const what of ["stackwave-local-control-plane", localRegistry.containerName, "stackwave-git-data", ".stackwave/"])
        expect(result.stdout).toContain(what);
      expect(result.stderr).toContain("refusing to run --down without confirmation");
      expect(result.stderr).toContain("--yes");
      expect(localState()).toEqual(before);
    },
    timeout,
  );
});
if (!docker.reachable && !inCI)
  console.warn(`skipped: the Docker-present bootstrap tests: no Docker engine answers here (${docker.error ?? "no docker CLI"})`);

describe("GIVEN --sim", () => {
  it(
    "WHEN it runs with --dry-run THEN it lists the programs it would start, exits 0 and starts nothing",
    async () => {
      const result = await bootstrap(["--sim", "--dry-run"]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("simulated cluster plan (cluster sim");
      expect(result.stdout).toMatch(/^ {2}[✓✗] kube-apiserver/m);
      expect(result.stdout).toContain("(dry run: nothing was changed)");
      expect(existsSync(runDir(repoRoot))).toBe(false);
    },
    timeout,
  );
});

describe("GIVEN simulated clusters left running by this checkout and by another clone", () => {
  const cache = mkdtempSync(join(tmpdir(), "stackwave-simdown-"));
  const mine = runDir(repoRoot, cache);
  const other = runDir(join(cache, "another-clone"), cache);
  const procs = new Map<string, ChildProcess>();

  /** A run folder whose state names one real, long-running process in its own group, as the sim records it. */
  function leaveRunning(dir: string): ChildProcess {
    mkdirSync(join(dir, "logs"), { recursive: true });
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { detached: true, stdio: "ignore" });
    const proc = { name: "etcd", pid: child.pid!, command: "node -e …", log: join(dir, "logs", "etcd.log") };
    writeFileSync(join(dir, "state.json"), JSON.stringify({ dir, kubeconfig: "", apiServer: "", ports: {}, procs: [proc] }));
    procs.set(dir, child);
    return child;
  }

  afterAll(() => {
    for (const child of procs.values()) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    rmSync(cache, { recursive: true, force: true });
  });

  it(
    "WHEN npm run sim:down runs here THEN it stops this checkout's cluster and removes its folder, and leaves the other clone's running",
    async () => {
      const ours = leaveRunning(mine);
      const theirs = leaveRunning(other);
      const stopped = new Promise((resolve) => ours.once("exit", resolve));
      const result = await run(["npm", "run", "-s", "sim:down"], { STACKWAVE_CACHE: cache });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`${mine} removed`);
      await stopped;
      expect(existsSync(mine)).toBe(false);
      expect(existsSync(join(other, "state.json"))).toBe(true);
      expect(theirs.exitCode).toBeNull();
      expect(() => process.kill(theirs.pid!, 0)).not.toThrow();
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
    expect(parseOptions(["--timeout", "1h"]).timeoutMs).toBe(3_600_000);
  });

  it("WHEN a value is malformed THEN the error names the flag and the expected form", () => {
    expect(() => parseOptions(["--timeout", "soon"])).toThrow(
      '--timeout expects a duration above zero with a unit, like 15m, 900s or 1h, got "soon"',
    );
    expect(() => parseOptions(["--timeout", "90"])).toThrow('got "90"');
    expect(() => parseOptions(["--timeout", "0m"])).toThrow('got "0m"');
    expect(() => parseOptions(["--cluster"])).toThrow("--cluster expects a cluster name, got nothing");
    expect(() => parseOptions(["--bogus"])).toThrow('unknown argument "--bogus"');
  });
});
