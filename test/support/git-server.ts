// Starts the stackwave git server (apps/git-server) as a real child process on a free loopback port, for any test
// that needs a git remote. The server picks its own port (PORT=0) and reports it in its "listening" log line.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const main = join(root, "apps", "git-server", "src", "main.ts");

/** One parsed JSON log line of the server. */
export interface LogLine {
  readonly time: string;
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface GitServerOptions {
  /** Data folder; reuse one to restart a server over the same repositories. Default: a fresh temp folder (yours to remove). */
  readonly dataDir?: string;
  /** Port; default 0 (a free one). */
  readonly port?: number;
  /** Extra environment, e.g. WEBHOOK_URL, WEBHOOK_SECRET, GIT_PUBLIC_URL, GIT_MAX_BODY_BYTES, GIT_INIT_REPOS. */
  readonly env?: Record<string, string>;
  /** How long to wait for the "listening" line. Default 60 s (tsx compiles on first start; CI machines are slow). */
  readonly startTimeoutMs?: number;
}

export interface GitServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Every log line so far, in order. */
  readonly logs: readonly LogLine[];
  /** Resolves with the first log line (past or future) that matches; rejects after `timeoutMs` (default 30 s). */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Creates a bare repository through the server's API. */
  createRepo(name: string): Promise<void>;
  /** SIGTERM and wait for a clean exit (SIGKILL after 20 s). */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would, and wait for the process to be gone. */
  kill(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "stackwave-git-")));
  const child = spawn(process.execPath, ["--import", "tsx", main], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? tmpdir(),
      GIT_SERVER_ADDR: "127.0.0.1",
      PORT: String(options.port ?? 0),
      GIT_DATA_DIR: dataDir,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  let stderr = "";
  let pending = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const text of lines) {
      if (!text.trim()) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { time: new Date().toISOString(), level: "raw", msg: text };
      }
      logs.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (line: LogLine) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(
            `git server: no matching log line within ${timeoutMs} ms; last lines:\n${logs
              .slice(-10)
              .map((l) => JSON.stringify(l))
              .join("\n")}\n${stderr}`,
          ),
        );
      }, timeoutMs);
      waiters.add(waiter);
    });
  };

  const listening = await Promise.race([
    waitForLog((line) => line.msg === "listening", options.startTimeoutMs ?? 60_000),
    exited(child).then(() => {
      throw new Error(
        `git server exited before listening (code ${child.exitCode}):\n${logs.map((l) => JSON.stringify(l)).join("\n")}\n${stderr}`,
      );
    }),
  ]);
  const port = listening.port as number;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    dataDir,
    logs,
    waitForLog,
    async createRepo(name: string) {
      const response = await fetch(`${url}/api/repos`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name }),
      });
      if (response.status !== 201) throw new Error(`POST /api/repos ${name}: ${response.status} ${await response.text()}`);
    },
    async stop() {
      const gone = exited(child);
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await gone;
      clearTimeout(timer);
    },
    async kill() {
      const gone = exited(child);
      child.kill("SIGKILL");
      await gone;
    },
  };
}
