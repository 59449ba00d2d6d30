// Runs git as a child process. Children get a minimal environment so server secrets never reach git or its hooks.
import { execFile } from "node:child_process";

/** PATH, HOME and locale only: the webhook secret stays in this process. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "LANG", "LC_ALL", "TZ"]) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, GIT_TERMINAL_PROMPT: "0", ...extra };
}

/** Runs `git <args>` and resolves with its stdout; rejects with stderr in the message. */
export function git(args: readonly string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd, env: childEnv(), maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(" ")} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}
