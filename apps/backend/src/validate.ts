// Checks a POST /messages body. Lengths count Unicode code points after trimming, so one emoji is one
// character (64 emoji fit in an author; 65 do not). Grapheme clusters (e.g. flags, ZWJ families) count
// as their several code points.

/** A rejected input: which field, and what was expected. */
export interface Invalid {
  readonly field: string;
  readonly error: string;
}

/** A message as the client may submit it, after trimming. */
export interface NewMessage {
  readonly author: string;
  readonly message: string;
}

export const limits = { author: 64, message: 1024 } as const;

const loneSurrogate = /\p{Surrogate}/u;
// Authors are one line; messages may hold line breaks and tabs (a textarea posts CRLF).
const authorControl = /[\p{Cc}\u2028\u2029]/u;
const messageControl = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;

function text(field: keyof typeof limits, value: unknown, control: RegExp): string | Invalid {
  const max = limits[field];
  if (typeof value !== "string") return { field, error: `${field}: expected a string of 1-${max} characters` };
  if (loneSurrogate.test(value)) return { field, error: `${field}: expected valid Unicode (lone surrogate found)` };
  if (control.test(value)) return { field, error: `${field}: control characters are not allowed` };
  const trimmed = value.trim();
  const length = [...trimmed].length;
  if (length < 1) return { field, error: `${field}: expected 1-${max} characters, got an empty value` };
  if (length > max) return { field, error: `${field}: expected at most ${max} characters, got ${length}` };
  return trimmed;
}

export function validateMessage(body: unknown): NewMessage | Invalid {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { field: "body", error: "body: expected a JSON object {author, message}" };
  }
  const unknown = Object.keys(body).find((key) => key !== "author" && key !== "message");
  if (unknown !== undefined) return { field: unknown, error: `${unknown}: unexpected field, expected only author and message` };
  const record = body as Record<string, unknown>;
  const author = text("author", record.author, authorControl);
  if (typeof author !== "string") return author;
  const message = text("message", record.message, messageControl);
  if (typeof message !== "string") return message;
  return { author, message };
}

/** Pagination parameters of GET /messages. */
export interface Page {
  readonly limit: number;
  readonly before?: Cursor;
}

/** Position of a message in the newest-first order: its date, then its id to break ties. */
export interface Cursor {
  readonly date: Date;
  readonly id: string;
}

export const pageLimits = { default: 50, max: 200 } as const;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.date.getTime()}.${cursor.id}`).toString("base64url");
}

function decodeCursor(raw: string): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw)) return undefined;
  const match = /^(\d{1,15})\.([0-9a-f]{24})$/.exec(Buffer.from(raw, "base64url").toString());
  if (!match) return undefined;
  return { date: new Date(Number(match[1])), id: match[2]! };
}

export function validatePage(query: Record<string, unknown>): Page | Invalid {
  const { limit, before } = query;
  let parsed: number = pageLimits.default;
  if (limit !== undefined) {
    parsed = typeof limit === "string" && /^\d{1,3}$/.test(limit) ? Number(limit) : NaN;
    if (!(parsed >= 1 && parsed <= pageLimits.max)) {
      return { field: "limit", error: `limit: expected an integer 1-${pageLimits.max}` };
    }
  }
  if (before === undefined) return { limit: parsed };
  const cursor = typeof before === "string" ? decodeCursor(before) : undefined;
  if (!cursor) return { field: "before", error: "before: expected a cursor from the Next-Cursor header" };
  return { limit: parsed, before: cursor };
}

export function isInvalid(value: object): value is Invalid {
  return "field" in value && "error" in value;
}
