// Delivers push events to Argo CD (or any GitHub-style receiver). Delivery never blocks or fails a push. While the
// receiver does not answer at all (not started yet, restarting) an event is retried until it does, with a capped
// backoff; a newer event for the same repository and ref replaces a waiting one, so nothing piles up. An answer
// that is an error (408, 429, 5xx) is retried a bounded number of times.
import { createHmac, randomUUID } from "node:crypto";
import { log } from "./log.js";

export interface WebhookOptions {
  readonly url: string;
  readonly secret: string | undefined;
  /** Attempts that got an error answer before giving up; attempts that got no answer do not count. */
  readonly maxAttempts: number;
  readonly backoffMs: number;
  /** The longest wait between two attempts. */
  readonly maxBackoffMs: number;
  readonly timeoutMs: number;
}

/** While the receiver is away, log the first attempts and then every tenth, not every one. */
function worthLogging(attempt: number): boolean {
  return attempt <= 3 || attempt % 10 === 0;
}

/** `sha256=<hex HMAC-SHA256 of body>`, the X-Hub-Signature-256 value GitHub sends. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/** 408, 429 and 5xx may pass on a later try; any other 4xx means the receiver refuses this event for good. */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export class Webhook {
  private readonly pending = new Set<Promise<void>>();
  /** The newest event per repository and ref; an older one still waiting stops when it sees a newer one here. */
  private readonly newest = new Map<string, string>();
  private stopping = false;

  constructor(private readonly options: WebhookOptions) {}

  /** Queues one event; returns at once. `fields` go into every log line about it. */
  send(event: string, payload: unknown, fields: Record<string, unknown>): void {
    this.track(this.deliver(event, JSON.stringify(payload), fields));
  }

  /** Tracks background work (such as building a payload) so shutdown can wait for it. */
  track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => log("error", "webhook failed", { error: String(error) }));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** Waits up to `timeoutMs` for queued deliveries; later retries are dropped (and logged). */
  async drain(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), timeoutMs).unref());
    const result = await Promise.race([Promise.all(this.pending).then(() => "done" as const), timeout]);
    if (result === "timeout") log("warn", "webhook deliveries abandoned at shutdown", { pending: this.pending.size });
  }

  private async deliver(event: string, body: string, fields: Record<string, unknown>): Promise<void> {
    const { url, secret, maxAttempts, backoffMs, maxBackoffMs, timeoutMs } = this.options;
    const delivery = randomUUID();
    const key = `${String(fields.repo)} ${String(fields.ref)}`;
    this.newest.set(key, delivery);
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "User-Agent": "stackwave-git-server",
      "X-GitHub-Event": event,
      // Same id on every retry, as GitHub does, so a receiver can drop duplicates.
      "X-GitHub-Delivery": delivery,
    };
    if (secret) headers["X-Hub-Signature-256"] = signature(secret, body);
    const context = { ...fields, delivery, url };
    let errors = 0;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let outcome: { status?: number; error?: string };
      try {
        const response = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(timeoutMs) });
        await response.arrayBuffer().catch(() => undefined);
        outcome = { status: response.status };
      } catch (error) {
        outcome = { error: (error as Error).cause ? String((error as Error).cause) : String(error) };
      }
      const ms = Math.round(performance.now() - started);
      if (outcome.status !== undefined && outcome.status < 300) {
        log("info", "webhook delivered", { ...context, attempt, status: outcome.status, ms });
        return this.done(key, delivery);
      }
      if (outcome.status !== undefined && !retryable(outcome.status)) {
        log("error", "webhook rejected", { ...context, attempt, status: outcome.status, ms });
        return this.done(key, delivery);
      }
      if (outcome.status !== undefined) errors++;
      if (errors === maxAttempts || this.stopping) {
        log("error", "webhook gave up", { ...context, attempts: attempt, ...outcome, ms });
        return this.done(key, delivery);
      }
      const wait = Math.min(backoffMs * 2 ** (attempt - 1), maxBackoffMs);
      if (outcome.status !== undefined || worthLogging(attempt)) {
        log("warn", "webhook attempt failed", { ...context, attempt, ...outcome, ms, retryInMs: wait });
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.newest.get(key) !== delivery) {
        log("info", "webhook superseded", { ...context, attempts: attempt });
        return;
      }
      if (this.stopping) {
        log("error", "webhook gave up", { ...context, attempts: attempt, ...outcome, ms });
        return this.done(key, delivery);
      }
    }
  }

  private done(key: string, delivery: string): void {
    if (this.newest.get(key) === delivery) this.newest.delete(key);
  }
}
