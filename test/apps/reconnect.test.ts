// The backend's last resort when the driver does not recover: after GUESTBOOK_DB_RECONNECT_MS of nothing but
// unavailable answers it drops its client and connects afresh, in the same process, and then serves again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ferretdbBin } from "../support/ferretdb.js";
import { startStack, stored, until, type Stack } from "./fixture.js";

const reconnectMs = 2_000;

describe.skipIf(!ferretdbBin)("GIVEN the backend on a real FerretDB with GUESTBOOK_DB_RECONNECT_MS=2000", () => {
  let stack: Stack;
  const reconnects = () => stack.backend.logs.filter((l) => l.msg === "database unavailable too long, reconnecting with a new client");

  beforeAll(async () => {
    stack = await startStack({ GUESTBOOK_DB_RETRY_MS: "250", GUESTBOOK_DB_RECONNECT_MS: String(reconnectMs) });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("WHEN every request fails for longer than the limit THEN it reconnects once with a new client, naming the wait and the error, and serves again in the same process", async () => {
    const pid = stack.backend.child.pid;
    await stack.db.stop();
    const stopped = Date.now();
    // Requests keep failing with 503 until the limit has passed: only failures count, not the clock alone.
    await until(
      "a reconnect after the limit",
      async () => {
        const res = await fetch(`${stack.backend.url}/messages`);
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({ error: expect.stringContaining("database") });
        return reconnects().length > 0;
      },
      30_000,
    );
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(reconnectMs);
    const [line] = reconnects();
    expect(line!.seconds).toBeGreaterThanOrEqual(reconnectMs / 1000);
    expect(String(line!.error)).toMatch(/^Mongo\w+Error: /);

    await stack.db.restart();
    await until("a POST succeeds on the new client", () => stored(stack.backend.url, { author: "after", message: "reconnected" }), 60_000);
    expect(reconnects()).toHaveLength(1);
    // The new client ran the start-up steps again and said so.
    expect(stack.backend.logs.filter((l) => l.msg === "database ready").length).toBeGreaterThanOrEqual(2);
    expect(stack.backend.child.pid).toBe(pid);
  }, 120_000);
});
