// A git working copy for simulated-cluster tests: commits and pushes with a fixed identity, isolated
// from the user's git configuration.
import { run } from "../../tools/sim/run.js";

export interface WorkingCopy {
  readonly dir: string;
  init(branch?: string): Promise<void>;
  /** Stages everything, commits and pushes; resolves with the new commit sha. */
  push(message: string, branch?: string): Promise<string>;
}

export function workingCopy(dir: string, remote: string): WorkingCopy {
  const env = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const git = (args: readonly string[]) =>
    run(["git", "-c", "user.name=stackwave-test", "-c", "user.email=test@stackwave.invalid", ...args], { cwd: dir, env });
  return {
    dir,
    async init(branch = "main") {
      await git(["init", "--quiet", `--initial-branch=${branch}`]);
      await git(["remote", "add", "origin", remote]);
    },
    async push(message: string, branch = "main") {
      await git(["add", "--all"]);
      await git(["commit", "--quiet", "-m", message]);
      await git(["push", "--quiet", "origin", `HEAD:refs/heads/${branch}`]);
      return (await git(["rev-parse", "HEAD"])).trim();
    },
  };
}
