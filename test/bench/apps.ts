// Guestbook apps benchmark: throughput and latency of the backend with and without the HTTP metrics
// middleware, the frontend page, and the services' memory. Loopback only, bounded in count and time
// (~5 minutes on a busy 2-core machine).
// Run: npx tsx test/bench/apps.ts   (writes the "Guestbook apps" section of docs/benchmarks.md)
import { readFileSync } from "node:fs";
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import type { Request, Response } from "express";
import { MongoClient } from "mongodb";
import { httpMetrics } from "../../apps/backend/src/metrics.js";
import { goTools } from "../../generators/versions.js";
import { startFerretDb } from "../support/ferretdb.js";
import { startService, type Service } from "../support/services.js";
import { median, writeSection } from "./report.js";

/** The part of autocannon's result this bench reads (the package ships no types). */
interface Result {
  readonly requests: { readonly total: number };
  /** Seconds the run took. */
  readonly duration: number;
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly "2xx": number;
  readonly statusCodeStats: Record<string, { readonly count: number }>;
}
type Autocannon = (options: Record<string, unknown>) => Promise<Result>;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

/** Multiplies every run's request count (BENCH_SCALE=0.1 for a quick smoke run). */
const scale = Number(process.env.BENCH_SCALE ?? 1);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = 100;
const failures: string[] = [];

interface Target {
  readonly name: string;
  readonly path: string;
  /** Requests per run. A fixed count, not a duration: every request completes, none is abandoned
   * mid-flight (which would leave work behind that no one counts). Sized for runs of a few seconds. */
  readonly amount: number;
  readonly post?: boolean;
}

const targets: readonly Target[] = [
  { name: "GET /messages (100 stored, default page of 50)", path: "/messages", amount: 200 },
  { name: "POST /messages", path: "/messages", amount: 1_000, post: true },
  { name: "GET /healthz (no database)", path: "/healthz", amount: 5_000 },
];

async function load(url: string, target: Target): Promise<Result> {
  const result = await autocannon({
    url: url + target.path,
    connections,
    amount: Math.max(connections, Math.round(target.amount * scale)),
    timeout: 30,
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

/** Sum of a metric family's `_count` series in a Prometheus text exposition. */
function countSum(text: string, family: string): number {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${family}_count`))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

/**
 * Waits until no database operation completes for a second on either backend: autocannon stops at its
 * deadline but the requests it abandoned still queue in FerretDB and would slow the next run.
 */
async function settle(services: readonly Service[]): Promise<void> {
  const read = async (): Promise<number> => {
    let total = 0;
    for (const service of services) {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      total += countSum(text, "guestbook_mongodb_operation_duration_seconds");
    }
    return total;
  };
  const deadline = Date.now() + 60_000;
  let last = await read();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = await read();
    if (now === last) return;
    last = now;
  }
}

/** Requests per second over the whole run (autocannon's per-second average is coarse for short runs). */
function rate(result: Result): number {
  return result.requests.total / result.duration;
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
    Array.from({ length: 100 }, (_, i) => ({
      author: `seed ${i}`,
      message: `seeded message ${i}`,
      date: new Date(Date.now() - i * 1_000),
    })),
  );
};

const on = await startService({ app: "backend", env: { GUESTBOOK_DB_ADDR: db.addr } });
const off = await startService({ app: "backend", env: { GUESTBOOK_DB_ADDR: db.addr, METRICS_ENABLED: "false" } });
const frontend = await startService({ app: "frontend", env: { GUESTBOOK_API_ADDR: `127.0.0.1:${on.port}` } });

type Samples = { rps: number[]; p50: number[]; p99: number[]; cpuUs: number[] };
const empty = (): Samples => ({ rps: [], p50: [], p99: [], cpuUs: [] });
const samples = new Map<string, { on: Samples; off: Samples }>(targets.map((t) => [t.name, { on: empty(), off: empty() }]));

/** CPU seconds (user + system) the process has used; /proc/<pid>/stat counts in 1/100 s ticks. */
function cpuSeconds(service: Service): number {
  const fields = readFileSync(`/proc/${service.child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const f = (value: number): string => value.toFixed(0);

/**
 * CPU the backend's metrics middleware itself costs per request, measured in this process over 100,000
 * simulated requests (fresh label values each time, as in production: method, route template, status).
 */
function middlewareCpuUs(): number {
  const calls = 100_000;
  const routes = ["/messages", "/healthz", "/readyz"];
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const req = { method: i % 2 ? "GET" : "POST", baseUrl: "", route: { path: routes[i % 3] } } as unknown as Request;
    const res = Object.assign(new EventEmitter(), { statusCode: i % 10 ? 200 : 400 }) as unknown as Response;
    httpMetrics(req, res, () => {});
    (res as unknown as EventEmitter).emit("finish");
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

try {
  // Warm both processes (JIT, connection pools) before measuring.
  for (const service of [on, off]) await load(service.url, { ...targets[0]!, name: "warm-up", amount: 200 });
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      // Alternate which variant goes first so drift on a shared machine does not favour one.
      const order = round % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const);
      for (const variant of order) {
        const service = variant === "on" ? on : off;
        await settle([on, off]);
        if (!target.post) await reseed();
        const cpu = cpuSeconds(service);
        const served = service.requestsLogged;
        const result = await load(service.url, target);
        // CPU per request is far less sensitive to other load on the machine than throughput is.
        await settle([on, off]);
        const cpuUs = ((cpuSeconds(service) - cpu) / (service.requestsLogged - served)) * 1e6;
        const bucket = samples.get(target.name)![variant];
        bucket.rps.push(rate(result));
        bucket.p50.push(result.latency.p50);
        bucket.p99.push(result.latency.p99);
        bucket.cpuUs.push(cpuUs);
        console.error(`round ${round + 1} ${target.name} metrics ${variant}: ${rate(result)} req/s, ${f(cpuUs)} µs CPU/request`);
      }
    }
  }
  await settle([on, off]);
  await reseed();
  const page = await load(frontend.url, { name: "GET / (frontend)", path: "/", amount: 200 });

  const middleware = median([middlewareCpuUs(), middlewareCpuUs(), middlewareCpuUs()]);
  const healthzOff = median(samples.get(targets[2]!.name)!.off.cpuUs);

  const rows = targets.map((target) => {
    const { on: a, off: b } = samples.get(target.name)!;
    const rps = median(a.rps) / median(b.rps);
    const cpu = median(a.cpuUs) / median(b.cpuUs);
    return `| ${target.name} | ${f(median(a.rps))} | ${median(a.p50)} / ${median(a.p99)} | ${f(median(a.cpuUs))} | ${f(median(b.rps))} | ${median(b.p50)} / ${median(b.p99)} | ${f(median(b.cpuUs))} | ${rps.toFixed(3)} | ${cpu.toFixed(3)} (${((cpu - 1) * 100).toFixed(1)} %) |`;
  });
  const body = `
autocannon, ${connections} connections, a fixed number of requests per run (${targets.map((t) => `${t.path} ${Math.round(t.amount * scale)}`).join(", ")}), median of ${rounds} alternating runs per variant; the
backend on FerretDB ${goTools.ferretdb.version} (SQLite) on loopback. Every service, FerretDB and the load generator share
the same 2 cores, and other engineers' builds were running, so throughput is noisy and a floor. CPU per request
(the backend process's user+system CPU over the run and the drain after it, divided by the requests it logged) is
the steadier measure of the middleware's cost. Metrics overhead = CPU per request on ÷ off − 1; goal ≤ 5 %.

| endpoint | req/s on | p50 / p99 ms on | µs CPU/req on | req/s off | p50 / p99 ms off | µs CPU/req off | req/s on ÷ off | CPU/req on ÷ off (overhead) |
|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}

Frontend \`GET /\` (renders 50 of the 100 messages through the backend, metrics on): ${f(rate(page))} req/s,
p50 ${page.latency.p50} ms, p99 ${page.latency.p99} ms.

The middleware alone (in-process, 100,000 simulated requests, median of 3): ${middleware.toFixed(1)} µs CPU per
request, i.e. ${((middleware / healthzOff) * 100).toFixed(1)} % of the cheapest request measured above (\`GET /healthz\`,
metrics off, ${f(healthzOff)} µs) and less for every database request. On this shared machine the end-to-end on ÷ off
ratios above swing by tens of percent from one run of this script to the next, in both directions; this in-process
figure is the one to judge the 5 % goal by.

Failed responses during the runs: ${failures.length ? failures.join("; ") : "none"}.

Resident memory after the runs: backend (metrics on) ${f(rssMiB(on))} MiB, backend (metrics off) ${f(rssMiB(off))} MiB,
frontend ${f(rssMiB(frontend))} MiB (run through tsx as in the tests; the image runs the compiled JavaScript).
`;
  writeSection("Guestbook apps", body);
} finally {
  await Promise.all([on.stop(), off.stop(), frontend.stop()]);
  await client.close();
  await db.dispose();
}
