// Documents written by other guestbooks. The original Python guestbook stores `date` as a float of epoch
// seconds; BSON orders every number before every date, so a mixed collection cannot be sorted or paged by
// `date` as it is. At start the backend rewrites each such date to a BSON Date, once (reruns find nothing).
import { Decimal128, ObjectId, type Collection, type Document } from "mongodb";
import { log } from "./log.js";
import { messagesMigrated, messagesSkipped } from "./metrics.js";

/** Numbers above this are taken for milliseconds (JavaScript writers) rather than seconds (Python's time.time()). */
const millisecondsAbove = 1e11;

/** ISO 8601 dates, with or without a time and zone (Date.parse alone would accept far looser text). */
const isoDate = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?$/;

function valid(date: Date): Date | undefined {
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The time of a stored message as a Date: a BSON Date as is, a number as epoch seconds (or milliseconds when
 * huge), an ISO string, or, when the date is missing, the creation time in its ObjectId. Undefined when none
 * of these applies: the document is beyond saving.
 */
export function dateOf(value: unknown, id: unknown): Date | undefined {
  if (value instanceof Date) return valid(value);
  if (value instanceof Decimal128) value = Number(value.toString());
  if (typeof value === "number" && Number.isFinite(value)) {
    return valid(new Date(value > millisecondsAbove ? value : value * 1_000));
  }
  if (typeof value === "string" && isoDate.test(value.trim())) return valid(new Date(value.trim()));
  if ((value === undefined || value === null) && id instanceof ObjectId) return id.getTimestamp();
  return undefined;
}

/** Why a document cannot be listed, or undefined when it can. */
export function flaw(doc: Document): string | undefined {
  if (!(doc._id instanceof ObjectId)) return "_id: expected an ObjectId";
  if (typeof doc.author !== "string") return "author: expected a string";
  if (typeof doc.message !== "string") return "message: expected a string";
  if (!(doc.date instanceof Date) || Number.isNaN(doc.date.getTime())) return "date: expected a BSON date";
  return undefined;
}

/** What one migration did. */
export interface Migration {
  readonly migrated: number;
  readonly skipped: number;
}

/**
 * Rewrites every `date` that is not a BSON Date. Each update is conditional on the old value, so two
 * replicas migrating at once, or a rerun, change nothing twice. Documents beyond saving are logged,
 * counted in guestbook_messages_skipped_total and left as they are (listing leaves them out).
 */
export async function migrate(messages: Collection<Document>): Promise<Migration> {
  let migrated = 0;
  let skipped = 0;
  const cursor = messages.find({ date: { $not: { $type: "date" } } }, { projection: { _id: 1, date: 1 } });
  for await (const doc of cursor) {
    const date = dateOf(doc.date, doc._id);
    if (!date || !(doc._id instanceof ObjectId)) {
      skipped++;
      messagesSkipped.inc({ reason: "date" });
      log("warn", "message skipped: date unreadable", { id: String(doc._id), date: String(doc.date) });
      continue;
    }
    const old = doc.date === undefined ? { date: { $exists: false } } : { date: doc.date };
    const result = await messages.updateOne({ _id: doc._id, ...old }, { $set: { date } });
    migrated += result.modifiedCount;
  }
  messagesMigrated.inc(migrated);
  if (migrated || skipped) log("info", "legacy dates migrated", { migrated, skipped });
  return { migrated, skipped };
}
