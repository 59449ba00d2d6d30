// Finds programs: PATH first, then the tool cache that npm run sim:tools and .ci/run fill. For the few
// names a system package also ships at another version, the cache's pinned build comes first.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { binDir } from "./dirs.js";

export { cacheDir } from "./dirs.js";

/** Searched after PATH: the Go tool cache and Debian's less usual locations. */
const extraDirs = [binDir, "/usr/lib/git-core", "/usr/sbin"];

/**
 * Built in the cache at the stack's pinned versions (goTools.prometheus, goTools.alertmanager) and shipped
 * older by Debian under the same names (prometheus 2.42, alertmanager 0.25): the pinned build wins, and
 * Debian's copy on PATH is only the fallback when the cache lacks it.
 */
export const pinnedFirst: ReadonlySet<string> = new Set(["prometheus", "promtool", "alertmanager", "amtool"]);

/** Whether `path` exists and may be executed. */
export function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of `name`, or undefined when it is nowhere. */
export function findTool(name: string): string | undefined {
  const path = (process.env.PATH ?? "").split(delimiter);
  const dirs = (pinnedFirst.has(name) ? [binDir, ...path, ...extraDirs] : [...path, ...extraDirs]).filter(Boolean);
  return dirs.map((dir) => join(dir, name)).find(executable);
}

/** Whether `path` is a build from the tool cache rather than a system copy. */
export function fromCache(path: string): boolean {
  return path.startsWith(binDir + "/");
}
