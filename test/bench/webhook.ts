// Push → webhook latency of the stackwave git server: 20 real `git push`es over loopback HTTP, each timed until the
// signed GitHub push event reaches a local receiver. Run: npx tsx test/bench/webhook.ts (npm run bench:webhook).
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startGitServer } from "../support/git-server.js";
import { median, writeSection } from "./report.js";

const pushes = 20;

const scratch = await mkdtemp(join(tmpdir(), "stackwave-bench-webhook-"));
const env = { PATH: process.env.PATH, HOME: scratch, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1" };

function git(args: readonly string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("git", ["-c", "protocol.version=2", ...args], { cwd, env }, (error, _stdout, stderr) =>
      error ? reject(new Error(`git ${args.join(" ")}: ${stderr}`)) : resolve(),
    );
  });
}

// The receiver stamps each delivery the moment its body is complete.
const arrivals: number[] = [];
const waiting = new Map<number, () => void>();
const receiver = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    arrivals.push(performance.now());
    res.end();
    waiting.get(arrivals.length)?.();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhook`;
const delivered = (count: number) =>
  arrivals.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(count, resolve));

const server = await startGitServer({
  dataDir: join(scratch, "data"),
  env: { WEBHOOK_URL: hookUrl, WEBHOOK_SECRET: "bench-secret", GIT_INIT_REPOS: "bench" },
});
try {
  const dir = join(scratch, "clone");
  await git(["clone", "--quiet", `${server.url}/bench.git`, dir]);
  await git(["config", "user.name", "Bench"], dir);
  await git(["config", "user.email", "bench@stackwave.invalid"], dir);
  const commit = async (i: number) => {
    await writeFile(join(dir, "values.yaml"), `replicas: ${i}\n`);
    await git(["add", "-A"], dir);
    await git(["commit", "--quiet", "-m", `bench ${i}`], dir);
  };
  // Warm-up push (creates main; not measured).
  await commit(0);
  await git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], dir);
  await delivered(1);

  const pushMs: number[] = [];
  const hookMs: number[] = [];
  for (let i = 1; i <= pushes; i++) {
    await commit(i);
    const start = performance.now();
    await git(["push", "--quiet", "origin", "main"], dir);
    const pushed = performance.now();
    await delivered(i + 1);
    pushMs.push(pushed - start);
    hookMs.push(arrivals[i]! - start);
  }
  const lagMs = hookMs.map((ms, i) => ms - pushMs[i]!);
  const fmt = (ms: number) => ms.toFixed(1);
  writeSection(
    "Git server webhook",
    [
      `${pushes} sequential \`git push\`es of one small commit each over loopback HTTP (protocol v2 client, git http-backend behind`,
      "express), each followed by a signed GitHub push event to a local receiver. Medians in milliseconds:",
      "",
      "| measure | median ms | min ms | max ms |",
      "|---|---|---|---|",
      `| \`git push\` start → exit | ${fmt(median(pushMs))} | ${fmt(Math.min(...pushMs))} | ${fmt(Math.max(...pushMs))} |`,
      `| \`git push\` start → webhook received | ${fmt(median(hookMs))} | ${fmt(Math.min(...hookMs))} | ${fmt(Math.max(...hookMs))} |`,
      `| webhook received − push exit | ${fmt(median(lagMs))} | ${fmt(Math.min(...lagMs))} | ${fmt(Math.max(...lagMs))} |`,
      "",
      // Shared CI and dev machines are often busy; the figures mean little without the load they ran under.
      `1-minute load average at the end of the run: ${loadavg()[0]!.toFixed(1)}. The last row is the server's own`,
      "work after answering the push (reading the hook's ref list, `git rev-list`/`log`/`diff-tree`, HMAC, POST).",
      "Reproduce: `npm run bench:webhook`.",
    ].join("\n"),
  );
} finally {
  await server.stop();
  await new Promise((resolve) => receiver.close(resolve));
  await rm(scratch, { recursive: true, force: true });
}
