// The database goes away under traffic: the backend answers 503, /readyz fails, and it recovers on its own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ferretdbBin } from "../support/ferretdb.js";
import { metricsText, postJson, sample, startStack, stored, until, type Stack } from "./fixture.js";

describe.skipIf(!ferretdbBin)("GIVEN the backend serving traffic on a real FerretDB", () => {
  let stack: Stack;
  let running = true;
  const statuses: number[] = [];
  let traffic: Promise<void>;

  beforeAll(async () => {
    stack = await startStack();
    // Background traffic for the whole file: one POST and one GET at a time, statuses recorded.
    traffic = (async () => {
      let i = 0;
      while (running) {
        const post = await postJson(stack.backend.url, { author: "traffic", message: `t${i++}` }).catch(() => undefined);
        await post?.body?.cancel();
        const get = await fetch(`${stack.backend.url}/messages?limit=5`).catch(() => undefined);
        await get?.body?.cancel();
        if (post) statuses.push(post.status);
        if (get) statuses.push(get.status);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await until("traffic succeeds", async () => statuses.includes(201), 30_000);
  });
  afterAll(async () => {
    running = false;
    await traffic;
    await stack?.close();
  });

  it("WHEN FerretDB stops mid-traffic THEN requests get JSON 503, /readyz fails, and the up gauge drops", async () => {
    const pid = stack.backend.child.pid;
    await stack.db.stop();
    statuses.length = 0;
    await until("traffic sees 503", async () => statuses.includes(503), 30_000);
    // From here on every request starts after the outage began.
    statuses.length = 0;
    await until("traffic goes on", async () => statuses.length >= 4, 30_000);

    const post = await postJson(stack.backend.url, { author: "during", message: "outage" });
    expect(post.status).toBe(503);
    expect(await post.json()).toMatchObject({ error: expect.stringContaining("database") });
    const list = await fetch(`${stack.backend.url}/messages`);
    expect(list.status).toBe(503);
    const ready = await fetch(`${stack.backend.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${stack.backend.url}/healthz`)).status).toBe(200);
    expect(sample(await metricsText(stack.backend.url), "guestbook_mongodb_up")).toBe(0);
    expect(statuses.every((status) => status === 503)).toBe(true);
    expect(stack.backend.child.pid).toBe(pid);
    expect(stack.backend.child.exitCode).toBeNull();
  });

  it("WHEN FerretDB comes back on the same port THEN writes, reads and /readyz succeed again, in the same process", async () => {
    const pid = stack.backend.child.pid;
    await stack.db.restart();
    // Waits for the first successful write; how long that takes is measured by npm run bench:apps, not here.
    // The deadline only stops a hung run.
    await until("a POST succeeds after the restart", () => stored(stack.backend.url, { author: "after", message: "recovered" }), 60_000);
    expect((await fetch(`${stack.backend.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${stack.backend.url}/messages`)).status).toBe(200);
    expect(await stack.messages.countDocuments({ author: "during" })).toBe(0);
    expect(await stack.messages.countDocuments({ author: "after" })).toBeGreaterThanOrEqual(1);
    await until("the up gauge is 1", async () => sample(await metricsText(stack.backend.url), "guestbook_mongodb_up") === 1, 60_000);
    expect(stack.backend.child.pid).toBe(pid);
    expect(stack.backend.child.exitCode).toBeNull();
    // Above the two 60 s deadlines plus the restart, so a slow recovery fails on the until's message (which
    // names the step) rather than on vitest's bare 60 s test timeout, as it did in two CI runs.
  }, 150_000);
});
