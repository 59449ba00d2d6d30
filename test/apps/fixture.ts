// Shared setup for the guestbook tests: a real FerretDB, the backend on it, and a direct client to count.
import { MongoClient, type Collection, type Document } from "mongodb";
import { startFerretDb, type FerretDb } from "../support/ferretdb.js";
import { startService, type Service } from "../support/services.js";

export interface Stack {
  readonly db: FerretDb;
  readonly backend: Service;
  /** The backend's collection, read directly (not through the API). */
  readonly messages: Collection<Document>;
  close(): Promise<void>;
}

/**
 * FerretDB and the backend on it. `seed` writes documents before the backend starts (legacy data that its
 * start-up migration must find). Resolves once the backend is Ready.
 */
export async function startStack(
  backendEnv: Record<string, string> = {},
  seed?: (messages: Collection<Document>) => Promise<unknown>,
): Promise<Stack> {
  const db = await startFerretDb();
  const client = new MongoClient(db.uri, { serverSelectionTimeoutMS: 5_000 });
  if (seed) await seed(client.db("guestbook").collection("messages"));
  const backend = await startService({ app: "backend", env: { GUESTBOOK_DB_ADDR: db.addr, ...backendEnv } });
  await until("the backend is ready", () => ready(backend.url), 60_000);
  return {
    db,
    backend,
    messages: client.db("guestbook").collection("messages"),
    close: async () => {
      await client.close();
      await backend.kill();
      await db.dispose();
    },
  };
}

/** The frontend, talking to the stack's backend; the caller kills it. */
export function startFrontend(stack: Stack): Promise<Service> {
  return startService({ app: "frontend", env: { GUESTBOOK_API_ADDR: `127.0.0.1:${stack.backend.port}` } });
}

/** True when `/readyz` answers 200. */
export async function ready(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** POSTs a JSON value (serialised here) to the backend. */
export function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** True when the backend stores a posted message (201); the answer's body is discarded. */
export async function stored(url: string, body: unknown): Promise<boolean> {
  const res = await postJson(url, body);
  await res.body?.cancel();
  return res.status === 201;
}

/** Reads one sample from a Prometheus text exposition, 0 when the series does not exist yet. */
export function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

export async function metricsText(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** Polls `check` every 100 ms until it returns true or `deadlineMs` passes (then throws). */
export async function until(what: string, check: () => Promise<boolean>, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
