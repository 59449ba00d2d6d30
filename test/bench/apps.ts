// Guestbook apps benchmark: throughput and latency of the backend with and without the HTTP metrics
// middleware, the frontend page, and the services' memory. Loopback only, bounded in time (~3 minutes).
// Run: npx tsx test/bench/apps.ts   (writes the "Guestbook apps" section of docs/benchmarks.md)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { MongoClient } from "mongodb";
import { startFerretDb } from "../support/ferretdb.js";
import { startService, type Service } from "../support/services.js";
import { median, writeSection } from "./report.js";

/** The part of autocannon's result this bench reads (the package ships no types). */
interface Result {
  readonly requests: { readonly average: number };
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly "2xx": number;
  readonly statusCodeStats: Record<string, { readonly count: number }>;
}
type Autocannon = (options: Record<string, unknown>) => Promise<Result>;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const connections = 100;
const failures: string[] = [];

interface Target {
  readonly name: string;
  readonly path: string;
  readonly post?: boolean;
}

const targets: readonly Target[] = [
  { name: "GET /messages (100 stored)", path: "/messages?limit=100" },
  { name: "POST /messages", path: "/messages", post: true },
  { name: "GET /healthz (no database)", path: "/healthz" },
];

async function load(url: string, target: Target): Promise<Result> {
  const result = await autocannon({
    url: url + target.path,
    connections,
    duration: seconds,
    ...(target.post
      ? {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ author: "bench", message: "a benchmark message of ordinary length" }),
        }
      : {}),
  });
  // Failures are counted and reported, not hidden: a run with many would make its figures meaningless.
  const failed = Object.entries(result.statusCodeStats).filter(([code]) => !code.startsWith("2"));
  failures.push(...failed.map(([code, { count }]) => `${target.name} on ${url}: ${count} × HTTP ${code}`));
  if (result.errors || result.timeouts) failures.push(`${target.name} on ${url}: ${result.errors} errors, ${result.timeouts} timeouts`);
  return result;
}

function rssMiB(service: Service): number {
  const status = readFileSync(`/proc/${service.child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

const db = await startFerretDb();
const client = new MongoClient(db.uri);
const messages = client.db("guestbook").collection("messages");
const reseed = async (): Promise<void> => {
  await messages.deleteMany({});
  await messages.insertMany(
    Array.from({ length: 100 }, (_, i) => ({ author: `seed ${i}`, message: `seeded message ${i}`, date: new Date(Date.now() - i * 1_000) })),
  );
};

const on = await startService({ app: "backend", env: { GUESTBOOK_DB_ADDR: db.addr } });
const off = await startService({ app: "backend", env: { GUESTBOOK_DB_ADDR: db.addr, METRICS_ENABLED: "false" } });
const frontend = await startService({ app: "frontend", env: { GUESTBOOK_API_ADDR: `127.0.0.1:${on.port}` } });

type Samples = { rps: number[]; p50: number[]; p99: number[] };
const empty = (): Samples => ({ rps: [], p50: [], p99: [] });
const samples = new Map<string, { on: Samples; off: Samples }>(targets.map((t) => [t.name, { on: empty(), off: empty() }]));

try {
  // Warm both processes (JIT, connection pools) before measuring.
  for (const service of [on, off]) await load(service.url, { ...targets[0]!, name: "warm-up" });
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      // Alternate which variant goes first so drift on a shared machine does not favour one.
      const order = round % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const);
      for (const variant of order) {
        if (!target.post) await reseed();
        const result = await load((variant === "on" ? on : off).url, target);
        const bucket = samples.get(target.name)![variant];
        bucket.rps.push(result.requests.average);
        bucket.p50.push(result.latency.p50);
        bucket.p99.push(result.latency.p99);
        console.error(`round ${round + 1} ${target.name} metrics ${variant}: ${result.requests.average} req/s`);
      }
    }
  }
  await reseed();
  const page = await load(frontend.url, { name: "GET / (frontend)", path: "/" });

  const rows = targets.map((target) => {
    const s = samples.get(target.name)!;
    const rpsOn = median(s.on.rps);
    const rpsOff = median(s.off.rps);
    const overhead = (1 - rpsOn / rpsOff) * 100;
    return `| ${target.name} | ${rpsOn.toFixed(0)} | ${median(s.on.p50)} / ${median(s.on.p99)} | ${rpsOff.toFixed(0)} | ${median(s.off.p50)} / ${median(s.off.p99)} | ${(rpsOn / rpsOff).toFixed(3)} (${overhead.toFixed(1)} %) |`;
  });
  const body = `
autocannon, ${connections} connections, ${seconds} s per run, median of ${rounds} alternating runs per variant; backend on
FerretDB ${"v1.24.2"} (SQLite) on loopback; every service and the load generator share the same cores, so absolute
figures are a floor. Overhead = 1 − (req/s with metrics ÷ req/s without); goal ≤ 5 %.

| endpoint | req/s, metrics on | p50 / p99 ms, on | req/s, metrics off | p50 / p99 ms, off | on ÷ off (overhead) |
|---|---|---|---|---|---|
${rows.join("\n")}

Frontend \`GET /\` (renders 50 of the 100 messages through the backend, metrics on): ${page.requests.average.toFixed(0)} req/s,
p50 ${page.latency.p50} ms, p99 ${page.latency.p99} ms.

Failed responses during the runs: ${failures.length ? failures.join("; ") : "none"}.

Resident memory after the runs: backend (metrics on) ${rssMiB(on).toFixed(0)} MiB, backend (metrics off)
${rssMiB(off).toFixed(0)} MiB, frontend ${rssMiB(frontend).toFixed(0)} MiB (tsx in development mode; the image runs the
compiled JavaScript).
`;
  writeSection("Guestbook apps", body);
} finally {
  await Promise.all([on.stop(), off.stop(), frontend.stop()]);
  await client.close();
  await db.dispose();
}
