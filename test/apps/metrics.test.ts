// Metrics are exact and bounded: counters rise by exactly the requests made, random paths add no series.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ferretdbBin } from "../support/ferretdb.js";
import type { Service } from "../support/services.js";
import { metricsText, postJson, sample, startFrontend, startStack, type Stack } from "./fixture.js";

function seriesCount(text: string): number {
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("#")).length;
}

describe.skipIf(!ferretdbBin)("GIVEN the backend and the frontend with metrics on", () => {
  let stack: Stack;
  let frontend: Service;
  beforeAll(async () => {
    stack = await startStack();
    frontend = await startFrontend(stack);
  });
  afterAll(async () => {
    await frontend?.kill();
    await stack?.close();
  });

  it("WHEN /metrics is scraped THEN the documented metric families are exposed", async () => {
    const text = await metricsText(stack.backend.url);
    for (const name of [
      "process_resident_memory_bytes",
      "nodejs_eventloop_lag_seconds",
      "http_requests_total",
      "http_request_duration_seconds",
      "guestbook_messages_created_total",
      "guestbook_mongodb_operation_duration_seconds",
      "guestbook_mongodb_up",
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain("# TYPE http_request_duration_seconds histogram");
    const front = await metricsText(frontend.url);
    for (const name of ["http_requests_total", "http_request_duration_seconds", "guestbook_backend_up"]) {
      expect(front).toContain(`# TYPE ${name} `);
    }
  });

  it("WHEN 1,000 random unknown paths are requested THEN at most a handful of series appear, all route=unmatched", async () => {
    for (const service of [stack.backend, frontend]) {
      const before = await metricsText(service.url);
      for (let batch = 0; batch < 10; batch++) {
        await Promise.all(
          Array.from({ length: 100 }, async () => {
            const res = await fetch(`${service.url}/${Math.random().toString(36).slice(2)}/${batch}`);
            await res.body?.cancel();
            expect(res.status).toBe(404);
          }),
        );
      }
      const after = await metricsText(service.url);
      // New label sets: route="unmatched", and route="/metrics" (the first scrape was not yet counted).
      const labelSets = (text: string): number => text.split("\n").filter((l) => l.startsWith("http_requests_total{")).length;
      expect(labelSets(after) - labelSets(before)).toBeLessThanOrEqual(2);
      // Each label set is 15 lines (counter, 12 buckets, sum, count); slack for default GC series.
      expect(seriesCount(after) - seriesCount(before)).toBeLessThanOrEqual(2 * 15 + 10);
      const unmatched = 'http_requests_total{method="GET",route="unmatched",status_code="404"}';
      expect(sample(after, unmatched) - sample(before, unmatched)).toBe(1_000);
      expect(after).not.toMatch(/route="\/[a-z0-9]{6,}\//);
    }
  });

  it("WHEN 37 messages are posted and 11 lists read THEN the counters rise by exactly 37 and 11", async () => {
    const url = stack.backend.url;
    const created = "guestbook_messages_created_total";
    const posts = 'http_requests_total{method="POST",route="/messages",status_code="201"}';
    const lists = 'http_requests_total{method="GET",route="/messages",status_code="200"}';
    const rejected = 'http_requests_total{method="POST",route="/messages",status_code="400"}';
    const listCount = 'http_request_duration_seconds_count{method="GET",route="/messages",status_code="200"}';
    const before = await metricsText(url);
    for (let i = 0; i < 37; i++) await (await postJson(url, { author: "count", message: `c${i}` })).body?.cancel();
    for (let i = 0; i < 11; i++) await (await fetch(`${url}/messages?limit=3`)).body?.cancel();
    for (let i = 0; i < 5; i++) await (await postJson(url, { author: "", message: "x" })).body?.cancel();
    const after = await metricsText(url);
    expect(sample(after, created) - sample(before, created)).toBe(37);
    expect(sample(after, posts) - sample(before, posts)).toBe(37);
    expect(sample(after, rejected) - sample(before, rejected)).toBe(5);
    expect(sample(after, lists) - sample(before, lists)).toBe(11);
    expect(sample(after, listCount) - sample(before, listCount)).toBe(11);
    const inserts = 'guestbook_mongodb_operation_duration_seconds_count{operation="insert",outcome="ok"}';
    expect(sample(after, inserts) - sample(before, inserts)).toBe(37);
    expect(sample(after, "guestbook_mongodb_up")).toBe(1);
  });

  it("WHEN the frontend page is loaded 7 times THEN its counter for route / rises by exactly 7", async () => {
    const series = 'http_requests_total{method="GET",route="/",status_code="200"}';
    const before = sample(await metricsText(frontend.url), series);
    for (let i = 0; i < 7; i++) await (await fetch(`${frontend.url}/`)).body?.cancel();
    expect(sample(await metricsText(frontend.url), series) - before).toBe(7);
  });
});

describe.skipIf(!ferretdbBin)("GIVEN the backend with METRICS_ENABLED=false", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ METRICS_ENABLED: "false" });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("WHEN requests are served THEN no HTTP request series are recorded, the rest still is", async () => {
    await (await postJson(stack.backend.url, { author: "off", message: "x" })).body?.cancel();
    const text = await metricsText(stack.backend.url);
    expect(text).not.toContain("http_requests_total{");
    expect(sample(text, "guestbook_messages_created_total")).toBe(1);
  });
});
