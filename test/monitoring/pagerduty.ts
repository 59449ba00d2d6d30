// A local double of PagerDuty's Events API v2 (the one thing outside our control). It accepts only what
// the real endpoint accepts (developer.pagerduty.com, "Send an Alert Event") and records every event.
import { createServer, type Server } from "node:http";

/** A PagerDuty v2 event as received. */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: "trigger" | "acknowledge" | "resolve";
  dedup_key?: string;
  client?: string;
  client_url?: string;
  payload?: {
    summary: string;
    source: string;
    severity: "critical" | "error" | "warning" | "info";
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
  links?: unknown[];
  images?: unknown[];
}

export interface Received {
  readonly at: number;
  readonly event: PagerDutyEvent;
}

/** Every reason the real API would answer 400 for this body; empty when it would accept it. */
export function eventProblems(body: unknown): string[] {
  const problems: string[] = [];
  if (typeof body !== "object" || body === null || Array.isArray(body)) return ["body: expected a JSON object"];
  const e = body as Record<string, unknown>;
  if (typeof e.routing_key !== "string" || e.routing_key.length !== 32)
    problems.push(`routing_key: expected a 32-character integration key, got ${JSON.stringify(e.routing_key)}`);
  if (!["trigger", "acknowledge", "resolve"].includes(e.event_action as string))
    problems.push(`event_action: expected trigger, acknowledge or resolve, got ${JSON.stringify(e.event_action)}`);
  if (e.dedup_key !== undefined && (typeof e.dedup_key !== "string" || e.dedup_key.length === 0 || e.dedup_key.length > 255))
    problems.push("dedup_key: expected a string of 1 to 255 characters");
  if (e.event_action !== "trigger" && typeof e.dedup_key !== "string") problems.push("dedup_key: required for acknowledge and resolve");
  if (e.event_action === "trigger") {
    const p = e.payload as Record<string, unknown> | undefined;
    if (typeof p !== "object" || p === null) problems.push("payload: required for trigger");
    else {
      if (typeof p.summary !== "string" || p.summary.trim() === "" || p.summary.length > 1024)
        problems.push("payload.summary: expected a non-empty string of at most 1024 characters");
      if (typeof p.source !== "string" || p.source.trim() === "") problems.push("payload.source: expected a non-empty string");
      if (!["critical", "error", "warning", "info"].includes(p.severity as string))
        problems.push(`payload.severity: expected critical, error, warning or info, got ${JSON.stringify(p.severity)}`);
      if (p.timestamp !== undefined && Number.isNaN(Date.parse(p.timestamp as string)))
        problems.push("payload.timestamp: expected ISO 8601");
      if (p.custom_details !== undefined && (typeof p.custom_details !== "object" || p.custom_details === null))
        problems.push("payload.custom_details: expected an object");
    }
  }
  for (const key of ["links", "images"]) if (e[key] !== undefined && !Array.isArray(e[key])) problems.push(`${key}: expected an array`);
  return problems;
}

export interface FakePagerDuty {
  /** The Events API URL to configure, http://<host>:<port>/v2/enqueue (host 127.0.0.1 by default) */
  readonly url: string;
  readonly events: readonly Received[];
  /** Bodies the double refused, with the reasons (a correct Alertmanager config leaves this empty). */
  readonly rejected: readonly { body: string; problems: string[] }[];
  close(): Promise<void>;
}

export interface DoubleOptions {
  /** Address to listen on. Default 127.0.0.1 (a pod in the Kind e2e listens on 0.0.0.0). */
  readonly host?: string;
  /** Port. Default: any free one. */
  readonly port?: number;
  /** Called with every accepted event and every refused body, as they come (the pod logs them). */
  readonly onRecord?: (record: { readonly accepted: Received } | { readonly rejected: { body: string; problems: string[] } }) => void;
}

// Also run by node's type stripping inside a pod (test/e2e/pager.ts): erasable TypeScript only.
export function startFakePagerDuty(options: DoubleOptions = {}): Promise<FakePagerDuty> {
  const events: Received[] = [];
  const rejected: { body: string; problems: string[] }[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (req.method !== "POST" || req.url !== "/v2/enqueue") return reply(404, { status: "not found" });
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        rejected.push({ body, problems: ["body: not JSON"] });
        options.onRecord?.({ rejected: rejected.at(-1)! });
        return reply(400, { status: "invalid event", message: "Event object is invalid", errors: ["body is not JSON"] });
      }
      const problems = eventProblems(parsed);
      if (problems.length > 0) {
        rejected.push({ body, problems });
        options.onRecord?.({ rejected: rejected.at(-1)! });
        return reply(400, { status: "invalid event", message: "Event object is invalid", errors: problems });
      }
      const event = parsed as PagerDutyEvent;
      events.push({ at: Date.now(), event });
      options.onRecord?.({ accepted: events.at(-1)! });
      reply(202, { status: "success", message: "Event processed", dedup_key: event.dedup_key ?? "generated" });
    });
  });
  return new Promise((resolve) => {
    const host = options.host ?? "127.0.0.1";
    server.listen(options.port ?? 0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        url: `http://${host}:${port}/v2/enqueue`,
        events,
        rejected,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
