// Finds programs: PATH first, then the tool cache that npm run sim:tools and .ci/run fill.
import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

/** Where Go-built tools and other downloads are cached, keyed by version inside. */
export const cacheDir = process.env.STACKWAVE_CACHE ?? join(homedir(), ".cache", "stackwave");

/** Searched after PATH: the Go tool cache and Debian's less usual locations. */
const extraDirs = [join(cacheDir, "bin"), "/usr/lib/git-core", "/usr/sbin"];

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
