// Time to Ready after the dependency comes up, per dependency edge (the convergence matrix of
// test/apps/convergence.test.ts, timed). Each round starts the dependent with its dependency away, brings
// the dependency up, and times from the moment it accepts connections (or, for the frontend's backend,
// is ready itself) until the dependent is ready: a delivered event for the git server. Rounds run one at a
// time so they do not slow each other. Loopback only, a fixed number of rounds.
// Run: npm run bench:convergence   (writes the "Convergence" section of docs/benchmarks.md)
import { loadavg } from "node:os";
import { edgeNames, retryMs, startEdge, type Edge, type EdgeName, type Retry } from "../apps/edges.js";
import { median, writeSection } from "./report.js";

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
/** How often readiness is polled while timing; the figures are no finer than this. */
const pollMs = 20;

async function timeToReady(edge: Edge): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await edge.dependent.isReady()) return performance.now() - started;
    if (performance.now() - started > 120_000) throw new Error("not ready within 120 s");
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** One round: the dependent first, its dependency `lateMs` later; or, with `restart`, a restart under it. */
async function round(name: EdgeName, restart: boolean, retry: Retry = "short", lateMs = 2_000): Promise<number> {
  const edge = await startEdge(name, retry);
  try {
    if (restart) {
      await edge.dependency.up();
      await timeToReady(edge);
      await edge.dependency.down();
      await edge.whileAway();
      while (await edge.dependent.isReady()) await new Promise((resolve) => setTimeout(resolve, pollMs));
    } else {
      // Let the dependent fail a few attempts first, as it would while its dependency is still starting.
      await new Promise((resolve) => setTimeout(resolve, lateMs));
    }
    await edge.dependency.up();
    return await timeToReady(edge);
  } finally {
    await edge.dispose();
  }
}

const rows: string[] = [];
for (const name of edgeNames) {
  for (const restart of [false, true]) {
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) samples.push(await round(name, restart));
    const ms = samples.map((s) => Math.round(s));
    rows.push(
      `| ${name} | ${restart ? "restarted under a ready dependent" : "arrives after the dependent"} | ${Math.round(median(samples))} | ${Math.min(...ms)}–${Math.max(...ms)} |`,
    );
    console.log(rows.at(-1));
  }
}

// With the shipped retry settings, the dependency 20 s late (the slowest case of the matrix).
for (const name of ["backend → database", "git server → webhook"] as const) {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) samples.push(await round(name, false, "shipped", 20_000));
  const ms = samples.map((s) => Math.round(s));
  rows.push(
    `| ${name} | arrives 20 s late, shipped retry defaults | ${Math.round(median(samples))} | ${Math.min(...ms)}–${Math.max(...ms)} |`,
  );
  console.log(rows.at(-1));
}

writeSection(
  "Convergence",
  `Time from the dependency coming up to the dependent being Ready (median of ${rounds} rounds, in ms; polled every ${pollMs} ms).
In the first six rows the dependency comes 2 s late and the backend's first-connect retry pause and the git server's
webhook backoff cap are ${retryMs} ms, as in the tests; the last two use the shipped defaults (2000 ms and 500 ms doubling
to 5000 ms) with the dependency 20 s late. Load average at the end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ")} (other builds and test runs share the machine).

| edge | dependency | median ms | range ms |
| ---- | ---------- | --------- | -------- |
${rows.join("\n")}

Not measured: mongodb-exporter → database. Debian's exporter (the one that runs here) speaks only the legacy
OP_QUERY protocol, which FerretDB refuses, and the pinned percona exporter module is not served by this machine's Go proxy.`,
);
