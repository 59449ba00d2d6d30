// A missing or invalid variable stops the service with exit code 1 and one line naming the variable.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

interface Outcome {
  readonly status: number | null;
  readonly stderr: string;
  readonly stdout: string;
}

/** Runs an app to completion (asynchronously: a blocking spawnSync starves vitest's worker RPC). */
function run(app: "backend" | "frontend", env: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join("apps", app, "src", "main.ts")], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 45_000);
    child.once("error", reject);
    child.once("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stderr, stdout });
    });
  });
}

describe("GIVEN the services started with a bad environment", () => {
  it.each([
    ["backend", {}, "GUESTBOOK_DB_ADDR"],
    ["backend", { GUESTBOOK_DB_ADDR: "localhost" }, "GUESTBOOK_DB_ADDR"],
    ["backend", { GUESTBOOK_DB_ADDR: "db:99999" }, "GUESTBOOK_DB_ADDR"],
    ["backend", { GUESTBOOK_DB_ADDR: "db:27017", PORT: "eighty" }, "PORT"],
    ["backend", { MONGODB_URI: "postgres://user:secret@db" }, "MONGODB_URI"],
    ["backend", { GUESTBOOK_DB_ADDR: "db:27017", METRICS_ENABLED: "yes" }, "METRICS_ENABLED"],
    ["backend", { GUESTBOOK_DB_ADDR: "db:27017", GUESTBOOK_DB_RECONNECT_MS: "500" }, "GUESTBOOK_DB_RECONNECT_MS"],
    ["frontend", {}, "GUESTBOOK_API_ADDR"],
    ["frontend", { GUESTBOOK_API_ADDR: "http://backend:8080" }, "GUESTBOOK_API_ADDR"],
    ["frontend", { GUESTBOOK_API_ADDR: "backend:8080", PORT: "70000" }, "PORT"],
  ] as const)("WHEN the %s gets %j THEN it exits 1 with one line naming %s", async (app, env, name) => {
    const result = await run(app, env);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${name}: `));
    expect(result.stderr).not.toContain("secret");
    expect(result.stdout).toBe("");
  });
});
