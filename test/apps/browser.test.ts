// A real browser (Debian's chromium via playwright-core) signs the guestbook with JavaScript off.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ferretdbBin } from "../support/ferretdb.js";
import { startService, type Service } from "../support/services.js";
import { requireTool } from "../support/tools.js";
import { startStack, type Stack } from "./fixture.js";

const chromiumBin = requireTool("chromium", "apt-get install chromium");
const outputDir = join(process.cwd(), "test-output");

describe.skipIf(!ferretdbBin || !chromiumBin)("GIVEN the guestbook in a real browser without JavaScript", () => {
  let stack: Stack;
  let frontend: Service;
  let browser: Browser;
  beforeAll(async () => {
    stack = await startStack();
    frontend = await startService({ app: "frontend", env: { GUESTBOOK_API_ADDR: `127.0.0.1:${stack.backend.port}` } });
    await stack.messages.insertOne({ author: "Grace", message: "First!", date: new Date(Date.now() - 3 * 60_000) });
    browser = await chromium.launch({
      executablePath: chromiumBin,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
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
