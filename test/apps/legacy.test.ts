// Data written by other guestbooks (the original Python one stores `date` as float epoch seconds) is read,
// listed in true time order and paged without gaps; what is beyond saving is skipped and counted, never a 500.
import { ObjectId, type Collection, type Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ferretdbBin } from "../support/ferretdb.js";
import { metricsText, ready, sample, startStack, until, type Stack } from "./fixture.js";

interface Message {
  author: string;
  message: string;
  date: string;
}

const base = Math.floor(Date.now() / 1_000) - 10 * 24 * 3600;

/** One document per shape, in a shuffled time order; `at` is the true time in ms. */
const shapes = [
  { name: "python-float", at: (base + 1.5) * 1_000, doc: { author: "py", message: "python-float", date: base + 1.5 } },
  { name: "bson-date", at: (base + 2) * 1_000, doc: { author: "js", message: "bson-date", date: new Date((base + 2) * 1_000) } },
  {
    name: "iso-string",
    at: (base + 3) * 1_000,
    doc: { author: "iso", message: "iso-string", date: new Date((base + 3) * 1_000).toISOString() },
  },
  { name: "no-date", at: (base + 4) * 1_000, doc: { _id: ObjectId.createFromTime(base + 4), author: "old", message: "no-date" } },
  { name: "python-later", at: (base + 5.25) * 1_000, doc: { author: "py", message: "python-later", date: base + 5.25 } },
  { name: "bson-later", at: (base + 6) * 1_000, doc: { author: "js", message: "bson-later", date: new Date((base + 6) * 1_000) } },
  { name: "python-latest", at: (base + 7) * 1_000, doc: { author: "py", message: "python-latest", date: base + 7 } },
] as const;

/** Beyond saving: an unreadable date, and a readable one whose author is not text. */
const broken = [
  { author: "bad", message: "unreadable-date", date: "yesterday" },
  { author: 42, message: "numeric-author", date: new Date((base + 8) * 1_000) },
];

const newestFirst = [...shapes].sort((a, b) => b.at - a.at).map((s) => s.name);

async function seed(messages: Collection<Document>): Promise<void> {
  await messages.insertMany([...shapes.map((s) => ({ ...s.doc })), ...broken.map((d) => ({ ...d }))]);
}

async function walk(url: string, limit: number): Promise<{ pages: number; seen: Message[] }> {
  const seen: Message[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: Response = await fetch(`${url}/messages?limit=${limit}${cursor ? `&before=${cursor}` : ""}`);
    expect(res.status).toBe(200);
    seen.push(...((await res.json()) as Message[]));
    cursor = res.headers.get("next-cursor");
    pages++;
  } while (cursor && pages < 20);
  return { pages, seen };
}

describe.skipIf(!ferretdbBin)("GIVEN a collection with documents of every legacy shape, written before the backend starts", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({}, seed);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("WHEN the messages are listed THEN the answer is 200 with every readable one in true time order, dates as ISO strings", async () => {
    const res = await fetch(`${stack.backend.url}/messages`);
    expect(res.status).toBe(200);
    const list = (await res.json()) as Message[];
    expect(list.map((m) => m.message)).toEqual(newestFirst);
    for (const entry of list) {
      const shape = shapes.find((s) => s.name === entry.message)!;
      expect(entry.date).toBe(new Date(shape.at).toISOString());
    }
    expect((await fetch(`${stack.backend.url}/readyz`)).status).toBe(200);
  });

  it("WHEN the list is paged 3 at a time THEN every readable message comes once, in order, across pages", async () => {
    const { pages, seen } = await walk(stack.backend.url, 3);
    expect(seen.map((m) => m.message)).toEqual(newestFirst);
    expect(pages).toBe(3);
  });

  it("WHEN documents are beyond saving THEN they are left out, logged and counted by reason", async () => {
    const list = (await (await fetch(`${stack.backend.url}/messages?limit=200`)).json()) as Message[];
    expect(list.map((m) => m.message)).not.toContain("unreadable-date");
    expect(list.map((m) => m.message)).not.toContain("numeric-author");
    const metrics = await metricsText(stack.backend.url);
    expect(sample(metrics, 'guestbook_messages_skipped_total{reason="date"}')).toBe(1);
    expect(sample(metrics, 'guestbook_messages_skipped_total{reason="fields"}')).toBeGreaterThanOrEqual(1);
    expect(stack.backend.logs.some((line) => line.msg === "message skipped: date unreadable")).toBe(true);
    expect(stack.backend.logs.some((line) => line.msg === "message skipped" && line.problem === "author: expected a string")).toBe(true);
  });

  it("WHEN the backend restarts THEN the migration finds nothing left to change and the stored dates are BSON dates", async () => {
    const stored = await stack.messages.find({}, { projection: { message: 1, date: 1 } }).toArray();
    const readable = stored.filter((d) => newestFirst.includes(d.message as never));
    expect(readable.every((d) => d.date instanceof Date)).toBe(true);
    const snapshot = JSON.stringify(stored);

    await stack.backend.restart();
    await until("the restarted backend is ready", () => ready(stack.backend.url), 60_000);
    expect(sample(await metricsText(stack.backend.url), "guestbook_messages_migrated_total")).toBe(0);
    expect(JSON.stringify(await stack.messages.find({}, { projection: { message: 1, date: 1 } }).toArray())).toBe(snapshot);
    const list = (await (await fetch(`${stack.backend.url}/messages`)).json()) as Message[];
    expect(list.map((m) => m.message)).toEqual(newestFirst);
  });
});
