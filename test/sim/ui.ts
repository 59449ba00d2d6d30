// The Argo CD web UI in a real browser: Debian's chromium through playwright-core, logged in as admin.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { argocdUIArchive } from "../../tools/cache/recipes.js";
import { requireTool } from "../support/tools.js";
import { chromiumArgs } from "../support/chromium.js";

export const chromiumBin = requireTool("chromium", "apt-get install chromium");

/** Why the UI tests cannot run here, or undefined when they can. */
export const uiMissing = !chromiumBin
  ? "chromium is missing (apt-get install chromium)"
  : !existsSync(argocdUIArchive)
    ? `the built Argo CD UI is missing at ${argocdUIArchive}: argocd was built without it`
    : undefined;

export const outputDir = join(process.cwd(), "test-output");

export async function launch(): Promise<Browser> {
  mkdirSync(outputDir, { recursive: true });
  return chromium.launch({
    executablePath: chromiumBin!,
    args: [...chromiumArgs],
  });
}

/** Signs in on the UI's own login form and waits for the application list. */
export async function login(browser: Browser, url: string, password: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${url}/login`);
  await page.fill("input[name=username]", "admin");
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
  await page.waitForURL(/\/applications/, { timeout: 30_000 });
  return page;
}

/** The text of one Application's tile on the list page (class qe-applications-list-<namespace>_<name>). */
export function tile(page: Page, namespace: string, name: string) {
  return page.locator(`.qe-applications-list-${namespace}_${name}`);
}
