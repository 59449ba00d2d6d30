// The page renderer on its own: dates of every shape an older backend may send, and the pager links.
import { describe, expect, it } from "vitest";
import { renderPage } from "../../apps/frontend/src/page.js";

const entry = (date: unknown) => ({ author: "Ada", message: "hi", date });

describe("GIVEN messages whose date is not an ISO string", () => {
  it("WHEN a date is a number of epoch seconds (the Python guestbook's float) THEN it reads as that time, not 1970", () => {
    const threeMinutesAgo = Date.now() / 1_000 - 180.5;
    const html = renderPage({ listing: { messages: [entry(threeMinutesAgo)] } });
    expect(html).toContain("3 minutes ago");
    expect(html).toContain(`datetime="${new Date(threeMinutesAgo * 1_000).toISOString()}"`);
    expect(html).not.toMatch(/years ago/);
  });

  it.each([
    ["null", null],
    ["an object", { $date: 1 }],
    ["a boolean", true],
    ["text that is no date", "yesterday"],
  ])("WHEN a date is %s THEN the message shows at an unknown time and the page still renders", (_name, date) => {
    const html = renderPage({ listing: { messages: [entry(date)] } });
    expect(html).toContain("at an unknown time");
    expect(html).toContain('datetime=""');
    expect(html).toContain("</html>");
  });
});

describe("GIVEN a page with a next cursor", () => {
  it("WHEN it is the newest page THEN only an Older messages link shows, carrying the cursor", () => {
    const html = renderPage({ listing: { messages: [entry(new Date().toISOString())], next: "abc_-123" } });
    expect(html).toContain('<a href="/?before=abc_-123" rel="next" class="older">Older messages</a>');
    expect(html).not.toContain("Newest messages");
  });

  it("WHEN it is an older page without a next cursor THEN only the link back to the newest shows", () => {
    const html = renderPage({ listing: { messages: [] }, older: true });
    expect(html).toContain('<a href="/" class="newest">Newest messages</a>');
    expect(html).not.toContain("Older messages");
    expect(html).toContain("No older messages.");
  });
});
