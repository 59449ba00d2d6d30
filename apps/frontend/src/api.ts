// Client of the backend API with a hard timeout, so a slow backend degrades the page instead of hanging it.
import { backendDuration, backendUp } from "./metrics.js";

/** A message as the backend returns it. `date` is an ISO string; older backends sent other shapes, so it is checked. */
export interface Message {
  readonly author: string;
  readonly message: string;
  readonly date: unknown;
}

/** One page of messages, newest first, and the cursor of the next (older) page when there is one. */
export interface Listing {
  readonly messages: readonly Message[];
  readonly next?: string;
}

/** Messages per page of the guestbook. */
export const pageSize = 50;

/** The backend's cursors (apps/backend/src/validate.ts): short base64url text, passed through as is. */
export const cursorPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** The backend did not answer usefully (down, slow, or 5xx). */
export class Unavailable extends Error {}

/** The backend refused the input (4xx) and said why. */
export class Rejected extends Error {
  constructor(
    message: string,
    readonly field: string | undefined,
  ) {
    super(message);
  }
}

export class Api {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  private async call(operation: string, path: string, init: RequestInit = {}): Promise<Response> {
    const end = backendDuration.startTimer({ operation });
    try {
      const res = await fetch(this.baseUrl + path, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      backendUp.set(1);
      if (res.status >= 500) {
        await res.body?.cancel();
        end({ outcome: "error" });
        throw new Unavailable(`backend answered ${res.status}`);
      }
      end({ outcome: res.ok ? "ok" : "rejected" });
      return res;
    } catch (error) {
      if (error instanceof Unavailable) throw error;
      end({ outcome: "error" });
      backendUp.set(0);
      throw new Unavailable(`backend unreachable: ${(error as Error).message}`);
    }
  }

  /** One page; `before` is a cursor from an earlier page (checked against cursorPattern by the caller). */
  async list(before?: string): Promise<Listing> {
    const query = before === undefined ? "" : `&before=${encodeURIComponent(before)}`;
    const res = await this.call("list", `/messages?limit=${pageSize}${query}`);
    let body: unknown;
    try {
      body = await res.json();
    } catch (error) {
      throw new Unavailable(`backend answer unreadable: ${(error as Error).message}`);
    }
    if (res.status === 400) {
      const reason = (body as { error?: unknown }).error;
      throw new Rejected(typeof reason === "string" ? reason : "bad request", "before");
    }
    if (!res.ok || !Array.isArray(body)) throw new Unavailable(`backend answer unreadable: status ${res.status}`);
    const next = res.headers.get("next-cursor");
    return { messages: body as Message[], ...(next !== null && cursorPattern.test(next) ? { next } : {}) };
  }

  /** Posts once; never retried, so a failure is shown rather than risking a double post. */
  async create(author: string, message: string): Promise<void> {
    const res = await this.call("create", "/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ author, message }),
    });
    if (res.status === 201) {
      await res.body?.cancel();
      return;
    }
    const body = (await res.json().catch(() => ({}))) as { error?: unknown; field?: unknown };
    const reason = typeof body.error === "string" ? body.error : `backend answered ${res.status}`;
    throw new Rejected(reason, typeof body.field === "string" ? body.field : undefined);
  }

  /** True when the backend answers its liveness check in time. */
  async reachable(): Promise<boolean> {
    try {
      const res = await this.call("healthz", "/healthz");
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }
}
