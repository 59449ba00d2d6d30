// Runs a real FerretDB (MongoDB wire protocol over SQLite) on a free loopback port for tests.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { leasePort } from "../../tools/sim/ports.js";
import { requireTool } from "./tools.js";

/** The FerretDB binary, or undefined outside CI when it is missing (callers skip). */
export const ferretdbBin = requireTool(
  "ferretdb",
  "build FerretDB v1.24.2 into $STACKWAVE_CACHE/bin (see generators/versions.ts goTools.ferretdb)",
);

/** A running FerretDB that can be stopped and restarted on the same port (for outage tests). */
export interface FerretDb {
  /** host:port, the form GUESTBOOK_DB_ADDR takes. */
  readonly addr: string;
  readonly port: number;
  /** mongodb://host:port/ */
  readonly uri: string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. Data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops it and removes its data directory. */
  dispose(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Waits for a child to exit, escalating to SIGKILL after `graceMs`. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** Extra FerretDB flags, e.g. authentication: --test-enable-new-auth --setup-username=... */
export interface FerretDbOptions {
  readonly args?: readonly string[];
}

export async function startFerretDb(bin: string | undefined = ferretdbBin, options: FerretDbOptions = {}): Promise<FerretDb> {
  if (!bin) throw new Error("ferretdb is not installed (see ferretdbBin)");
  const dir = mkdtempSync(join(tmpdir(), "stackwave-ferretdb-"));
  // Leased for the server's whole life: restart() binds the same port again.
  const lease = await leasePort();
  const port = lease.port;
  let child: ChildProcess | undefined;
  let output = "";

  const launch = async (): Promise<void> => {
    const proc = spawn(
      bin,
      [
        "--handler=sqlite",
        `--sqlite-url=file:${dir}/`,
        `--listen-addr=127.0.0.1:${port}`,
        "--debug-addr=-",
        "--telemetry=disable",
        "--log-level=warn",
        `--state-dir=${dir}`,
        ...(options.args ?? []),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    const deadline = Date.now() + 30_000;
    while (!(await accepts(port))) {
      if (proc.exitCode !== null) throw new Error(`ferretdb exited with ${proc.exitCode}: ${output}`);
      if (Date.now() > deadline) throw new Error(`ferretdb did not listen on ${port} within 30 s: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const stop = async (): Promise<void> => {
    if (child) await stopChild(child);
    child = undefined;
  };

  try {
    await launch();
  } catch (error) {
    await stop();
    lease.release();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    addr: `127.0.0.1:${port}`,
    port,
    uri: `mongodb://127.0.0.1:${port}/`,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    dispose: async () => {
      await stop();
      lease.release();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
