// The local git server end to end: real git clients, real git http-backend, real HTTP on loopback, and a small
// local receiver standing in for Argo CD's /api/webhook (it checks what Argo CD's GitHub handler needs).
import { execFile } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PushEvent } from "../../apps/git-server/src/payload.js";
import { startGitServer, type GitServer } from "../support/git-server.js";
import { requireTool } from "../support/tools.js";

const gitBin = requireTool("git", "apt-get install git");
const backend = requireTool("git-http-backend", "apt-get install git (it ships /usr/lib/git-core/git-http-backend)");

let scratch = "";
let home = "";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs git with protocol v2, no prompts and an empty HOME so the machine's config cannot leak in. */
function git(args: readonly string[], cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      gitBin!,
      ["-c", "protocol.version=2", ...args],
      {
        cwd,
        env: { PATH: process.env.PATH, HOME: home, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1" },
        maxBuffer: 64 * 2 ** 20,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(args: readonly string[], cwd?: string): Promise<string> {
  const run = await git(args, cwd);
  if (run.code !== 0) throw new Error(`git ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return run.stdout.trim();
}

/** Clones into a fresh folder and sets an identity there. */
async function clone(url: string, label: string): Promise<string> {
  const dir = join(scratch, `${label}-${randomBytes(3).toString("hex")}`);
  await ok(["clone", "--quiet", url, dir]);
  await ok(["config", "user.name", "Stackwave Test"], dir);
  await ok(["config", "user.email", "test@stackwave.invalid"], dir);
  return dir;
}

async function commitFile(dir: string, path: string, content: string, message: string): Promise<string> {
  await mkdir(join(dir, path, ".."), { recursive: true });
  await writeFile(join(dir, path), content);
  await ok(["add", "-A"], dir);
  await ok(["commit", "--quiet", "-m", message], dir);
  return ok(["rev-parse", "HEAD"], dir);
}

/** A raw HTTP request whose path is sent byte for byte (fetch would normalise `..`). */
function raw(
  url: string,
  path: string,
  init: { method?: string; headers?: Record<string, string | number>; body?: Buffer; chunks?: Buffer[] } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: init.method ?? "GET", headers: init.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    if (init.chunks) {
      for (const chunk of init.chunks) req.write(chunk);
      req.end();
    } else req.end(init.body);
  });
}

interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A local webhook receiver: answers `failures` requests with 503, then 200. Records every request. */
async function receiver(
  failures = 0,
  port = 0,
): Promise<{ url: string; deliveries: Delivery[]; next(count: number): Promise<void>; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, body });
      res.statusCode = deliveries.length <= failures ? 503 : 200;
      res.end();
      for (const waiter of waiters.filter((w) => deliveries.length >= w.count)) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/api/webhook`,
    deliveries,
    next: (count) => (deliveries.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Argo CD's GetWebURLRegex (util/webhook/webhook.go), rebuilt to check html_url against an Application repoURL. */
function argoMatches(htmlUrl: string, repoUrl: string): boolean {
  const parsed = new URL(htmlUrl);
  const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const user = String.raw`[\w\.][\w\.-]{0,30}[\w\.\$-]?`;
  const pattern = `^((https?|ssh)://)?(${user}@)?((alt)?ssh\\.)?${quote(parsed.hostname)}(:\\d+)?[:/]${quote(parsed.pathname.slice(1))}(\\.git)?$`;
  return new RegExp(pattern, "i").test(repoUrl);
}

async function lsRemote(url: string): Promise<string> {
  return ok(["ls-remote", url]);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "stackwave-git-test-"));
  home = join(scratch, "home");
  await mkdir(home);
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe.skipIf(!gitBin || !backend)("GIVEN a git server with a repository created through its API", () => {
  let server: GitServer;

  beforeAll(async () => {
    server = await startGitServer({ dataDir: join(scratch, "data-basic") });
    await server.createRepo("guestbook");
    // main exists before any test, so none of them depends on another having pushed first.
    const seed = await clone(`${server.url}/guestbook.git`, "seed");
    await commitFile(seed, "README.md", "guestbook\n", "seed");
    await ok(["push", "--quiet", "origin", "HEAD:refs/heads/main"], seed);
  });
  afterAll(async () => server?.stop());

  it("WHEN a client clones, commits and pushes, and another clone fetches THEN the second clone has the pushed commit", async () => {
    const url = `${server.url}/guestbook.git`;
    const writer = await clone(url, "writer");
    const first = await commitFile(writer, "apps/guestbook/deployment.yaml", "replicas: 1\n", "first");
    await ok(["push", "--quiet", "origin", "HEAD:refs/heads/main"], writer);

    const reader = await clone(url, "reader");
    expect(await ok(["rev-parse", "HEAD"], reader)).toBe(first);

    const second = await commitFile(writer, "apps/guestbook/deployment.yaml", "replicas: 2\n", "second");
    await ok(["push", "--quiet", "origin", "main"], writer);
    await ok(["fetch", "--quiet", "origin"], reader);
    expect(await ok(["rev-parse", "origin/main"], reader)).toBe(second);

    // Both services went through this server over protocol v2 for fetches (not a file:// shortcut).
    const served = (endpoint: string) => (line: { msg: string; endpoint?: unknown; status?: unknown }) =>
      line.msg === "git request" && line.endpoint === endpoint && line.status === 200;
    await server.waitForLog(served("git-receive-pack"));
    expect(await server.waitForLog(served("git-upload-pack"))).toMatchObject({ protocol: "version=2" });
  });

  it("WHEN a clone with many local commits fetches THEN its gzip-compressed protocol v2 negotiation is served", async () => {
    const url = `${server.url}/guestbook.git`;
    const busy = await clone(url, "busy");
    // 80 local commits make the "have" list big enough (> 1 KiB) that git gzips the upload-pack request.
    const tip = await ok(["rev-parse", "HEAD"], busy);
    // Dated after everything else, so git's date-ordered walk offers these first and needs several rounds.
    const now = Math.floor(Date.now() / 1000);
    const stream =
      Array.from({ length: 80 }, (_, i) =>
        [
          `commit refs/heads/local`,
          `committer T <t@stackwave.invalid> ${now + i} +0000`,
          `data 8`,
          `local ${String(i).padStart(2, "0")}`,
          i === 0 ? `from ${tip}` : "",
        ]
          .filter(Boolean)
          .join("\n"),
      ).join("\n") + "\n";
    await new Promise<void>((resolve, reject) => {
      const child = execFile(gitBin!, ["fast-import", "--quiet"], { cwd: busy, env: { PATH: process.env.PATH, HOME: home } }, (error) =>
        error ? reject(error) : resolve(),
      );
      child.stdin!.end(stream);
    });
    await ok(["checkout", "--quiet", "local"], busy);

    const writer = await clone(url, "writer2");
    const fresh = await commitFile(writer, "fresh.yaml", "x: 1\n", "fresh");
    await ok(["push", "--quiet", "origin", "main"], writer);
    const since = server.logs.length;
    await ok(["fetch", "--quiet", "origin"], busy);
    expect(await ok(["rev-parse", "origin/main"], busy)).toBe(fresh);
    // The log line follows the reply, so wait for it rather than racing the server's stdout.
    const gzipped = await server.waitForLog(
      (line) => line.msg === "git request" && line.encoding === "gzip" && server.logs.indexOf(line) >= since,
    );
    expect(gzipped).toMatchObject({ endpoint: "git-upload-pack", status: 200, protocol: "version=2" });
  });

  it("WHEN the repository is listed and created again THEN it is listed once and the second create is a 409 JSON error", async () => {
    const list = (await (await fetch(`${server.url}/api/repos`)).json()) as { repos: { name: string; url: string }[] };
    expect(list.repos.map((repo) => repo.name)).toEqual(["guestbook"]);
    const again = await fetch(`${server.url}/api/repos`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "guestbook" }),
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: "repository already exists", field: "name" });
  });

  it("WHEN two clones push different commits at the same time THEN one wins, the other is rejected, and fsck passes", async () => {
    const url = `${server.url}/guestbook.git`;
    const a = await clone(url, "racer-a");
    const b = await clone(url, "racer-b");
    const commitA = await commitFile(a, "a.txt", "from a\n", "race a");
    const commitB = await commitFile(b, "b.txt", "from b\n", "race b");

    const [pushA, pushB] = await Promise.all([git(["push", "origin", "main"], a), git(["push", "origin", "main"], b)]);
    const winners = [pushA, pushB].filter((run) => run.code === 0);
    expect(winners).toHaveLength(1);
    const loser = pushA.code === 0 ? pushB : pushA;
    expect(loser.stderr).toMatch(/rejected|failed to (lock|update)|non-fast-forward|fetch first|incorrect old value/);

    const bare = join(server.dataDir, "guestbook.git");
    const head = await ok(["rev-parse", "refs/heads/main"], bare);
    expect(head).toBe(pushA.code === 0 ? commitA : commitB);
    await ok(["fsck", "--strict", "--no-progress"], bare);

    // Retrying without fetching is refused as a non-fast-forward, as git always does.
    const retry = await git(["push", "origin", "main"], pushA.code === 0 ? b : a);
    expect(retry.code).not.toBe(0);
    expect(retry.stderr).toMatch(/non-fast-forward|fetch first/);
    expect(await ok(["rev-parse", "refs/heads/main"], bare)).toBe(head);
  });

  it("WHEN a client force-pushes a rewritten history THEN the server refuses it and main is unchanged", async () => {
    const url = `${server.url}/guestbook.git`;
    const dir = await clone(url, "forcer");
    const before = await ok(["rev-parse", "HEAD"], dir);
    await ok(["commit", "--quiet", "--amend", "-m", "rewritten"], dir);
    const forced = await git(["push", "--force", "origin", "main"], dir);
    expect(forced.code).not.toBe(0);
    expect(forced.stderr).toMatch(/non-fast-forward|denying/);
    expect(await ok(["rev-parse", "refs/heads/main"], join(server.dataDir, "guestbook.git"))).toBe(before);
  });
});

describe.skipIf(!gitBin || !backend)("GIVEN a git server whose data folder holds branches and tags", () => {
  const dataDir = () => join(scratch, "data-restart");
  let server: GitServer;
  let refs = "";

  beforeAll(async () => {
    server = await startGitServer({ dataDir: dataDir() });
    await server.createRepo("platform");
    const dir = await clone(`${server.url}/platform.git`, "restart");
    await commitFile(dir, "base/crds/kustomization.yaml", "resources: []\n", "crds");
    await ok(["push", "--quiet", "origin", "HEAD:refs/heads/main"], dir);
    await ok(["checkout", "--quiet", "-b", "feature"], dir);
    await commitFile(dir, "base/apps/kustomization.yaml", "resources: []\n", "apps");
    await ok(["tag", "-a", "v0.1.0", "-m", "release"], dir);
    await ok(["push", "--quiet", "origin", "feature", "v0.1.0"], dir);
    refs = await lsRemote(`${server.url}/platform.git`);
  });
  afterAll(async () => server?.stop());

  it("WHEN the server is stopped and started again THEN every ref is still served", async () => {
    expect(refs.split("\n")).toHaveLength(5); // HEAD, main, feature, the tag and its peeled commit
    await server.stop();
    server = await startGitServer({ dataDir: dataDir() });
    expect(await lsRemote(`${server.url}/platform.git`)).toBe(refs);
  });

  it("WHEN the server is killed mid-life and started again THEN every ref is still served and fsck passes", async () => {
    await server.kill();
    server = await startGitServer({ dataDir: dataDir() });
    expect(await lsRemote(`${server.url}/platform.git`)).toBe(refs);
    await ok(["fsck", "--strict", "--no-progress"], join(dataDir(), "platform.git"));
  });
});

describe.skipIf(!gitBin || !backend)("GIVEN a git server with a webhook receiver and a shared secret", () => {
  const secret = `test-secret-${randomBytes(8).toString("hex")}`;
  const publicUrl = "http://stackwave-git-server:8080";
  let server: GitServer;
  let hook: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    hook = await receiver();
    server = await startGitServer({
      dataDir: join(scratch, "data-webhook"),
      env: { WEBHOOK_URL: hook.url, WEBHOOK_SECRET: secret, GIT_PUBLIC_URL: publicUrl, GIT_INIT_REPOS: "stackwave" },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await hook?.close();
  });

  it("WHEN a push brings two commits that add, modify and remove files THEN the receiver gets one signed GitHub push event with those paths", async () => {
    const dir = await clone(`${server.url}/stackwave.git`, "hooked");
    // Deliveries are counted from here: the other test of this block may have run first.
    const start = hook.deliveries.length;
    await writeFile(join(dir, "keep.yaml"), "a: 1\n");
    await writeFile(join(dir, "old.yaml"), "gone: soon\n");
    await ok(["add", "-A"], dir);
    await ok(["commit", "--quiet", "-m", "base"], dir);
    await ok(["push", "--quiet", "origin", "HEAD:refs/heads/main"], dir);
    await hook.next(start + 1);
    const before = await ok(["rev-parse", "HEAD"], dir);

    const added = await commitFile(dir, "overlays/dev/apps/patch.yaml", "replicas: 2\n", "add dev patch");
    await writeFile(join(dir, "keep.yaml"), "a: 2\n");
    await rm(join(dir, "old.yaml"));
    await ok(["add", "-A"], dir);
    await ok(["commit", "--quiet", "-m", "modify keep\n\nand remove old"], dir);
    const after = await ok(["rev-parse", "HEAD"], dir);
    await ok(["push", "--quiet", "origin", "main"], dir);
    await hook.next(start + 2);

    const delivery = hook.deliveries[start + 1]!;
    expect(delivery.headers["x-github-event"]).toBe("push");
    expect(delivery.headers["content-type"]).toBe("application/json");
    const expected = `sha256=${createHmac("sha256", secret).update(delivery.body, "utf8").digest("hex")}`;
    expect(delivery.headers["x-hub-signature-256"]).toBe(expected);

    const event = JSON.parse(delivery.body) as PushEvent;
    expect(event).toMatchObject({
      ref: "refs/heads/main",
      before,
      after,
      created: false,
      deleted: false,
      repository: {
        name: "stackwave",
        full_name: "stackwave",
        html_url: `${publicUrl}/stackwave`,
        default_branch: "main",
      },
      pusher: { name: "anonymous" },
    });
    expect(event.commits.map((commit: { id: string }) => commit.id)).toEqual([added, after]);
    expect(event.commits[0]).toMatchObject({
      message: "add dev patch",
      added: ["overlays/dev/apps/patch.yaml"],
      modified: [],
      removed: [],
      author: { name: "Stackwave Test", email: "test@stackwave.invalid" },
    });
    expect(event.commits[1]).toMatchObject({
      message: "modify keep\n\nand remove old",
      added: [],
      modified: ["keep.yaml"],
      removed: ["old.yaml"],
    });
    // Go's time.Time (RFC 3339) must accept the timestamps, and html_url must match the Applications' repoURL.
    expect(event.commits[1]?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    expect(event.head_commit?.id).toBe(after);
    expect(argoMatches(event.repository.html_url, "http://stackwave-git-server:8080/stackwave.git")).toBe(true);
    expect(argoMatches(event.repository.html_url, "http://stackwave-git-server/stackwave")).toBe(true);
    expect(argoMatches(event.repository.html_url, "http://stackwave-git-server:8080/other.git")).toBe(false);

    // The first push created the branch: before is all zeros and the base commit lists every file it added.
    const created = JSON.parse(hook.deliveries[start]!.body) as PushEvent;
    expect(created).toMatchObject({ before: "0".repeat(40), after: before, created: true });
    expect(created.commits[0]?.added).toEqual(["keep.yaml", "old.yaml"]);
  });

  it("WHEN a branch and a tag are pushed together and the branch is later deleted THEN each ref gets its own event", async () => {
    const dir = await clone(`${server.url}/stackwave.git`, "refs");
    await ok(["checkout", "--quiet", "-b", "preview"], dir);
    const commit = await commitFile(dir, "preview.yaml", "x: 1\n", "preview");
    await ok(["tag", "v1.0.0"], dir);
    const start = hook.deliveries.length;
    await ok(["push", "--quiet", "origin", "preview", "v1.0.0"], dir);
    await hook.next(start + 2);
    const events = hook.deliveries.slice(start).map((d) => JSON.parse(d.body) as PushEvent);
    const byRef = Object.fromEntries(events.map((event) => [event.ref, event]));
    expect(Object.keys(byRef).sort()).toEqual(["refs/heads/preview", "refs/tags/v1.0.0"]);
    expect(byRef["refs/heads/preview"]?.commits.map((c) => c.id)).toEqual([commit]);
    expect(byRef["refs/tags/v1.0.0"]).toMatchObject({ after: commit, commits: [], head_commit: { id: commit } });

    await ok(["push", "--quiet", "origin", "--delete", "preview"], dir);
    await hook.next(start + 3);
    const deletion = JSON.parse(hook.deliveries[start + 2]!.body) as PushEvent;
    expect(deletion).toMatchObject({ ref: "refs/heads/preview", before: commit, after: "0".repeat(40), deleted: true, commits: [] });
  });
});

describe.skipIf(!gitBin || !backend)("GIVEN a webhook receiver that fails before it succeeds", () => {
  let server: GitServer;
  let hook: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    hook = await receiver(2);
    server = await startGitServer({
      dataDir: join(scratch, "data-retry"),
      env: { WEBHOOK_URL: hook.url, WEBHOOK_SECRET: "s", WEBHOOK_MAX_ATTEMPTS: "4", WEBHOOK_BACKOFF_MS: "50", GIT_INIT_REPOS: "retry" },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await hook?.close();
  });

  it("WHEN a push triggers the webhook THEN it is retried until the third attempt succeeds, with the same body and delivery id", async () => {
    const dir = await clone(`${server.url}/retry.git`, "retry");
    await commitFile(dir, "a.yaml", "a: 1\n", "one");
    await ok(["push", "--quiet", "origin", "HEAD:refs/heads/main"], dir);
    const delivered = await server.waitForLog((line) => line.msg === "webhook delivered");
    expect(delivered.attempt).toBe(3);
    expect(hook.deliveries).toHaveLength(3);
    expect(new Set(hook.deliveries.map((d) => d.body)).size).toBe(1);
    expect(new Set(hook.deliveries.map((d) => d.headers["x-github-delivery"])).size).toBe(1);
    expect(server.logs.filter((line) => line.msg === "webhook attempt failed").map((line) => line.status)).toEqual([503, 503]);
  });
});

describe.skipIf(!gitBin || !backend)("GIVEN a webhook receiver that answers 503 to everything", () => {
  let server: GitServer;
  let hook: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    hook = await receiver(Number.POSITIVE_INFINITY);
    server = await startGitServer({
      dataDir: join(scratch, "data-failing"),
      env: { WEBHOOK_URL: hook.url, WEBHOOK_MAX_ATTEMPTS: "3", WEBHOOK_BACKOFF_MS: "20", GIT_INIT_REPOS: "failing" },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await hook?.close();
  });

  it("WHEN a client pushes THEN the push succeeds and delivery stops after the configured number of error answers", async () => {
    const dir = await clone(`${server.url}/failing.git`, "failing");
    const commit = await commitFile(dir, "a.yaml", "a: 1\n", "one");
    const push = await git(["push", "origin", "HEAD:refs/heads/main"], dir);
    expect(push.code).toBe(0);
    expect(await ok(["rev-parse", "refs/heads/main"], join(server.dataDir, "failing.git"))).toBe(commit);

    const gaveUp = await server.waitForLog((line) => line.msg === "webhook gave up");
    expect(gaveUp).toMatchObject({ level: "error", attempts: 3, status: 503, repo: "failing", after: commit });
    expect(hook.deliveries).toHaveLength(3);
    expect(server.logs.filter((line) => line.msg === "webhook attempt failed").map((line) => line.attempt)).toEqual([1, 2]);
  });
});

describe.skipIf(!gitBin || !backend)("GIVEN a webhook receiver that is not up yet", () => {
  let server: GitServer;
  let port = 0;
  let hook: Awaited<ReturnType<typeof receiver>> | undefined;

  beforeAll(async () => {
    port = await closedPort();
    server = await startGitServer({
      dataDir: join(scratch, "data-down"),
      env: {
        WEBHOOK_URL: `http://127.0.0.1:${port}/api/webhook`,
        WEBHOOK_SECRET: "late-secret",
        WEBHOOK_MAX_ATTEMPTS: "2",
        WEBHOOK_BACKOFF_MS: "20",
        WEBHOOK_MAX_BACKOFF_MS: "200",
        GIT_INIT_REPOS: "down",
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await hook?.close();
  });

  it("WHEN pushes happen while it is down and it comes up later THEN only the newest event per ref arrives, signed, once", async () => {
    const dir = await clone(`${server.url}/down.git`, "down");
    await commitFile(dir, "a.yaml", "a: 1\n", "one");
    expect((await git(["push", "origin", "HEAD:refs/heads/main"], dir)).code).toBe(0);
    // More refused attempts than WEBHOOK_MAX_ATTEMPTS: no answer is not an error answer, so it keeps trying.
    await server.waitForLog((line) => line.msg === "webhook attempt failed" && Number(line.attempt) >= 3);
    expect(server.logs.some((line) => line.msg === "webhook gave up")).toBe(false);

    const newest = await commitFile(dir, "a.yaml", "a: 2\n", "two");
    expect((await git(["push", "origin", "HEAD:refs/heads/main"], dir)).code).toBe(0);
    await server.waitForLog((line) => line.msg === "webhook superseded");

    hook = await receiver(0, port);
    const delivered = await server.waitForLog((line) => line.msg === "webhook delivered");
    expect(delivered).toMatchObject({ repo: "down", after: newest });
    expect(hook.deliveries).toHaveLength(1);
    const [only] = hook.deliveries;
    expect(only!.headers["x-hub-signature-256"]).toBe(`sha256=${createHmac("sha256", "late-secret").update(only!.body).digest("hex")}`);
    expect((JSON.parse(only!.body) as PushEvent).after).toBe(newest);
  });
});

describe.skipIf(!gitBin || !backend)("GIVEN a git server with a small body limit", () => {
  const limit = 64 * 1024;
  let server: GitServer;

  beforeAll(async () => {
    server = await startGitServer({
      dataDir: join(scratch, "data-bad"),
      env: { GIT_MAX_BODY_BYTES: String(limit), GIT_INIT_REPOS: "bad" },
    });
  });
  afterAll(async () => server?.stop());

  it.each([
    ["dot segments", "/../../etc/passwd/info/refs?service=git-upload-pack"],
    ["encoded dot segments", "/%2e%2e/%2e%2e/etc/info/refs?service=git-upload-pack"],
    ["mixed-case encoded dots", "/%2E%2e/bad.git/info/refs?service=git-upload-pack"],
    ["an encoded slash", "/..%2f..%2fetc.git/info/refs?service=git-upload-pack"],
    ["an absolute path", "//etc/passwd.git/info/refs?service=git-upload-pack"],
    ["a backslash", "/..\\etc.git/info/refs?service=git-upload-pack"],
    ["a name with a space", "/bad%20name.git/info/refs?service=git-upload-pack"],
    ["a hidden name", "/.tmp.git/info/refs?service=git-upload-pack"],
    ["a NUL byte", "/bad%00.git/info/refs?service=git-upload-pack"],
  ])("WHEN a request path contains %s THEN it is a 400 JSON error naming the field", async (_label, path) => {
    const response = await raw(server.url, path);
    expect(response.status).toBe(400);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    const body = JSON.parse(response.body) as { error: string; field: string; expected: string };
    expect(["path", "name"]).toContain(body.field);
    expect(body.expected).toBeTruthy();
  });

  it("WHEN the repository API gets a name outside [A-Za-z0-9._-] THEN it answers 400 naming the field and nothing is created", async () => {
    for (const name of ["../escape", "a/b", "/abs", "-flag", "x".repeat(101), 42]) {
      const response = await fetch(`${server.url}/api/repos`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid repository name", field: "name" });
    }
    const list = (await (await fetch(`${server.url}/api/repos`)).json()) as { repos: { name: string }[] };
    expect(list.repos.map((repo) => repo.name)).toEqual(["bad"]);
  });

  it("WHEN a client asks for an unknown repository THEN it is a 404 JSON error and git reports it as not found", async () => {
    const response = await raw(server.url, "/missing.git/info/refs?service=git-upload-pack");
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ error: "repository not found", field: "name", got: "missing" });
    const cloned = await git(["clone", `${server.url}/missing.git`, join(scratch, "missing")]);
    expect(cloned.code).not.toBe(0);
    expect(cloned.stderr).toMatch(/not found/);
  });

  it("WHEN a request uses the dumb protocol or the wrong method THEN it is refused with a JSON 400 or 405", async () => {
    const dumb = await raw(server.url, "/bad.git/info/refs");
    expect(dumb.status).toBe(400);
    expect(JSON.parse(dumb.body)).toMatchObject({ field: "service" });
    const method = await raw(server.url, "/bad.git/git-upload-pack");
    expect(method.status).toBe(405);
    expect(JSON.parse(method.body)).toMatchObject({ field: "method", expected: "POST" });
  });

  it("WHEN a request declares a body over the limit THEN it is a 413 JSON error before git runs", async () => {
    const response = await raw(server.url, "/bad.git/git-receive-pack", {
      method: "POST",
      headers: { "Content-Type": "application/x-git-receive-pack-request", "Content-Length": limit + 1 },
      body: Buffer.alloc(limit + 1),
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ error: "request body too large", field: "body" });
  });

  it("WHEN a chunked request streams past the limit THEN it is a 413 JSON error", async () => {
    const chunk = Buffer.alloc(16 * 1024);
    const response = await raw(server.url, "/bad.git/git-receive-pack", {
      method: "POST",
      headers: { "Content-Type": "application/x-git-receive-pack-request", "Transfer-Encoding": "chunked" },
      chunks: Array.from({ length: 8 }, () => chunk),
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ error: "request body too large", field: "body" });
  });

  it("WHEN git streams a pack bigger than the limit THEN the push fails with 413 and no ref moves", async () => {
    // 2 MiB is over git's 1 MiB http.postBuffer, so git sends it chunked and the server counts while streaming.
    const dir = await clone(`${server.url}/bad.git`, "big");
    await commitFile(dir, "small.yaml", "a: 1\n", "small");
    await ok(["push", "--quiet", "origin", "HEAD:refs/heads/main"], dir);
    const small = await ok(["rev-parse", "HEAD"], dir);
    await writeFile(join(dir, "big.bin"), randomBytes(2 * 2 ** 20));
    await ok(["add", "-A"], dir);
    await ok(["commit", "--quiet", "-m", "big"], dir);
    const push = await git(["push", "origin", "main"], dir);
    expect(push.code).not.toBe(0);
    // The server answers 413 and closes; git sees it, or only the broken pipe if it was still sending.
    expect(push.stderr).toMatch(/413|RPC failed/);
    const answered = await server.waitForLog((l) => l.msg === "git request" && l.endpoint === "git-receive-pack" && l.status === 413);
    expect(answered.repo).toBe("bad");
    expect(await ok(["rev-parse", "refs/heads/main"], join(server.dataDir, "bad.git"))).toBe(small);
  });

  it("WHEN the data folder disappears and comes back THEN /healthz goes 200 → 503 → 200 by itself", async () => {
    const health = async () => {
      const response = await fetch(`${server.url}/healthz`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await health()).toEqual({ status: 200, body: { status: "ok" } });
    const aside = `${server.dataDir}-aside`;
    await rename(server.dataDir, aside);
    try {
      const down = await health();
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: "unavailable", field: "GIT_DATA_DIR" });
    } finally {
      await rename(aside, server.dataDir);
    }
    expect(await health()).toEqual({ status: 200, body: { status: "ok" } });
  });
});
