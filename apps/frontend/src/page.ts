// The guestbook page, rendered on the server; works without JavaScript (the page ships none).
import type { Listing, Message } from "./api.js";
import { escapeHtml } from "./escape.js";
import { relativeTime } from "./time.js";

/** What one render shows besides the form. */
export interface View {
  /** The page of messages to list, or undefined when the backend could not be asked. */
  readonly listing?: Listing;
  /** True when this is not the newest page (then a link back to the newest is shown). */
  readonly older?: boolean;
  /** A notice shown instead of the list, e.g. for a stale "Older messages" link. */
  readonly listError?: string;
  /** A problem with the last post, shown above the form. */
  readonly postError?: string;
  /** Form values to put back after a rejected post. */
  readonly draft?: { readonly author: string; readonly message: string };
}

/**
 * The message's time. The backend sends ISO strings; a number (an older backend passing on the Python
 * guestbook's float seconds) is read as epoch seconds; anything else is an unknown time.
 */
export function dateOf(value: unknown): Date {
  if (typeof value === "string") return new Date(value);
  if (typeof value === "number") return new Date(value * 1_000);
  return new Date(NaN);
}

function item(entry: Message, now: Date): string {
  const date = dateOf(entry.date);
  const iso = Number.isNaN(date.getTime()) ? "" : date.toISOString();
  return `<li class="message">
      <p class="meta"><span class="author">${escapeHtml(String(entry.author))}</span>
      <time datetime="${escapeHtml(iso)}" title="${escapeHtml(iso)}">${escapeHtml(relativeTime(date, now))}</time></p>
      <p class="text">${escapeHtml(String(entry.message))}</p>
    </li>`;
}

/** Plain links, so paging works without JavaScript; the cursor is the backend's, escaped like any text. */
function pager(view: View): string {
  const links = [
    view.older ? `<a href="/" class="newest">Newest messages</a>` : "",
    view.listing?.next
      ? `<a href="/?before=${escapeHtml(encodeURIComponent(view.listing.next))}" rel="next" class="older">Older messages</a>`
      : "",
  ].filter(Boolean);
  return links.length ? `<nav class="pager" aria-label="Pages">${links.join(" ")}</nav>` : "";
}

function list(view: View): string {
  if (view.listError) return `<p class="notice" role="alert">${escapeHtml(view.listError)}</p>`;
  const messages = view.listing?.messages;
  if (messages === undefined) {
    return `<p class="notice" role="alert">Messages unavailable: the guestbook service is not answering. Try again shortly.</p>`;
  }
  if (messages.length === 0) return `<p class="empty">${view.older ? "No older messages." : "No messages yet. Be the first to sign."}</p>`;
  const now = new Date();
  return `<ol class="messages">\n    ${messages.map((entry) => item(entry, now)).join("\n    ")}\n  </ol>`;
}

export function renderPage(view: View): string {
  const error = view.postError ? `<p class="error" role="alert">${escapeHtml(view.postError)}</p>` : "";
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Guestbook</title>
  <link rel="stylesheet" href="/style.css">
</head>
<body>
<main>
  <h1>Guestbook</h1>
  <form method="post" action="/messages">
    ${error}
    <label for="author">Name</label>
    <input id="author" name="author" maxlength="64" required value="${escapeHtml(view.draft?.author ?? "")}">
    <label for="message">Message</label>
    <textarea id="message" name="message" maxlength="1024" rows="3" required>${escapeHtml(view.draft?.message ?? "")}</textarea>
    <button type="submit">Sign the guestbook</button>
  </form>
  <section aria-label="Messages">
  ${list(view)}
  ${pager(view)}
  </section>
</main>
</body>
</html>
`;
}
