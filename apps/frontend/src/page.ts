// The guestbook page, rendered on the server; works without JavaScript (the page ships none).
import type { Message } from "./api.js";
import { escapeHtml } from "./escape.js";
import { relativeTime } from "./time.js";

/** What one render shows besides the form. */
export interface View {
  /** Messages to list, or undefined when the backend could not be asked. */
  readonly messages?: readonly Message[];
  /** A problem with the last post, shown above the form. */
  readonly postError?: string;
  /** Form values to put back after a rejected post. */
  readonly draft?: { readonly author: string; readonly message: string };
}

function item(entry: Message, now: Date): string {
  const date = new Date(entry.date);
  const iso = Number.isNaN(date.getTime()) ? "" : date.toISOString();
  return `<li class="message">
      <p class="meta"><span class="author">${escapeHtml(String(entry.author))}</span>
      <time datetime="${escapeHtml(iso)}" title="${escapeHtml(iso)}">${escapeHtml(relativeTime(date, now))}</time></p>
      <p class="text">${escapeHtml(String(entry.message))}</p>
    </li>`;
}

function list(messages: readonly Message[] | undefined): string {
  if (messages === undefined) {
    return `<p class="notice" role="alert">Messages unavailable: the guestbook service is not answering. Try again shortly.</p>`;
  }
  if (messages.length === 0) return `<p class="empty">No messages yet. Be the first to sign.</p>`;
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
  ${list(view.messages)}
  </section>
</main>
</body>
</html>
`;
}
