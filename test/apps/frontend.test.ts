// The frontend against a real backend and FerretDB: escaping, POST-redirect-GET, and degraded pages.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ferretdbBin } from "../support/ferretdb.js";
import { startService, type Service } from "../support/services.js";
import { metricsText, sample, startFrontend, startStack, until, type Stack } from "./fixture.js";

function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${url}/messages`, { method: "POST", body: new URLSearchParams(fields), redirect: "manual" });
}

describe.skipIf(!ferretdbBin)("GIVEN the frontend in front of the backend on a real FerretDB", () => {
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

  it("WHEN the page is loaded THEN it is HTML with a strict CSP and a form posting to /messages", async () => {
    const res = await fetch(`${frontend.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("script-src");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    expect(html).toContain('<form method="post" action="/messages">');
    expect(html).not.toContain("<script");
  });

  it("WHEN an XSS payload is posted through the form THEN it redirects (303) and the page shows it as text", async () => {
    const author = `<script>alert("a")</script>`;
    const message = `<img src=x onerror=alert(1)> "quoted" & 'single' </p><b>bold</b>`;
    const post = await postForm(frontend.url, { author, message });
    expect(post.status).toBe(303);
    expect(post.headers.get("location")).toBe("/");
    expect(await stack.messages.countDocuments({ author })).toBe(1);

    const html = await (await fetch(`${frontend.url}/`)).text();
    expect(html).toContain("&lt;script&gt;alert(&quot;a&quot;)&lt;/script&gt;");
    expect(html).toContain(
      "&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &amp; &#39;single&#39; &lt;/p&gt;&lt;b&gt;bold&lt;/b&gt;",
    );
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>bold");
    expect(html).toMatch(/just now|seconds? ago|minute ago/);
  });

  it("WHEN the form is posted with a blank name THEN the page says why (400), keeps the draft and stores nothing", async () => {
    const before = await stack.messages.countDocuments();
    const res = await postForm(frontend.url, { author: "   ", message: "<kept draft>" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/class="error"[^>]*>Not posted: author/);
    expect(html).toContain("&lt;kept draft&gt;</textarea>");
    expect(await stack.messages.countDocuments()).toBe(before);
  });

  it("WHEN the database is down THEN a post shows an error (503), reaches the backend exactly once, and stores nothing", async () => {
    const series = 'http_requests_total{method="POST",route="/messages",status_code="503"}';
    const before = sample(await metricsText(stack.backend.url), series);
    await stack.db.stop();
    try {
      const res = await postForm(frontend.url, { author: "Ada", message: "during the outage" });
      expect(res.status).toBe(503);
      expect(await res.text()).toContain("Your message was not saved");
      // Only one attempt: the frontend never retries a post on its own.
      // (The backend may finish its 503 after the frontend gave up waiting, so poll for it first.)
      await until("the backend counted the post", async () => sample(await metricsText(stack.backend.url), series) > before, 10_000);
      expect(sample(await metricsText(stack.backend.url), series) - before).toBe(1);
      const page = await fetch(`${frontend.url}/`);
      expect(page.status).toBe(503);
      expect(await page.text()).toContain("Messages unavailable");
    } finally {
      await stack.db.restart();
    }
    expect(await stack.messages.countDocuments({ message: "during the outage" })).toBe(0);
    await until("the page recovers", async () => (await fetch(`${frontend.url}/`)).status === 200, 30_000);
  });

  it("WHEN the backend hangs (SIGSTOP) THEN the page still renders 503 with the notice after the timeout", async () => {
    const pid = stack.backend.child.pid!;
    process.kill(pid, "SIGSTOP");
    try {
      const res = await fetch(`${frontend.url}/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain("Messages unavailable");
      expect((await fetch(`${frontend.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${frontend.url}/healthz`)).status).toBe(200);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    await until("the page recovers", async () => (await fetch(`${frontend.url}/`)).status === 200, 30_000);
    expect((await fetch(`${frontend.url}/readyz`)).status).toBe(200);
  });

  it("WHEN the backend process is gone THEN the page renders 503, a post shows an error, and the frontend lives on", async () => {
    // A frontend of its own whose backend has gone away, so the shared one keeps its backend for other tests.
    const backend = await startService({ app: "backend", env: { GUESTBOOK_DB_ADDR: stack.db.addr } });
    const frontend = await startService({ app: "frontend", env: { GUESTBOOK_API_ADDR: `127.0.0.1:${backend.port}` } });
    try {
      await until("the frontend is ready", async () => (await fetch(`${frontend.url}/readyz`)).status === 200, 30_000);
      await backend.kill();
      await expectBackendGone(frontend);
    } finally {
      await frontend.kill();
      await backend.kill();
    }
  });

  async function expectBackendGone(frontend: Service): Promise<void> {
    const page = await fetch(`${frontend.url}/`);
    expect(page.status).toBe(503);
    const html = await page.text();
    expect(html).toContain("Messages unavailable");
    expect(html).toContain("<form");
    const post = await postForm(frontend.url, { author: "Ada", message: "nobody home" });
    expect(post.status).toBe(503);
    expect(await post.text()).toContain("not saved");
    expect((await fetch(`${frontend.url}/readyz`)).status).toBe(503);
    expect(sample(await metricsText(frontend.url), "guestbook_backend_up")).toBe(0);
    expect(frontend.child.exitCode).toBeNull();
  }

  it("WHEN an unknown path is requested THEN the frontend answers JSON 404", async () => {
    const res = await fetch(`${frontend.url}/wp-admin`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "not found" });
  });
});
