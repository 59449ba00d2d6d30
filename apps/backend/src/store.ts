// The messages collection: newest-first reads with a cursor, inserts with a server timestamp.
import { MongoClient, ObjectId, type Collection } from "mongodb";
import { log } from "./log.js";
import { mongoDuration, mongoUp } from "./metrics.js";
import type { Cursor, NewMessage, Page } from "./validate.js";

/** A stored message as the API returns it. */
export interface Message {
  readonly author: string;
  readonly message: string;
  readonly date: string;
}

interface Doc {
  _id: ObjectId;
  author: string;
  message: string;
  date: Date;
}

/** Short timeouts so a request fails fast with 503 while the database is away. */
const clientOptions = {
  serverSelectionTimeoutMS: 2_000,
  // Heartbeats use it as their socket timeout: keep it well above a busy database's latency, because a
  // missed heartbeat clears the pool and fails every request in flight. Requests to a database that is
  // gone still fail fast through serverSelectionTimeoutMS.
  connectTimeoutMS: 10_000,
  // A burst beyond this waits in the driver's queue instead of opening ever more connections to a
  // database that is already busy.
  maxPoolSize: 20,
  socketTimeoutMS: 10_000,
  heartbeatFrequencyMS: 2_000,
  appName: "guestbook-backend",
} as const;

/** Newest first; the id breaks ties between messages stored in the same millisecond. */
const order = { date: -1, _id: -1 } as const;

/** Errors that mean "the database cannot be reached right now" (answered with 503). */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return /MongoServerSelectionError|MongoNetworkError|MongoNetworkTimeoutError|MongoTopologyClosedError|MongoPoolClearedError|MongoNotConnectedError/.test(
    error.name,
  );
}

export class Store {
  private readonly client: MongoClient;
  private readonly messages: Collection<Doc>;
  private indexed = false;
  private closed = false;

  constructor(uri: string) {
    this.client = new MongoClient(uri, clientOptions);
    this.messages = this.client.db("guestbook").collection<Doc>("messages");
    mongoUp.set(0);
    this.client.on("serverHeartbeatSucceeded", () => mongoUp.set(1));
    this.client.on("serverHeartbeatFailed", () => mongoUp.set(0));
  }

  /** Connects and creates the index in the background, retrying until the database answers. */
  start(): void {
    const attempt = async (): Promise<void> => {
      if (this.closed || this.indexed) return;
      try {
        await this.timed("createIndex", () => this.messages.createIndex(order, { name: "date_id_desc" }));
        this.indexed = true;
        log("info", "index ready", { collection: "messages" });
      } catch (error) {
        log("warn", "database not ready, retrying", { error: String(error) });
        setTimeout(() => void attempt(), 2_000).unref();
      }
    };
    void attempt();
  }

  private async timed<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const end = mongoDuration.startTimer({ operation });
    try {
      const result = await run();
      end({ outcome: "ok" });
      mongoUp.set(1);
      return result;
    } catch (error) {
      end({ outcome: "error" });
      if (isUnavailable(error)) mongoUp.set(0);
      throw error;
    }
  }

  async list(page: Page): Promise<{ messages: Message[]; next?: Cursor }> {
    const filter = page.before ? after(page.before) : {};
    const docs = await this.timed("find", () => this.messages.find(filter).sort(order).limit(page.limit).toArray());
    const last = docs.at(-1);
    const next = docs.length === page.limit && last ? { date: last.date, id: last._id.toHexString() } : undefined;
    return { messages: docs.map(toMessage), ...(next ? { next } : {}) };
  }

  async insert(input: NewMessage): Promise<Message> {
    // Only plain strings reach the database: validate.ts has checked both fields.
    const doc: Doc = { _id: new ObjectId(), author: input.author, message: input.message, date: new Date() };
    await this.timed("insert", () => this.messages.insertOne(doc));
    return toMessage(doc);
  }

  async ping(): Promise<void> {
    await this.timed("ping", () => this.client.db("guestbook").command({ ping: 1 }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client.close();
  }
}

/** Messages strictly older than the cursor in the newest-first order. */
function after(cursor: Cursor): object {
  const id = new ObjectId(cursor.id);
  return { $or: [{ date: { $lt: cursor.date } }, { date: cursor.date, _id: { $lt: id } }] };
}

function toMessage(doc: Doc): Message {
  return { author: doc.author, message: doc.message, date: doc.date.toISOString() };
}
