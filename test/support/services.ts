// Runs the guestbook backend and frontend as real child processes on loopback, for tests and benches.
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stopChild } from "./ferretdb.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Which app, and the environment it gets on top of a minimal one (PATH, HOME). */
export interface ServiceOptions {
  readonly app: "backend" | "frontend";
  /** App variables, e.g. GUESTBOOK_DB_ADDR / GUESTBOOK_API_ADDR, METRICS_ENABLED, DEBUG_SLOW_ROUTE. */
  readonly env: Readonly<Record<string, string>>;
  /** Port to listen on; default 0, the app picks a free one and logs it (restarts keep it). */
  readonly port?: number;
}

/** A running service. */
export interface Service {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** The current process (replaced by restart()). */
  readonly child: ChildProcess;
  /** Every JSON log line printed so far (the last 5,000), parsed. */
  readonly logs: ReadonlyArray<Record<string, unknown>>;
  /** How many requests the service has logged since it started (not capped like `logs`). */
  readonly requestsLogged: number;
  /** SIGTERM; resolves with the exit code once the process has exited (SIGKILL after 15 s). */
  stop(): Promise<number | null>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** Stops it (SIGTERM) and starts a new process on the same port. */
  restart(): Promise<void>;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const logs: Array<Record<string, unknown>> = [];
  let requestsLogged = 0;
  let child!: ChildProcess;
  let port = options.port ?? 0;
  let stderr = "";

  const launch = async (): Promise<void> => {
    stderr = "";
    // One node process (not the tsx wrapper), so signals reach the app itself.
    const proc = spawn(process.execPath, ["--import", "tsx", join(root, "apps", options.app, "src", "main.ts")], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let buffered = "";
    const listening = new Promise<number>((resolve, reject) => {
      proc.stdout!.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) {
          try {
            const entry = JSON.parse(line) as Record<string, unknown>;
            logs.push(entry);
            if (entry.msg === "request") requestsLogged++;
            if (logs.length > 5_000) logs.shift();
            if (entry.msg === "listening") resolve(Number(entry.port));
          } catch {
            // not a log line (should not happen); ignore rather than fail the service
          }
        }
      });
      proc.stderr!.on("data", (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4_000);
      });
      proc.once("exit", (code) => reject(new Error(`${options.app} exited with ${code} before listening: ${stderr}`)));
    });
    const timeout = setTimeout(() => proc.kill("SIGKILL"), 60_000);
    try {
      port = await listening;
    } finally {
      clearTimeout(timeout);
    }
    const url = `http://127.0.0.1:${port}`;
    while (!(await healthy(url))) {
      if (proc.exitCode !== null) throw new Error(`${options.app} exited with ${proc.exitCode}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  await launch();
  const service: Service = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get child() {
      return child;
    },
    logs,
    get requestsLogged() {
      return requestsLogged;
    },
    stop: async () => {
      const proc = child;
      await stopChild(proc, "SIGTERM", 15_000);
      return proc.exitCode;
    },
    kill: () => stopChild(child, "SIGKILL"),
    restart: async () => {
      await stopChild(child, "SIGTERM", 15_000);
      await launch();
    },
  };
  return service;
}
