// The messages collection: newest-first reads with a cursor, inserts with a server timestamp.
import { ObjectId, type Collection, type Document } from "mongodb";
import { Database } from "./database.js";
import { flaw, migrate } from "./legacy.js";
import { log } from "./log.js";
import { messagesSkipped, mongoDuration, mongoUp } from "./metrics.js";
import type { Cursor, NewMessage, Page } from "./validate.js";

/** A stored message as the API returns it. */
export interface Message {
  readonly author: string;
  readonly message: string;
  readonly date: string;
}

/** Newest first; the id breaks ties between messages stored in the same millisecond. */
const order = { date: -1, _id: -1 } as const;

/**
 * Only documents that can be ordered: after the start-up migration that is every one except those beyond
 * saving, which migrate() has logged and counted.
 */
const listable = { date: { $type: "date" }, _id: { $type: "objectId" } } as const;

/** Errors that mean "the database cannot be reached right now" (answered with 503). */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return /MongoServerSelectionError|MongoNetworkError|MongoNetworkTimeoutError|MongoTopologyClosedError|MongoPoolClearedError|MongoNotConnectedError|DatabaseUnavailable/.test(
    error.name,
  );
}

/** Where the store connects; see Database for the retry rules. */
export interface StoreOptions {
  readonly uri: string;
  readonly auth?: { readonly username: string; readonly password: string };
  readonly retryMaxMs: number;
  /** See DatabaseOptions.reconnectAfterMs. */
  readonly reconnectAfterMs: number;
}

export class Store {
  private readonly database: Database;

  constructor(options: StoreOptions) {
    this.database = new Database({
      ...options,
      prepare: async (db) => {
        const messages = db.collection("messages");
        await this.timed("migrate", () => migrate(messages));
        await this.timed("createIndex", () => messages.createIndex(order, { name: "date_id_desc" }));
        log("info", "index ready", { collection: "messages" });
      },
    });
  }

  /** Connects, migrates and indexes in the background, retrying until the database answers. */
  start(): void {
    this.database.start();
  }

  private get messages(): Collection<Document> {
    return this.database.get().collection("messages");
  }

  private async timed<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const end = mongoDuration.startTimer({ operation });
    try {
      const result = await run();
      end({ outcome: "ok" });
      mongoUp.set(1);
      this.database.succeeded();
      return result;
    } catch (error) {
      end({ outcome: "error" });
      if (isUnavailable(error)) {
        mongoUp.set(0);
        this.database.unavailable(error as Error);
      }
      throw error;
    }
  }

  async list(page: Page): Promise<{ messages: Message[]; next?: Cursor }> {
    const filter = page.before ? { ...listable, ...after(page.before) } : listable;
    const messages = this.messages;
    const docs = await this.timed("find", () => messages.find(filter).sort(order).limit(page.limit).toArray());
    const last = docs.at(-1);
    // The cursor comes from the last document read, listed or not, so a skipped one never stops paging.
    const next = docs.length === page.limit && last ? { date: last.date as Date, id: (last._id as ObjectId).toHexString() } : undefined;
    return { messages: docs.flatMap(toMessage), ...(next ? { next } : {}) };
  }

  async insert(input: NewMessage): Promise<Message> {
    // Only plain strings reach the database: validate.ts has checked both fields.
    const doc = { _id: new ObjectId(), author: input.author, message: input.message, date: new Date() };
    const messages = this.messages;
    await this.timed("insert", () => messages.insertOne(doc));
    return { author: doc.author, message: doc.message, date: doc.date.toISOString() };
  }

  async ping(): Promise<void> {
    await this.timed("ping", () => this.database.ping());
  }

  async close(): Promise<void> {
    await this.database.close();
  }
}

/** Messages strictly older than the cursor in the newest-first order. */
function after(cursor: Cursor): object {
  const id = new ObjectId(cursor.id);
  return { $or: [{ date: { $lt: cursor.date } }, { date: cursor.date, _id: { $lt: id } }] };
}

/** The API form of a document, or nothing (logged and counted) when a field cannot be shown. */
function toMessage(doc: Document): Message[] {
  const problem = flaw(doc);
  if (problem) {
    messagesSkipped.inc({ reason: "fields" });
    log("warn", "message skipped", { id: String(doc._id), problem });
    return [];
  }
  return [{ author: doc.author as string, message: doc.message as string, date: (doc.date as Date).toISOString() }];
}
