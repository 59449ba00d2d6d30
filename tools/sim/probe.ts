// Readiness probes: poll until a component answers, failing with the component's log tail.
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { connect } from "node:net";
import { alive, logTail, type Proc } from "./process.js";

/** Resolves with the response body of a 2xx answer; rejects otherwise. */
export function get(url: string, tls: RequestOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith("https:") ? httpsRequest : httpRequest)(url, { ...tls, timeout: 5_000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () =>
        (res.statusCode ?? 0) < 300 ? resolve(body) : reject(new Error(`${url}: HTTP ${res.statusCode} ${body.slice(0, 200)}`)),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`${url}: timeout`)));
    req.on("error", reject);
    req.end();
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export function tcp(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve();
    });
    socket.on("error", reject);
  });
}

/**
 * Retries `check` every 300 ms until it resolves. Fails early when the process died, and after
 * `timeoutMs` with the last error and the component's log tail.
 */
export async function waitFor(proc: Proc | undefined, what: string, check: () => Promise<unknown>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      last = err;
    }
    const dead = proc && !alive(proc.pid);
    if (dead || Date.now() > deadline) {
      const why = dead ? `process exited` : `not ready after ${Math.round(timeoutMs / 1000)} s`;
      const tail = proc ? `\ncommand: ${proc.command}\nlog ${proc.log}:\n${logTail(proc)}` : "";
      throw new Error(`${what}: ${why} (last error: ${last instanceof Error ? last.message : String(last)})${tail}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
