// Turns a request path into a repository name and a git endpoint, refusing anything that could leave the data folder.
import { HttpError } from "./errors.js";

/** What a valid name looks like, quoted in every 400 so the caller knows what to send. */
export const nameRule = "1-100 characters from [A-Za-z0-9._-], starting with a letter or digit, not containing '..'";

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The git smart-HTTP endpoints we serve; everything else in a repository (dumb HTTP, objects/) is refused. */
export type Endpoint = "info/refs" | "git-upload-pack" | "git-receive-pack";

const endpoints: readonly Endpoint[] = ["info/refs", "git-upload-pack", "git-receive-pack"];

function badName(value: string): HttpError {
  return new HttpError(400, { error: "invalid repository name", field: "name", expected: nameRule, got: value });
}

/** Validates a bare name (`guestbook`, or `guestbook.git`) and returns it without the `.git` suffix. */
export function repoName(value: unknown): string {
  if (typeof value !== "string") throw badName(String(value));
  const name = value.endsWith(".git") ? value.slice(0, -4) : value;
  if (!namePattern.test(name) || name.includes("..") || name.endsWith(".git")) throw badName(value);
  return name;
}

/** Decodes one path segment, refusing separators and dot segments hidden behind percent-encoding. */
function segment(raw: string, path: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, { error: "malformed percent-encoding in path", field: "path", expected: "a valid URL path", got: path });
  }
  if (decoded === "." || decoded === ".." || /[/\\\0]/.test(decoded)) {
    throw new HttpError(400, {
      error: "path traversal refused",
      field: "path",
      expected: "/<name>[.git]/info/refs, /<name>[.git]/git-upload-pack or /<name>[.git]/git-receive-pack",
      got: path,
    });
  }
  return decoded;
}

export interface GitPath {
  readonly name: string;
  readonly endpoint: Endpoint;
}

/** Parses the raw (still encoded) path of a git request. Throws 400 for unsafe paths and 404 for unknown endpoints. */
export function gitPath(rawPath: string): GitPath {
  if (!rawPath.startsWith("/") || rawPath.startsWith("//") || rawPath.includes("\\")) {
    throw new HttpError(400, {
      error: "path traversal refused",
      field: "path",
      expected: "a path relative to the server root",
      got: rawPath,
    });
  }
  const parts = rawPath
    .slice(1)
    .split("/")
    .map((part) => segment(part, rawPath));
  const [first = "", ...rest] = parts;
  const name = repoName(first);
  const endpoint = rest.join("/");
  if (!(endpoints as readonly string[]).includes(endpoint)) {
    throw new HttpError(404, {
      error: "not found",
      field: "path",
      expected: `/${name}.git/ followed by one of ${endpoints.join(", ")}`,
      got: rawPath,
    });
  }
  return { name, endpoint: endpoint as Endpoint };
}
