// Runs git http-backend as a CGI program for one request and relays its answer. git speaks the protocol; we only
// translate HTTP to CGI, bound the request size and hold the reply until the request body has been read in full.
import { spawn } from "node:child_process";
import type { Request, Response } from "express";
import { sendError } from "./errors.js";
import { childEnv } from "./git.js";
import { log } from "./log.js";

export interface CgiOptions {
  /** Path of git-http-backend. */
  readonly program: string;
  /** GIT_PROJECT_ROOT: the data folder. */
  readonly projectRoot: string;
  /** PATH_INFO, e.g. /guestbook.git/git-receive-pack. */
  readonly pathInfo: string;
  /** Largest request body in bytes. */
  readonly maxBodyBytes: number;
  /** Extra environment for git and its hooks. */
  readonly env?: Record<string, string>;
}

export interface CgiResult {
  /** Exit code of http-backend (null when killed). */
  readonly exitCode: number | null;
  /** HTTP status sent to the client. */
  readonly status: number;
  /** Request body bytes read. */
  readonly bytesIn: number;
}

const tooLarge = (limit: number) => ({
  error: "request body too large",
  field: "body",
  expected: `at most ${limit} bytes (GIT_MAX_BODY_BYTES)`,
});

/** Answers 413 and closes the connection. The rest of the upload is read and dropped, so the client gets to see
 * the answer, but for 10 s at most. */
function refuse(req: Request, res: Response, limit: number): void {
  res.setHeader("Connection", "close");
  sendError(res, 413, tooLarge(limit));
  req.resume();
  setTimeout(() => req.socket.destroy(), 10_000).unref();
}

/** Splits a CGI reply head ("Status: 404 Not Found\r\nContent-Type: x\r\n\r\n") into status and headers. */
function parseCgiHead(head: string): { status: number; headers: [string, string][] } {
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 502;
    else headers.push([name, value]);
  }
  return { status, headers };
}

function headEnd(buffer: Buffer): { at: number; length: number } | undefined {
  const crlf = buffer.indexOf("\r\n\r\n");
  const lf = buffer.indexOf("\n\n");
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  if (lf >= 0) return { at: lf, length: 2 };
  return undefined;
}

/** Serves one request through http-backend. Resolves when the backend has exited and the reply is complete. */
export function runCgi(req: Request, res: Response, options: CgiOptions): Promise<CgiResult> {
  return new Promise((resolve) => {
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > options.maxBodyBytes) {
      refuse(req, res, options.maxBodyBytes);
      resolve({ exitCode: null, status: 413, bytesIn: 0 });
      return;
    }
    const query = req.originalUrl.includes("?") ? req.originalUrl.slice(req.originalUrl.indexOf("?") + 1) : "";
    const env: Record<string, string> = childEnv({
      ...options.env,
      GATEWAY_INTERFACE: "CGI/1.1",
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
      GIT_PROJECT_ROOT: options.projectRoot,
      GIT_HTTP_EXPORT_ALL: "1",
      // http-backend buffers upload-pack requests (inflated) up to this size; keep it in step with our limit.
      GIT_HTTP_MAX_REQUEST_BUFFER: String(options.maxBodyBytes),
      PATH_INFO: options.pathInfo,
      REQUEST_METHOD: req.method,
      QUERY_STRING: query,
      REMOTE_ADDR: req.socket.remoteAddress ?? "",
    });
    const header = (name: string): string | undefined => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(", ") : value;
    };
    const optional: Record<string, string | undefined> = {
      CONTENT_TYPE: header("content-type"),
      CONTENT_LENGTH: header("content-length"),
      // git clients gzip large fetch negotiations; http-backend inflates them itself when told.
      HTTP_CONTENT_ENCODING: header("content-encoding"),
      // Carries "version=2"; http-backend turns it into GIT_PROTOCOL for upload-pack.
      HTTP_GIT_PROTOCOL: header("git-protocol"),
    };
    for (const [key, value] of Object.entries(optional)) if (value !== undefined) env[key] = value;

    const child = spawn(options.program, [], { env, stdio: ["pipe", "pipe", "pipe"] });
    let bytesIn = 0;
    let requestDone = false;
    let rejected = false;
    let head: Buffer = Buffer.alloc(0);
    let parsed: { status: number; headers: [string, string][] } | undefined;
    const held: Buffer[] = [];
    let status = 0;
    let stderr = "";

    const flush = () => {
      if (rejected || !parsed || !requestDone || res.headersSent) return;
      status = parsed.status;
      res.status(parsed.status);
      for (const [name, value] of parsed.headers) res.setHeader(name, value);
      res.flushHeaders();
      for (const chunk of held.splice(0)) res.write(chunk);
    };

    const reject413 = () => {
      rejected = true;
      status = 413;
      child.kill("SIGKILL");
      req.unpipe(child.stdin);
      refuse(req, res, options.maxBodyBytes);
    };

    req.on("data", (chunk: Buffer) => {
      bytesIn += chunk.length;
      if (!rejected && bytesIn > options.maxBodyBytes) reject413();
    });
    // The reply is final once the backend has exited AND the request body is fully read (or over the limit):
    // a backend that stops reading early must not turn an oversized upload into a 200.
    let exitCode: number | null | undefined;
    let settled = false;
    const finish = () => {
      if (settled || exitCode === undefined || (!rejected && !requestDone)) return;
      settled = true;
      if (!rejected) {
        if (!parsed) {
          status = 502;
          sendError(res, 502, { error: "git http-backend gave no reply", exitCode });
        } else {
          flush();
          res.end();
        }
      }
      resolve({ exitCode, status, bytesIn });
    };
    req.on("end", () => {
      requestDone = true;
      flush();
      finish();
    });
    req.on("close", () => {
      // Emitted after "end", or alone when the client went away mid-upload.
      requestDone = true;
      finish();
    });
    req.pipe(child.stdin);
    child.stdin.on("error", () => {
      // The backend may exit before reading everything (e.g. an error reply); its exit status tells the story.
    });

    child.stdout.on("data", (chunk: Buffer) => {
      if (rejected) return;
      if (!parsed) {
        head = Buffer.concat([head, chunk]);
        const end = headEnd(head);
        if (!end) return;
        parsed = parseCgiHead(head.subarray(0, end.at).toString("latin1"));
        const rest = head.subarray(end.at + end.length);
        if (rest.length) held.push(rest);
        flush();
        return;
      }
      if (!res.headersSent) {
        held.push(chunk);
        return;
      }
      if (!res.write(chunk)) {
        child.stdout.pause();
        res.once("drain", () => child.stdout.resume());
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString("utf8");
    });

    child.on("error", (error) => {
      log("error", "git http-backend failed to start", { program: options.program, error: error.message });
    });
    child.on("close", (code) => {
      exitCode = code;
      if (stderr.trim()) log("warn", "git http-backend stderr", { path: options.pathInfo, stderr: stderr.trim() });
      if (!requestDone && !rejected) {
        req.unpipe(child.stdin);
        req.resume();
      }
      finish();
    });
  });
}
