// Runs the project's own git server (apps/git-server) on loopback for simulated-cluster tests.
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../tools/sim/ports.js";
import { get, waitFor } from "../../tools/sim/probe.js";
import { run } from "../../tools/sim/run.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface GitServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Clone URL of a repository the server created at start. */
  repoUrl(name: string): string;
  stop(): Promise<void>;
}

export interface GitServerOptions {
  readonly dataDir: string;
  readonly repos: readonly string[];
  /** Argo CD's /api/webhook; pushes are announced there, signed with `webhookSecret`. */
  readonly webhookUrl?: string;
  readonly webhookSecret?: string;
}

export async function startGitServer(options: GitServerOptions): Promise<GitServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", join(root, "apps", "git-server", "src", "main.ts")], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: options.dataDir,
      PORT: String(port),
      GIT_SERVER_ADDR: "127.0.0.1",
      GIT_DATA_DIR: options.dataDir,
      GIT_INIT_REPOS: options.repos.join(","),
      GIT_PUBLIC_URL: url,
      ...(options.webhookUrl ? { WEBHOOK_URL: options.webhookUrl } : {}),
      ...(options.webhookSecret ? { WEBHOOK_SECRET: options.webhookSecret } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (c: Buffer) => (output = (output + c.toString()).slice(-8_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitFor(undefined, "git-server", async () => {
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output}`);
      return get(`${url}/healthz`);
    }, 60_000);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    url,
    repoUrl: (name) => `${url}/${name}.git`,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A working copy that commits and pushes with a fixed identity, isolated from the user's git config. */
export function workingCopy(dir: string, remote: string) {
  const env = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const git = (args: readonly string[]) =>
    run(["git", "-c", "user.name=stackwave-test", "-c", "user.email=test@stackwave.invalid", ...args], { cwd: dir, env });
  return {
    dir,
    async init(branch = "main") {
      await git(["init", "--quiet", `--initial-branch=${branch}`]);
      await git(["remote", "add", "origin", remote]);
    },
    /** Stages everything, commits and pushes; resolves with the new commit sha. */
    async push(message: string, branch = "main") {
      await git(["add", "--all"]);
      await git(["commit", "--quiet", "-m", message]);
      await git(["push", "--quiet", "origin", `HEAD:refs/heads/${branch}`]);
      return (await git(["rev-parse", "HEAD"])).trim();
    },
  };
}
