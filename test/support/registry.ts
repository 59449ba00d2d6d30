// Runs the real registry (distribution v2.8.3, built into the tool cache) on a leased loopback port, with its
// storage in a temp folder, for tests that push and pull images.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { leasePort } from "../../tools/sim/ports.js";
import { registryAnswers } from "../../tools/mirror/registry.js";

export interface Registry {
  /** 127.0.0.1:<port>, as Docker and the registry API are given it. */
  readonly host: string;
  /** Lines the registry logged so far (its access log among them). */
  readonly log: () => string;
  /** Stops it and removes its storage. */
  stop(): Promise<void>;
}

export async function startRegistry(binary: string): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "stackwave-registry-"));
  const lease = await leasePort();
  const host = `127.0.0.1:${lease.port}`;
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: info",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "data")}`,
      "http:",
      `  addr: ${host}`,
      "",
    ].join("\n"),
  );
  lease.release();
  const child = spawn(binary, ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (output += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (output += c));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  // Until /v2/ answers, or the process is gone.
  for (let gone = false; !(await registryAnswers(host, 1_000));) {
    if (child.exitCode !== null || gone) {
      await stop();
      throw new Error(`registry on ${host} exited before answering:\n${output.slice(-2_000)}`);
    }
    gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 100))]);
  }
  return { host, log: () => output, stop };
}
