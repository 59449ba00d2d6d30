// Every malformed input is refused with the right status and a JSON {error, field}, and stores nothing.
// Lengths count Unicode code points after trimming (see apps/backend/src/validate.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ferretdbBin } from "../support/ferretdb.js";
import { metricsText, sample, startStack, type Stack } from "./fixture.js";

interface Case {
  readonly name: string;
  /** Sent as is when a string; JSON-encoded otherwise. */
  readonly body: unknown;
  readonly contentType?: string;
  readonly status: number;
  readonly field: string;
}

const ok = { author: "Ada", message: "hello" };
const emoji = "😀";

const cases: readonly Case[] = [
  // shape
  { name: "a JSON array", body: [ok], status: 400, field: "body" },
  { name: "JSON null", body: "null", status: 400, field: "body" },
  { name: "a JSON string", body: '"hello"', status: 400, field: "body" },
  { name: "a JSON number", body: "42", status: 400, field: "body" },
  { name: "an empty body", body: "", status: 400, field: "author" },
  { name: "an empty object", body: {}, status: 400, field: "author" },
  { name: "malformed JSON", body: '{"author": "Ada", "message": ', status: 400, field: "body" },
  { name: "JSON with a trailing comma", body: '{"author":"Ada","message":"x",}', status: 400, field: "body" },
  { name: "an extra field", body: { ...ok, date: "2000-01-01" }, status: 400, field: "date" },
  { name: "a __proto__ field", body: '{"author":"Ada","message":"x","__proto__":{"admin":true}}', status: 400, field: "__proto__" },
  { name: "an _id field", body: { ...ok, _id: "abc" }, status: 400, field: "_id" },
  // wrong types and operator objects
  { name: "author missing", body: { message: "x" }, status: 400, field: "author" },
  { name: "message missing", body: { author: "Ada" }, status: 400, field: "message" },
  { name: "author null", body: { author: null, message: "x" }, status: 400, field: "author" },
  { name: "author a number", body: { author: 42, message: "x" }, status: 400, field: "author" },
  { name: "author a boolean", body: { author: true, message: "x" }, status: 400, field: "author" },
  { name: "author an array", body: { author: ["Ada"], message: "x" }, status: 400, field: "author" },
  { name: "author an operator object", body: { author: { $gt: "" }, message: "x" }, status: 400, field: "author" },
  { name: "message an operator object", body: { author: "Ada", message: { $ne: null } }, status: 400, field: "message" },
  { name: "message a $where object", body: { author: "Ada", message: { $where: "sleep(1000)" } }, status: 400, field: "message" },
  { name: "message a number", body: { author: "Ada", message: 3.14 }, status: 400, field: "message" },
  // empty, whitespace and length (code points after trimming)
  { name: "author empty", body: { author: "", message: "x" }, status: 400, field: "author" },
  { name: "author only spaces", body: { author: "    ", message: "x" }, status: 400, field: "author" },
  { name: "message only whitespace", body: { author: "Ada", message: " \n\t \r\n" }, status: 400, field: "message" },
  { name: "message only no-break/ideographic spaces", body: { author: "Ada", message: "\u00a0\u3000" }, status: 400, field: "message" },
  { name: "author of 65 letters", body: { author: "a".repeat(65), message: "x" }, status: 400, field: "author" },
  { name: "author of 65 emoji", body: { author: emoji.repeat(65), message: "x" }, status: 400, field: "author" },
  { name: "message of 1025 letters", body: { author: "Ada", message: "m".repeat(1025) }, status: 400, field: "message" },
  { name: "message of 1025 emoji", body: { author: "Ada", message: emoji.repeat(1025) }, status: 400, field: "message" },
  // unicode and control characters
  { name: "author with a lone high surrogate", body: '{"author":"A\\ud800da","message":"x"}', status: 400, field: "author" },
  { name: "message with a lone low surrogate", body: '{"author":"Ada","message":"x\\udc00"}', status: 400, field: "message" },
  { name: "author with NUL", body: { author: "Ad\u0000a", message: "x" }, status: 400, field: "author" },
  { name: "message with NUL", body: { author: "Ada", message: "hi\u0000there" }, status: 400, field: "message" },
  { name: "author with a newline", body: { author: "Ada\nLovelace", message: "x" }, status: 400, field: "author" },
  { name: "message with an escape character", body: { author: "Ada", message: "\u001b[31mred" }, status: 400, field: "message" },
  { name: "message with a C1 control", body: { author: "Ada", message: "a\u0085b" }, status: 400, field: "message" },
  // transport
  { name: "a 17 KiB JSON body", body: { author: "Ada", message: "x".repeat(17 * 1024) }, status: 413, field: "body" },
  { name: "text/plain", body: JSON.stringify(ok), contentType: "text/plain", status: 415, field: "content-type" },
  {
    name: "a form post",
    body: "author=Ada&message=x",
    contentType: "application/x-www-form-urlencoded",
    status: 415,
    field: "content-type",
  },
  { name: "no content type", body: JSON.stringify(ok), contentType: "", status: 415, field: "content-type" },
  { name: "JSON in latin1", body: JSON.stringify(ok), contentType: "application/json; charset=latin1", status: 415, field: "content-type" },
];

/** POSTs one case as it is written in the table. */
function send(url: string, c: Case): Promise<Response> {
  const headers: Record<string, string> = {};
  if (c.contentType !== "") headers["content-type"] = c.contentType ?? "application/json";
  const raw = typeof c.body === "string" ? c.body : JSON.stringify(c.body);
  // fetch adds text/plain to string bodies; a Blob without type sends no Content-Type at all.
  const body = c.contentType === "" ? new Blob([raw]) : raw;
  return fetch(`${url}/messages`, { method: "POST", headers, body });
}

describe.skipIf(!ferretdbBin)("GIVEN the backend on a real FerretDB", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("WHEN every malformed input is sent in one burst THEN the backend counts each as refused and stores none", async () => {
    const before = await stack.messages.countDocuments();
    const metrics = await metricsText(stack.backend.url);
    const series = (status: number) => `http_requests_total{method="POST",route="/messages",status_code="${status}"}`;
    const statuses = [...new Set(cases.map((c) => c.status))];
    const counted = Object.fromEntries(statuses.map((status) => [status, sample(metrics, series(status))]));
    const answers = await Promise.all(cases.map(async (c) => (await send(stack.backend.url, c)).status));
    expect(answers).toEqual(cases.map((c) => c.status));
    const after = await metricsText(stack.backend.url);
    for (const status of statuses) {
      expect(sample(after, series(status)) - counted[status]!, `HTTP ${status}`).toBe(cases.filter((c) => c.status === status).length);
    }
    expect(sample(after, series(201))).toBe(sample(metrics, series(201)));
    expect(await stack.messages.countDocuments()).toBe(before);
  });

  it.each(cases)("WHEN the body is $name THEN $status names $field and nothing is stored", async (c) => {
    const before = await stack.messages.countDocuments();
    const res = await send(stack.backend.url, c);
    expect(res.status).toBe(c.status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const answer = (await res.json()) as { error: unknown; field: unknown };
    expect(answer.field).toBe(c.field);
    expect(answer.error).toEqual(expect.any(String));
    expect(await stack.messages.countDocuments()).toBe(before);
  });

  it.each([
    ["64 emoji as author", { author: emoji.repeat(64), message: "x" }, emoji.repeat(64)],
    ["64 letters with surrounding spaces", { author: ` ${"a".repeat(64)} `, message: "x" }, "a".repeat(64)],
    ["combining accents and CJK", { author: "Zoë 李", message: "x" }, "Zoë 李"],
  ])("WHEN the author is %s THEN it is stored trimmed", async (_name, body, author) => {
    const res = await fetch(`${stack.backend.url}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    expect(await stack.messages.countDocuments({ author })).toBe(1);
  });

  it("WHEN the message is 1024 emoji with CRLF line breaks inside THEN it is stored whole", async () => {
    const message = `${emoji.repeat(500)}\r\n${emoji.repeat(522)}`;
    expect([...message]).toHaveLength(1024);
    const res = await fetch(`${stack.backend.url}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ author: "long", message }),
    });
    expect(res.status).toBe(201);
    expect(await stack.messages.findOne({ author: "long" })).toMatchObject({ message });
  });

  it("WHEN a message looks like an operator THEN it is stored as plain text", async () => {
    const res = await fetch(`${stack.backend.url}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ author: "$where", message: '{"$gt": ""}' }),
    });
    expect(res.status).toBe(201);
    expect(await stack.messages.findOne({ author: "$where" })).toMatchObject({ message: '{"$gt": ""}' });
  });
});
