// One folder pushed to a repository of the local git server as a single commit with a fixed author,
// committer and date, so the same content always makes the same commit and a rerun changes nothing. The
// chart mirror and the CRD mirror are both such snapshots.
import { execFile } from "node:child_process";

function git(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("git", [...args], { cwd, env, encoding: "utf8" }, (error, stdout, stderr) =>
      error ? reject(new Error(`git ${args.join(" ")}: ${stderr.trim() || error.message}`)) : resolve(stdout),
    ),
  );
}

export interface Snapshot {
  /** The git server's repository API (POST {name}), e.g. http://127.0.0.1:8070/api/repos. */
  readonly reposAPI: string;
  /** Repository name on the git server. */
  readonly repo: string;
  /** The repository as this machine reaches it, e.g. http://127.0.0.1:8070/argo-cd-chart.git. */
  readonly pushURL: string;
  readonly message: string;
  /** A tag to put on the commit and push beside main. */
  readonly tag?: string;
}

/** Creates the repository if needed, commits everything in `dir` on main and force-pushes it; resolves with the commit. */
export async function pushSnapshot(dir: string, s: Snapshot): Promise<string> {
  const created = await fetch(s.reposAPI, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: s.repo }),
    signal: AbortSignal.timeout(10_000),
  });
  if (created.status !== 201 && created.status !== 409)
    throw new Error(`POST ${s.reposAPI} {"name":"${s.repo}"}: expected 201 or 409, got ${created.status} ${await created.text()}`);
  const when = "2000-01-01T00:00:00Z";
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "stackwave bootstrap",
    GIT_AUTHOR_EMAIL: "bootstrap@stackwave.invalid",
    GIT_COMMITTER_NAME: "stackwave bootstrap",
    GIT_COMMITTER_EMAIL: "bootstrap@stackwave.invalid",
    GIT_AUTHOR_DATE: when,
    GIT_COMMITTER_DATE: when,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
  };
  await git(dir, ["init", "--quiet", "--initial-branch=main"], env);
  await git(dir, ["add", "--all"], env);
  await git(dir, ["commit", "--quiet", "--no-verify", "-m", s.message], env);
  if (s.tag) await git(dir, ["tag", s.tag], env);
  // Force: the pin decides what the mirror holds, not its history.
  const refs = ["HEAD:refs/heads/main", ...(s.tag ? [`refs/tags/${s.tag}:refs/tags/${s.tag}`] : [])];
  await git(dir, ["push", "--quiet", "--force", s.pushURL, ...refs], env);
  return (await git(dir, ["rev-parse", "HEAD"], env)).trim();
}
