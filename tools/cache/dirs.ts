// Where Go-built tools live: one folder per tool and version, plus a bin/ of links to the current ones.
import { homedir } from "node:os";
import { join } from "node:path";

/** Root of every download and build stackwave caches ($STACKWAVE_CACHE, default ~/.cache/stackwave). */
export const cacheDir = process.env.STACKWAVE_CACHE ?? join(homedir(), ".cache", "stackwave");

/** Links to the pinned binaries; tests and the simulated cluster put it on PATH. */
export const binDir = join(cacheDir, "bin");

/** Folder of one tool at one version: holds its wrapper module (src/), binaries (bin/) and build log. */
export function toolDir(tool: string, version: string): string {
  return join(cacheDir, "sim", `${tool}-${version}`);
}
