// The dependency edges of the guestbook as real processes on loopback, for the convergence matrix
// (test/apps/convergence.test.ts) and its benchmark (test/bench/convergence.ts). In each edge the dependent
// starts pointing at a port where nothing listens yet; the dependency comes up on that port later.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { leasePort } from "../../tools/sim/ports.js";
import { startFerretDb, type FerretDb } from "../support/ferretdb.js";
import { startGitServer, type GitServer } from "../support/git-server.js";
import { startService, type Service } from "../support/services.js";
import { ready, stored, until } from "./fixture.js";

/** The backend's pause between first-connect attempts in these runs (its default is 2000 ms). */
export const retryMs = "250";

/** How the dependents retry: "short" (retryMs, for tests) or "shipped" (the apps' own defaults). */
export type Retry = "short" | "shipped";

/** The process whose convergence is watched. */
export interface Dependent {
  /** True once it works end to end (its readiness, or for the git server a delivered event). */
  isReady(): Promise<boolean>;
  /** Liveness: true while it would not be restarted (answers /healthz). */
  isLive(): Promise<boolean>;
  /** The pid now, to prove nothing restarted it. */
  pid(): number | undefined;
  /** Something only a working edge can do, checked once it is ready (a write, a page, a delivery). */
  works(): Promise<boolean>;
}

/** What it depends on, on a fixed port. */
export interface Dependency {
  /** Starts (or restarts) it; resolves once it accepts connections. */
  up(): Promise<void>;
  /** Stops it; resolves once it is gone. */
  down(): Promise<void>;
}

/** One edge, with everything it started, to be disposed of whatever happens. */
export interface Edge {
  readonly dependent: Dependent;
  readonly dependency: Dependency;
  /** Called after the dependency went down and before it comes back (the git edge pushes then). */
  whileAway(): Promise<void>;
  dispose(): Promise<void>;
}

export type EdgeName = "backend → database" | "frontend → backend" | "git server → webhook";
export const edgeNames: readonly EdgeName[] = ["backend → database", "frontend → backend", "git server → webhook"];

async function ok(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The backend pointing at a FerretDB that is not running yet. */
async function backendEdge(retry: Retry): Promise<Edge> {
  const db = await startFerretDb();
  let backend: Service | undefined;
  try {
    await db.stop();
    const env: Record<string, string> = retry === "short" ? { GUESTBOOK_DB_RETRY_MS: retryMs } : {};
    backend = await startService({ app: "backend", env: { GUESTBOOK_DB_ADDR: db.addr, ...env } });
  } catch (error) {
    await db.dispose();
    throw error;
  }
  const service = backend;
  return {
    dependent: serviceDependent(service, () => stored(service.url, { author: "edge", message: "converged" })),
    dependency: { up: () => db.restart(), down: () => db.stop() },
    whileAway: async () => {},
    dispose: async () => {
      await service.kill();
      await db.dispose();
    },
  };
}

function serviceDependent(service: Service, works: () => Promise<boolean>): Dependent {
  return {
    isReady: () => ready(service.url),
    isLive: () => ok(`${service.url}/healthz`),
    pid: () => service.child.pid,
    works,
  };
}

/** The frontend pointing at a backend (on a running FerretDB) that is not running yet. */
async function frontendEdge(): Promise<Edge> {
  const db: FerretDb = await startFerretDb();
  const { port } = await leasePort(); // held until this test process exits
  let backend: Service | undefined;
  let frontend: Service | undefined;
  try {
    frontend = await startService({ app: "frontend", env: { GUESTBOOK_API_ADDR: `127.0.0.1:${port}` } });
  } catch (error) {
    await db.dispose();
    throw error;
  }
  const page = frontend;
  return {
    dependent: serviceDependent(page, async () => ok(`${page.url}/`)),
    dependency: {
      // The backend is "up" once it is ready itself, as a Kubernetes Service only routes to ready pods.
      up: async () => {
        if (backend) await backend.restart();
        else backend = await startService({ app: "backend", port, env: { GUESTBOOK_DB_ADDR: db.addr, GUESTBOOK_DB_RETRY_MS: retryMs } });
        const url = backend.url;
        await until("the backend is ready", () => ready(url), 60_000);
      },
      down: async () => {
        await backend?.stop();
      },
    },
    whileAway: async () => {},
    dispose: async () => {
      await page.kill();
      await backend?.kill();
      await db.dispose();
    },
  };
}

function git(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      ["-c", "user.name=edge", "-c", "user.email=edge@example.invalid", "-c", "init.defaultBranch=main", ...args],
      { cwd, env: { PATH: process.env.PATH ?? "", HOME: cwd, GIT_TERMINAL_PROMPT: "0" } },
      (error, stdout, stderr) => (error ? reject(new Error(`git ${args.join(" ")}: ${stderr}`)) : resolve(stdout.trim())),
    );
  });
}

/** The git server with its webhook pointing at a receiver (standing in for Argo CD) that is not up yet. */
async function gitEdge(retry: Retry): Promise<Edge> {
  const scratch = await mkdtemp(join(tmpdir(), "stackwave-edge-git-"));
  const { port } = await leasePort(); // held until this test process exits
  const delivered: string[] = [];
  let receiver: Server | undefined;
  let server: GitServer;
  const work = join(scratch, "work");
  let pushed = "";
  try {
    server = await startGitServer({
      dataDir: join(scratch, "data"),
      env: {
        WEBHOOK_URL: `http://127.0.0.1:${port}/api/webhook`,
        GIT_INIT_REPOS: "edge",
        // The shipped defaults (500 ms doubling to 5 s) would make the 20 s case wait up to 5 s more.
        ...(retry === "short" ? { WEBHOOK_BACKOFF_MS: "100", WEBHOOK_MAX_BACKOFF_MS: retryMs } : {}),
      },
    });
    await git(["clone", "--quiet", `${server.url}/edge.git`, work], scratch);
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
  let commits = 0;
  const push = async (): Promise<void> => {
    await writeFile(join(work, "file.txt"), `commit ${++commits}\n`);
    await git(["add", "-A"], work);
    await git(["commit", "--quiet", "-m", `commit ${commits}`], work);
    pushed = await git(["rev-parse", "HEAD"], work);
    await git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], work);
  };
  await push();
  return {
    dependent: {
      isReady: async () => delivered.includes(pushed),
      isLive: () => ok(`${server.url}/healthz`),
      pid: () => undefined,
      works: async () => delivered.at(-1) === pushed,
    },
    dependency: {
      up: async () => {
        receiver = createServer((req, res) => {
          let body = "";
          req.setEncoding("utf8");
          req.on("data", (chunk: string) => (body += chunk));
          req.on("end", () => {
            delivered.push(String((JSON.parse(body) as { after?: unknown }).after));
            res.end();
          });
        });
        await new Promise<void>((resolve) => receiver!.listen(port, "127.0.0.1", resolve));
      },
      down: async () => {
        const closing = receiver;
        receiver = undefined;
        if (!closing) return;
        closing.closeAllConnections();
        await new Promise((resolve) => closing.close(resolve));
      },
    },
    whileAway: push,
    dispose: async () => {
      await server.stop();
      receiver?.closeAllConnections();
      if (receiver) await new Promise((resolve) => receiver!.close(resolve));
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

export function startEdge(name: EdgeName, retry: Retry = "short"): Promise<Edge> {
  switch (name) {
    case "backend → database":
      return backendEdge(retry);
    case "frontend → backend":
      return frontendEdge();
    case "git server → webhook":
      return gitEdge(retry);
  }
}
