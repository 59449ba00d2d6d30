// Finds the real programs the tests run. Outside CI a missing tool skips its tests with a reason;
// under CI=true a missing tool fails the run, so a green CI never hides a skipped tier.
import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

/** Where Go-built tools and other downloads are cached, keyed by version inside. */
export const cacheDir = process.env.STACKWAVE_CACHE ?? join(homedir(), ".cache", "stackwave");

/** Searched after PATH: the Go tool cache and Debian's less usual locations. */
const extraDirs = [join(cacheDir, "bin"), "/usr/lib/git-core", "/usr/sbin"];

export const inCI = process.env.CI === "true";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of `name`, or undefined when it is nowhere. */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), ...extraDirs].filter(Boolean);
  return dirs.map((dir) => join(dir, name)).find(executable);
}

/**
 * Resolves a tool for a test file. Returns undefined (the caller skips) when it is missing outside CI;
 * throws under CI=true. `hint` says how to get it.
 */
export function requireTool(name: string, hint: string): string | undefined {
  const found = findTool(name);
  if (found) return found;
  const message = `missing tool "${name}": ${hint}`;
  if (inCI) throw new Error(`${message} (CI=true: missing tools fail the run)`);
  console.warn(`skipped: ${message}`);
  return undefined;
}
