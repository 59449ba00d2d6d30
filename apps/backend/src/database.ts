// Connects to MongoDB whatever starts first. The driver (7.x) never recovers from a failed first connect on
// the same client: the failed connect closes the topology but leaves it attached, and later operations fail
// with "Topology is closed". So every failed attempt discards its client and the next one starts afresh.
// Once connected, the driver rides out restarts of the database, almost always within seconds; twice in CI it
// had not after 60 s. So a client whose operations have failed as unavailable for reconnectAfterMs, with no
// success between, is dropped for a new one.
import { MongoClient, type Db, type MongoClientOptions } from "mongodb";
import { log } from "./log.js";
import { mongoConnects, mongoUp } from "./metrics.js";

/** Where and how to connect. */
export interface DatabaseOptions {
  readonly uri: string;
  /** Given as driver options, never put into the URI, so any character works. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Longest pause between attempts; the first pause is 100 ms, doubling up to this. */
  readonly retryMaxMs: number;
  /** Runs once per process after the first connect (migration, index); retried like a connect until it succeeds. */
  readonly prepare: (db: Db) => Promise<void>;
  /** How long a connected client may fail every operation as unavailable before it is replaced. */
  readonly reconnectAfterMs: number;
}

/** Operations asked for before the first connect succeeded; answered 503 like any outage. */
export class DatabaseUnavailable extends Error {
  override readonly name = "DatabaseUnavailable";
}

/** Short timeouts so a request fails fast with 503 while the database is away. */
const clientOptions: MongoClientOptions = {
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
};

const firstPauseMs = 100;

export class Database {
  private client: MongoClient | undefined;
  private db: Db | undefined;
  private lastError = "not connected yet";
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> | undefined;
  /** When the current client's operations began to fail as unavailable, with no success since. */
  private failingSince: number | undefined;

  constructor(private readonly options: DatabaseOptions) {
    mongoUp.set(0);
  }

  /** Starts connecting in the background; returns at once. */
  start(): void {
    this.schedule(0, 0);
  }

  /** The database once connected and prepared; throws DatabaseUnavailable before that. */
  get(): Db {
    if (!this.db) throw new DatabaseUnavailable(`database not connected: ${this.lastError}`);
    return this.db;
  }

  /** Pings through the current client; throws DatabaseUnavailable before the first connect. */
  async ping(): Promise<void> {
    await this.get().command({ ping: 1 });
  }

  /** An operation through the current client succeeded. */
  succeeded(): void {
    this.failingSince = undefined;
  }

  /** An operation through the current client failed as unavailable: past reconnectAfterMs, start afresh. */
  unavailable(error: Error): void {
    if (!this.db || this.closed) return;
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.failingSince < this.options.reconnectAfterMs) return;
    const message = `${error.name}: ${error.message}`;
    log("warn", "database unavailable too long, reconnecting with a new client", {
      seconds: Math.round((now - this.failingSince) / 1000),
      error: message,
    });
    const stale = this.client;
    this.client = undefined;
    this.db = undefined;
    this.failingSince = undefined;
    this.lastError = message;
    mongoUp.set(0);
    void stale?.close(true).catch(() => undefined);
    // Prepare runs again on the new client: both steps are idempotent (the migration finds nothing to change).
    this.schedule(0, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.attempt?.catch(() => undefined);
    await this.client?.close();
  }

  private schedule(delayMs: number, failures: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.attempt = this.connect(failures);
    }, delayMs);
  }

  private async connect(failures: number): Promise<void> {
    const { uri, auth, retryMaxMs, prepare } = this.options;
    // Reuse a client that connected but whose prepare step failed; anything else starts from a new client.
    const client = this.client ?? new MongoClient(uri, { ...clientOptions, ...(auth ? { auth } : {}) });
    let stage = "connect";
    try {
      if (!this.client) {
        await client.connect();
        this.client = client;
        client.on("serverHeartbeatSucceeded", () => mongoUp.set(1));
        client.on("serverHeartbeatFailed", () => mongoUp.set(0));
      }
      stage = "prepare";
      const db = client.db("guestbook");
      await prepare(db);
      if (this.closed) return;
      this.db = db;
      mongoUp.set(1);
      mongoConnects.inc({ outcome: "ok" });
      log("info", "database ready", { attempts: failures + 1 });
    } catch (error) {
      if (stage === "connect") await client.close().catch(() => undefined);
      const message = `${(error as Error).name}: ${(error as Error).message}`;
      mongoConnects.inc({ outcome: "error" });
      // One line per distinct error, then every tenth attempt, so a long outage does not flood the log.
      if (message !== this.lastError || (failures + 1) % 10 === 0) {
        log("warn", "database not ready, retrying", { stage, attempt: failures + 1, error: message });
      }
      this.lastError = message;
      this.schedule(Math.min(retryMaxMs, firstPauseMs * 2 ** failures), failures + 1);
    }
  }
}
