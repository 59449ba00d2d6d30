import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ferretdbBin } from "../support/ferretdb.js";
import { postJson, startStack, until, type Stack } from "./fixture.js";

interface Message {
  author: string;
  message: string;
  date: string;
}

describe.skipIf(!ferretdbBin)("GIVEN the backend on a real FerretDB", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("WHEN a message is posted THEN it is answered 201 with a server date and read back first", async () => {
    const before = Date.now();
    const res = await postJson(stack.backend.url, { author: "  Ada ", message: "Hello\nworld " });
    expect(res.status).toBe(201);
    const stored = (await res.json()) as Message;
    expect(stored).toEqual({ author: "Ada", message: "Hello\nworld", date: expect.any(String) });
    expect(Date.parse(stored.date)).toBeGreaterThanOrEqual(before - 1_000);

    const list = await fetch(`${stack.backend.url}/messages`);
    expect(list.status).toBe(200);
    expect(list.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await list.json()) as Message[])[0]).toEqual(stored);
  });

  it("WHEN 25 messages are posted THEN pages of limit 10 walk them newest first with no gap or repeat", async () => {
    await stack.messages.deleteMany({});
    for (let i = 0; i < 25; i++) {
      expect((await postJson(stack.backend.url, { author: "pager", message: `m${i}` })).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=10&before=${cursor}` : "?limit=10";
      const res = await fetch(`${stack.backend.url}/messages${query}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as Message[];
      expect(page.length).toBeLessThanOrEqual(10);
      seen.push(...page.map((m) => m.message));
      const dates = page.map((m) => Date.parse(m.date));
      expect(dates).toEqual([...dates].sort((a, b) => b - a));
      cursor = res.headers.get("next-cursor");
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `m${24 - i}`));
  });

  it("WHEN no limit is given THEN at most 50 come back; limit=200 is allowed", async () => {
    await stack.messages.deleteMany({});
    await stack.messages.insertMany(
      Array.from({ length: 60 }, (_, i) => ({ author: "bulk", message: `b${i}`, date: new Date(1_000 + i) })),
    );
    const all = (await (await fetch(`${stack.backend.url}/messages`)).json()) as Message[];
    expect(all).toHaveLength(50);
    const many = (await (await fetch(`${stack.backend.url}/messages?limit=200`)).json()) as Message[];
    expect(many).toHaveLength(60);
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=201", "limit"],
    ["limit=abc", "limit"],
    ["limit=1.5", "limit"],
    ["limit=-1", "limit"],
    ["limit=1&limit=2", "limit"],
    ["before=not-a-cursor", "before"],
    ["before=", "before"],
    [`before=${Buffer.from('{"$gt":""}').toString("base64url")}`, "before"],
  ])("WHEN GET /messages?%s THEN 400 names the field %s", async (query, field) => {
    const res = await fetch(`${stack.backend.url}/messages?${query}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field, error: expect.stringContaining(field) });
  });

  it("WHEN an unknown path or method is used THEN the answer is JSON 404 / 405", async () => {
    const missing = await fetch(`${stack.backend.url}/nope/../../etc`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "not found" });
    const wrong = await fetch(`${stack.backend.url}/messages`, { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toContain("POST");
    expect(await wrong.json()).toMatchObject({ error: expect.any(String) });
  });

  it("WHEN health and readiness are asked THEN both answer 200 and no debug route exists", async () => {
    expect((await fetch(`${stack.backend.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${stack.backend.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${stack.backend.url}/debug/slow?ms=1`)).status).toBe(404);
  });

  it("WHEN the collection is inspected THEN an index covers the sort key (date, _id)", async () => {
    // The backend creates it in the background at start (retrying while the database is away).
    await until("index created", async () => (await stack.messages.indexes()).some((index) => index.name === "date_id_desc"), 30_000);
    const indexes = await stack.messages.indexes();
    expect(indexes.map((index) => index.key)).toContainEqual({ date: -1, _id: -1 });
  });

  it("WHEN requests are served THEN each one logs a JSON line with method, route, status and duration", async () => {
    // Other requests (readiness polls, earlier tests in any order) log lines too: wait for this one's.
    const ours = () => stack.backend.logs.findLast((entry) => entry.msg === "request" && entry.route === "/messages");
    const before = ours();
    await (await fetch(`${stack.backend.url}/messages?limit=1`)).body?.cancel();
    await until("the request is logged", async () => ours() !== before, 10_000);
    const line = ours();
    expect(line).toMatchObject({ method: expect.any(String), route: "/messages", status: expect.any(Number) });
    expect(typeof line?.duration).toBe("number");
  });
});
