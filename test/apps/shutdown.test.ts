// SIGTERM drains: no new connections, in-flight requests finish, the database client closes, exit 0.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ferretdbBin } from "../support/ferretdb.js";
import { startService } from "../support/services.js";
import { startStack, until, type Stack } from "./fixture.js";

describe.skipIf(!ferretdbBin)("GIVEN the backend with the test-only slow route on a real FerretDB", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ DEBUG_SLOW_ROUTE: "true" });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("WHEN SIGTERM arrives during a 3 s request THEN that request completes, new ones are refused, and it exits 0", async () => {
    const { backend } = stack;
    const url = backend.url;
    const slow = fetch(`${url}/debug/slow?ms=3000`);
    await until("the slow request is in flight", async () => backend.logs.some((l) => l.msg === "slow request started"), 30_000);

    const exit = backend.stop();
    await until("shutdown began", async () => backend.logs.some((l) => l.msg === "shutting down"), 10_000);
    await expect(fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();

    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ slept: 3000 });
    expect(await exit).toBe(0);
    const messages = backend.logs.map((l) => l.msg);
    expect(messages.indexOf("stopped")).toBeGreaterThan(messages.indexOf("shutting down"));
    expect(backend.logs).toContainEqual(expect.objectContaining({ msg: "request", route: "/debug/slow", status: 200 }));
  });

  it("WHEN the frontend gets SIGTERM THEN it exits 0", async () => {
    const frontend = await startService({ app: "frontend", env: { GUESTBOOK_API_ADDR: stack.db.addr } });
    expect(await frontend.stop()).toBe(0);
    expect(frontend.logs.map((l) => l.msg)).toContain("stopped");
  });
});
