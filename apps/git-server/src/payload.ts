// Builds a GitHub-format push event for one updated ref. Argo CD reads ref, before, after,
// repository.html_url, repository.default_branch and the paths in commits[] (util/webhook/webhook.go).
import { execFile } from "node:child_process";
import { git, childEnv } from "./git.js";

/** One line of post-receive input. */
export interface RefUpdate {
  readonly before: string;
  readonly after: string;
  readonly ref: string;
}

export interface PushCommit {
  readonly id: string;
  readonly tree_id: string;
  readonly distinct: boolean;
  readonly message: string;
  readonly timestamp: string;
  readonly url: string;
  readonly author: { readonly name: string; readonly email: string };
  readonly committer: { readonly name: string; readonly email: string };
  readonly added: string[];
  readonly removed: string[];
  readonly modified: string[];
}

export interface PushEvent {
  readonly ref: string;
  readonly before: string;
  readonly after: string;
  readonly created: boolean;
  readonly deleted: boolean;
  readonly forced: boolean;
  readonly base_ref: null;
  readonly compare: string;
  readonly commits: PushCommit[];
  readonly head_commit: PushCommit | null;
  readonly repository: {
    readonly name: string;
    readonly full_name: string;
    readonly html_url: string;
    readonly url: string;
    readonly clone_url: string;
    readonly default_branch: string;
    readonly master_branch: string;
    readonly private: boolean;
    readonly owner: { readonly login: string; readonly name: string };
    /** Unix seconds, as GitHub sends it in push events. */
    readonly pushed_at: number;
  };
  readonly pusher: { readonly name: string; readonly email: string };
  readonly sender: { readonly login: string };
}

export interface PushContext {
  /** Repository name without .git. */
  readonly name: string;
  /** The bare repository folder. */
  readonly dir: string;
  /** GIT_PUBLIC_URL without a trailing slash. */
  readonly publicUrl: string;
  /** The branch HEAD points at. */
  readonly defaultBranch: string;
  /** Who pushed, as far as HTTP tells (no auth: the client address). */
  readonly remoteAddr: string;
}

/** GitHub caps commits[] at 2048 per push event; so do we. */
export const maxCommits = 2048;

const zero = /^0+$/;

/** Parses post-receive stdin: "<old> <new> <ref>" per line. */
export function parseUpdates(text: string): RefUpdate[] {
  return text
    .split("\n")
    .map((line) => line.trim().split(" "))
    .filter((parts): parts is [string, string, string] => parts.length === 3)
    .map(([before, after, ref]) => ({ before, after, ref }));
}

/** Lists the files a commit changed against its first parent (all files for a root commit). */
function changedPaths(dir: string, id: string, parent: string | undefined): Promise<Pick<PushCommit, "added" | "removed" | "modified">> {
  const args = ["diff-tree", "-r", "-z", "--no-commit-id", "--name-status", "--no-renames"];
  args.push(...(parent ? [parent, id] : ["--root", id]));
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd: dir, env: childEnv(), maxBuffer: 64 * 2 ** 20 }, (error, stdout) => {
      if (error) return reject(error);
      const fields = stdout.split("\0").filter((field) => field !== "");
      const result = { added: [] as string[], removed: [] as string[], modified: [] as string[] };
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const status = fields[i]![0];
        const path = fields[i + 1]!;
        if (status === "A") result.added.push(path);
        else if (status === "D") result.removed.push(path);
        else result.modified.push(path);
      }
      resolve(result);
    });
  });
}

const sep = "\x1f";
const end = "\x1e";

/** Reads id, tree, parents, author, committer, date and message of the given commits, in the given order. */
async function describe(dir: string, ids: readonly string[], htmlUrl: string): Promise<PushCommit[]> {
  if (ids.length === 0) return [];
  const format = ["%H", "%T", "%P", "%an", "%ae", "%cn", "%ce", "%aI", "%B"].join("%x1f") + "%x1e";
  const out = await git(["log", "--no-walk=unsorted", `--format=${format}`, ...ids], dir);
  const records = out
    .split(end)
    .map((record) => record.replace(/^\n/, ""))
    .filter((record) => record.includes(sep));
  const commits: PushCommit[] = [];
  for (const record of records) {
    const [id = "", tree = "", parents = "", an = "", ae = "", cn = "", ce = "", date = "", ...message] = record.split(sep);
    const paths = await changedPaths(dir, id, parents.split(" ").filter(Boolean)[0]);
    commits.push({
      id,
      tree_id: tree,
      distinct: true,
      message: message.join(sep).replace(/\n+$/, ""),
      timestamp: date,
      url: `${htmlUrl}/commit/${id}`,
      author: { name: an, email: ae },
      committer: { name: cn, email: ce },
      ...paths,
    });
  }
  return commits;
}

/** The commits this update brought to the ref, oldest first (only for branches, as GitHub does). */
async function newCommits(dir: string, update: RefUpdate): Promise<string[]> {
  if (!update.ref.startsWith("refs/heads/") || zero.test(update.after)) return [];
  // A new branch lists only the commits no other branch already had (HEAD and tags do not count, as on GitHub).
  const branch = update.ref.slice("refs/heads/".length);
  const range = zero.test(update.before)
    ? [update.after, "--not", `--exclude=${branch}`, "--branches"]
    : [`${update.before}..${update.after}`];
  const out = await git(["rev-list", "--reverse", "--topo-order", ...range], dir);
  const ids = out.split("\n").filter(Boolean);
  return ids.slice(-maxCommits);
}

/** Assembles the push event for one ref update. */
export async function pushEvent(ctx: PushContext, update: RefUpdate, pushedAt = new Date()): Promise<PushEvent> {
  const htmlUrl = `${ctx.publicUrl}/${ctx.name}`;
  const deleted = zero.test(update.after);
  const commits = await describe(ctx.dir, await newCommits(ctx.dir, update), htmlUrl);
  let head: PushCommit | null = commits.at(-1) ?? null;
  if (!deleted && head?.id !== update.after) {
    const peeled = (await git(["rev-parse", `${update.after}^{commit}`], ctx.dir)).trim();
    head = (await describe(ctx.dir, [peeled], htmlUrl))[0] ?? null;
  }
  return {
    ref: update.ref,
    before: update.before,
    after: update.after,
    created: zero.test(update.before),
    deleted,
    forced: false,
    base_ref: null,
    compare: `${htmlUrl}/compare/${update.before.slice(0, 12)}...${update.after.slice(0, 12)}`,
    commits,
    head_commit: head,
    repository: {
      name: ctx.name,
      full_name: ctx.name,
      // Argo CD matches host and path of html_url against repoURL; scheme, port and .git are optional there.
      html_url: htmlUrl,
      url: htmlUrl,
      clone_url: `${htmlUrl}.git`,
      default_branch: ctx.defaultBranch,
      master_branch: ctx.defaultBranch,
      private: false,
      owner: { login: "stackwave", name: "stackwave" },
      pushed_at: Math.floor(pushedAt.getTime() / 1000),
    },
    pusher: { name: "anonymous", email: `anonymous@http.${ctx.remoteAddr}` },
    sender: { login: "anonymous" },
  };
}
