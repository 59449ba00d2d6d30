// Finds programs: PATH first, then the tool cache that npm run sim:tools and .ci/run fill.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { binDir } from "./dirs.js";

export { cacheDir } from "./dirs.js";

/** Searched after PATH: the Go tool cache and Debian's less usual locations. */
const extraDirs = [binDir, "/usr/lib/git-core", "/usr/sbin"];

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
