// A real browser (Debian's chromium via playwright-core) signs the guestbook with JavaScript off.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ferretdbBin } from "../support/ferretdb.js";
import { startService, type Service } from "../support/services.js";
import { requireTool } from "../support/tools.js";
import { startStack, type Stack } from "./fixture.js";
import { chromiumArgs } from "../support/chromium.js";

const chromiumBin = requireTool("chromium", "apt-get install chromium");
const outputDir = join(process.cwd(), "test-output");

const skip = !ferretdbBin || !chromiumBin;
let browser: Browser;
beforeAll(async () => {
  if (skip) return;
  browser = await chromium.launch({
    executablePath: chromiumBin,
    args: [...chromiumArgs],
  });
});
afterAll(async () => {
  await browser?.close();
});

describe.skipIf(skip)("GIVEN the guestbook in a real browser without JavaScript", () => {
  let stack: Stack;
  let frontend: Service;
  beforeAll(async () => {
    stack = await startStack();
    frontend = await startService({ app: "frontend", env: { GUESTBOOK_API_ADDR: `127.0.0.1:${stack.backend.port}` } });
    await stack.messages.insertOne({ author: "Grace", message: "First!", date: new Date(Date.now() - 3 * 60_000) });
  });
  afterAll(async () => {
    await frontend?.kill();
    await stack?.close();
  });

  it("WHEN the form is filled and submitted THEN the new message is listed first, escaped, and older ones show relative times", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 900, height: 700 } });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const first = await page.goto(frontend.url);
    expect(first?.status()).toBe(200);
    await expect(page.locator(".message .author").first().textContent()).resolves.toBe("Grace");
    await expect(page.locator(".message time").first().textContent()).resolves.toBe("3 minutes ago");

    await page.fill("#author", "Browser <b>user</b>");
    await page.fill("#message", "Signed from chromium 🎉\nsecond line");
    await Promise.all([page.waitForURL(`${frontend.url}/`), page.click("button[type=submit]")]);

    const newest = page.locator(".message").first();
    await expect(newest.locator(".author").textContent()).resolves.toBe("Browser <b>user</b>");
    await expect(newest.locator(".text").textContent()).resolves.toBe("Signed from chromium 🎉\nsecond line");
    await expect(newest.locator("time").textContent()).resolves.toBe("just now");
    await expect(page.locator(".message b").count()).resolves.toBe(0);
    // The stylesheet loaded under the CSP (the button is styled blue).
    type Styles = { getComputedStyle(element: unknown): { backgroundColor: string } };
    const background = await page
      .locator("button[type=submit]")
      .evaluate((el) => (globalThis as unknown as Styles).getComputedStyle(el).backgroundColor);
    expect(background).toBe("rgb(37, 99, 235)");
    expect(violations).toEqual([]);

    mkdirSync(outputDir, { recursive: true });
    await page.screenshot({ path: join(outputDir, "guestbook.png"), fullPage: true });
    await context.close();
  });
});

describe.skipIf(skip)("GIVEN 120 messages in the guestbook, seen in a real browser without JavaScript", () => {
  let stack: Stack;
  let frontend: Service;
  const start = Date.now() - 3_600_000;
  beforeAll(async () => {
    stack = await startStack({}, (messages) =>
      messages.insertMany(
        Array.from({ length: 120 }, (_, i) => ({ author: "pager", message: `m${i}`, date: new Date(start + i * 1_000) })),
      ),
    );
    frontend = await startService({ app: "frontend", env: { GUESTBOOK_API_ADDR: `127.0.0.1:${stack.backend.port}` } });
  });
  afterAll(async () => {
    await frontend?.kill();
    await stack?.close();
  });

  it("WHEN “Older messages” is followed from the first page THEN the oldest is reached on page 3 and none repeats", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    expect((await page.goto(frontend.url))?.status()).toBe(200);
    const seen: string[] = [];
    let pages = 1;
    for (;;) {
      seen.push(...(await page.locator(".message .text").allTextContents()));
      const older = page.locator("a[rel=next]");
      if ((await older.count()) === 0) break;
      await expect(older.textContent()).resolves.toBe("Older messages");
      const href = (await older.getAttribute("href")) ?? "";
      expect(href).toMatch(/^\/\?before=[A-Za-z0-9_-]+$/);
      const response = await Promise.all([page.waitForURL(frontend.url + href), page.waitForResponse(frontend.url + href), older.click()]);
      expect(response[1].status()).toBe(200);
      pages++;
      if (pages > 5) break;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    expect(seen.at(-1)).toBe("m0");
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => `m${119 - i}`));
    await expect(page.locator("a.newest").getAttribute("href")).resolves.toBe("/");
    await context.close();
  });
});
