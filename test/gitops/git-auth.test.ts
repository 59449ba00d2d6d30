// The git server with basic auth turned on, as a private remote at a git host behaves: git without
// credentials is refused with 401 and a JSON body, git with them clones and pushes, /healthz stays open.
import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../apps/git-server/src/config.js";
import { startGitServer, type GitServer } from "../support/git-server.js";
import { suiteDir } from "../support/temp.js";

const user = "argocd";
const password = "p@ss:word/with#chars";

/** Runs git with no user configuration and no prompt; resolves with the exit code and stderr. */
function git(args: readonly string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      "git",
      ["-c", "user.name=t", "-c", "user.email=t@stackwave.invalid", "-c", "credential.helper=", ...args],
      { cwd, env: { PATH: process.env.PATH, HOME: cwd, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1" } },
      (error, _stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
    ),
  );
}
const basic = `Authorization: Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("GIVEN the git server with GIT_AUTH_USER and GIT_AUTH_PASSWORD set", () => {
  const folder = suiteDir("git-auth");
  let server: GitServer;
  let work: string;
  beforeAll(async () => {
    work = folder();
    server = await startGitServer({ env: { GIT_AUTH_USER: user, GIT_AUTH_PASSWORD: password, GIT_INIT_REPOS: "private" } });
  });
  afterAll(async () => {
    await server?.stop();
    if (server) await rm(server.dataDir, { recursive: true, force: true });
  });

  it("WHEN git clones without credentials THEN it is refused (401) and the answer says what is missing", async () => {
    const res = await fetch(`${server.url}/private.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    expect(await res.json()).toMatchObject({ error: "authentication required", field: "Authorization" });
    const clone = await git(["clone", `${server.url}/private.git`, "anon"], work);
    expect(clone.code).not.toBe(0);
    expect(clone.stderr).toMatch(/Authentication failed|could not read Username/);
  });

  it("WHEN the credentials are wrong THEN it is refused too", async () => {
    const wrong = `Basic ${Buffer.from(`${user}:nope`).toString("base64")}`;
    expect((await fetch(`${server.url}/api/repos`, { headers: { Authorization: wrong } })).status).toBe(401);
  });

  it("WHEN git pushes and clones with them THEN both work, and /healthz needs none", async () => {
    const src = join(work, "src");
    expect((await git(["init", "--quiet", "--initial-branch=main", src], work)).code).toBe(0);
    expect((await git(["commit", "--quiet", "--allow-empty", "-m", "first"], src)).code).toBe(0);
    const push = await git(["-c", `http.extraHeader=${basic}`, "push", `${server.url}/private.git`, "HEAD:refs/heads/main"], src);
    expect(push.code, push.stderr).toBe(0);
    const clone = await git(["-c", `http.extraHeader=${basic}`, "clone", `${server.url}/private.git`, "copy"], work);
    expect(clone.code, clone.stderr).toBe(0);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("GIVEN half of the credentials", () => {
  it("WHEN the server reads its config THEN the missing variable is named, and the password never echoed", () => {
    expect(() => loadConfig({ GIT_AUTH_PASSWORD: "secret-value" })).toThrow(
      new ConfigError("GIT_AUTH_USER: missing, expected a user name when GIT_AUTH_PASSWORD is set"),
    );
    expect(() => loadConfig({ GIT_AUTH_USER: "u" })).toThrow(/^GIT_AUTH_PASSWORD: missing/);
    expect(() => loadConfig({ GIT_AUTH_USER: "a:b", GIT_AUTH_PASSWORD: "x" })).toThrow(/^GIT_AUTH_USER must not contain ":"/);
    expect(loadConfig({}).auth).toBeUndefined();
  });
});
