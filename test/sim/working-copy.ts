// Git working copies for simulated-cluster tests, committing with a fixed identity, isolated from the
// user's git configuration: an empty one for small fixtures, or a snapshot of this checkout.
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { repoRoot } from "../../generators/paths.js";
import { run } from "../../tools/cache/command.js";

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

/** A git checkout of this repository's current files, for pushing to the simulated cluster. */
export interface Checkout {
  readonly dir: string;
  /** Rewrites one file (path relative to the checkout). */
  edit(file: string, change: (text: string) => string): void;
  /** Runs the generators in the checkout, as the pre-commit hook would. */
  generate(): Promise<void>;
  /** Stages everything and commits; resolves with the sha. */
  commit(message: string): Promise<string>;
}

/**
 * A one-commit copy of this checkout: every file git would commit, as it is on disk (so uncommitted work is
 * tested too, and a shallow CI clone still pushes), with node_modules linked so the generators run in it.
 */
export async function snapshot(dir: string): Promise<Checkout> {
  const env = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const git = (cwd: string, args: readonly string[]) =>
    run(["git", "-c", "user.name=stackwave-test", "-c", "user.email=test@stackwave.invalid", ...args], { cwd, env });
  const listed = await git(repoRoot, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
  mkdirSync(dir, { recursive: true });
  for (const file of listed.split("\0").filter(Boolean)) {
    const from = join(repoRoot, file);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(from, join(dir, file));
  }
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  await git(dir, ["init", "--quiet", "--initial-branch=main"]);
  // ".gitignore" names node_modules/ with a slash, which a symlink does not match.
  writeFileSync(join(dir, ".git", "info", "exclude"), "/node_modules\n");
  const commit = async (message: string) => {
    await git(dir, ["add", "--all"]);
    await git(dir, ["commit", "--quiet", "--no-verify", "-m", message]);
    return (await git(dir, ["rev-parse", "HEAD"])).trim();
  };
  await commit("snapshot of the stackwave checkout under test");
  return {
    dir,
    edit(file, change) {
      const path = join(dir, file);
      const before = readFileSync(path, "utf8");
      const after = change(before);
      if (after === before) throw new Error(`snapshot: the edit left ${file} unchanged`);
      writeFileSync(path, after);
    },
    async generate() {
      await run([process.execPath, "--import", "tsx", "generators/main.ts"], { cwd: dir, env: process.env });
    },
    commit,
  };
}
