// Every dependency edge converges whatever starts first: the dependency arrives 0 s, 5 s or 20 s after the
// dependent, or restarts under it. Real processes throughout; the cases run concurrently, and each waits on
// what it can observe (readiness, liveness, a delivered event). How fast they converge is measured by
// npm run bench:convergence, not asserted here.
import { spawn, type ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { leasePort } from "../../tools/sim/ports.js";
import { ferretdbBin, startFerretDb, stopChild } from "../support/ferretdb.js";
import { requireTool } from "../support/tools.js";
import { edgeNames, startEdge, type Edge } from "./edges.js";
import { sample, until } from "./fixture.js";

const gitBin = requireTool("git", "apt-get install git");

/** Long enough for the slowest case on a busy machine; only a hang guard, never a measured bound. */
const guardMs = 90_000;

/** Checks the dependent is away-but-alive: not ready, yet live, so no kubelet would restart it. */
async function expectAway(edge: Edge): Promise<void> {
  await until("the dependent reports not ready", async () => !(await edge.dependent.isReady()), guardMs);
  expect(await edge.dependent.isLive()).toBe(true);
}

async function expectConverged(edge: Edge, pid: number | undefined): Promise<void> {
  await until("the dependent becomes ready", () => edge.dependent.isReady(), guardMs);
  expect(await edge.dependent.works()).toBe(true);
  expect(await edge.dependent.isLive()).toBe(true);
  expect(edge.dependent.pid()).toBe(pid);
}

describe.skipIf(!ferretdbBin || !gitBin).concurrent("GIVEN each edge of the guestbook with its dependency not up yet", () => {
  for (const name of edgeNames) {
    for (const delayS of [0, 5, 20]) {
      it(`WHEN ${name}: the dependency arrives ${delayS} s after the dependent THEN the dependent becomes ready by itself`, async () => {
        const edge = await startEdge(name);
        try {
          const started = Date.now();
          const pid = edge.dependent.pid();
          await expectAway(edge);
          // The arrival time is the case's parameter, not a wait for an event: the dependent is already
          // observed away and must stay so, unaided, until then.
          const wait = started + delayS * 1_000 - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          expect(await edge.dependent.isReady()).toBe(false);
          await edge.dependency.up();
          await expectConverged(edge, pid);
        } finally {
          await edge.dispose();
        }
      }, 180_000);
    }

    it(`WHEN ${name}: the dependency restarts under a ready dependent THEN it goes not ready and recovers by itself`, async () => {
      const edge = await startEdge(name);
      try {
        const pid = edge.dependent.pid();
        await edge.dependency.up();
        await until("the dependent becomes ready", () => edge.dependent.isReady(), guardMs);
        await edge.dependency.down();
        await edge.whileAway();
        await expectAway(edge);
        await edge.dependency.up();
        await expectConverged(edge, pid);
      } finally {
        await edge.dispose();
      }
    }, 180_000);
  }
});

const exporterBin = requireTool("prometheus-mongodb-exporter", "apt-get install prometheus-mongodb-exporter");

// Debian's exporter (2018, mgo driver) speaks only OP_QUERY, which FerretDB refuses, so it can never report
// mongodb_up 1 here and its convergence cannot be shown on this machine; the cluster runs the pinned percona
// exporter against MongoDB. What can be shown: it serves /metrics while its database is away and after it
// arrives, and reports mongodb_up 0 meanwhile, so neither a probe on /metrics nor the process itself fails
// because of the dependency. A scrape with the database away takes about 10 s (mgo's dial timeout).
describe.skipIf(!ferretdbBin || !exporterBin)("GIVEN Debian's mongodb-exporter started before its database", () => {
  it("WHEN the database is away and then arrives THEN the exporter keeps serving /metrics in the same process, reporting mongodb_up 0 while away", async () => {
    const db = await startFerretDb();
    const { port } = await leasePort(); // held until this test process exits
    let exporter: ChildProcess | undefined;
    try {
      await db.stop();
      exporter = spawn(exporterBin!, [`-mongodb.uri=mongodb://${db.addr}`, `-web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
      const scrape = async (): Promise<string | undefined> => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(60_000) }).catch(() => undefined);
        return res?.status === 200 ? res.text() : undefined;
      };
      await until("the exporter serves /metrics", async () => (await scrape()) !== undefined, guardMs);
      expect(sample((await scrape())!, "mongodb_up")).toBe(0);
      await db.restart();
      expect(await scrape()).toContain("mongodb_up");
      expect(exporter.exitCode).toBeNull();
    } finally {
      if (exporter) await stopChild(exporter);
      await db.dispose();
    }
  }, 180_000);
});
