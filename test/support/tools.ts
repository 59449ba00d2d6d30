// Finds the real programs the tests run. Outside strict mode a missing tool skips its tests, and the
// run ends with one line per skipping file naming the tool and how to install it, plus a count
// (test/support/skips.ts). Strict mode (CI=true; `.ci/run` sets it for whoever runs it) fails the
// run instead, so a green run there never hides a skipped tier.
import { appendFileSync } from "node:fs";
import { relative } from "node:path";
import { expect } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { findTool, fromCache } from "../../tools/cache/which.js";
import { skipLogVar, type Skip } from "./skips.js";

export { cacheDir, findTool } from "../../tools/cache/which.js";

export const inCI = process.env.CI === "true";

/** The test file being collected, relative to the repository; undefined outside vitest. */
function currentFile(): string | undefined {
  try {
    const path = expect.getState().testPath;
    return path ? relative(repoRoot, path) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves a tool for a test file. Returns undefined (the caller skips) when it is missing outside
 * strict mode, and records the skip; throws under CI=true. `hint` says how to get it.
 */
export function requireTool(name: string, hint: string): string | undefined {
  const found = findTool(name);
  if (found) return found;
  const message = `missing tool "${name}": ${hint}`;
  if (inCI) throw new Error(`${message} (CI=true: missing tools fail the run)`);
  const log = process.env[skipLogVar];
  const file = currentFile();
  if (log && file) appendFileSync(log, JSON.stringify({ file, tool: name, hint } satisfies Skip) + "\n");
  else console.warn(`skipped: ${message}`);
  return undefined;
}

/** A system copy used when the pinned build is missing: how to install it, and its name if it differs. */
export interface Fallback {
  readonly hint: string;
  readonly name?: string;
}

/**
 * Like requireTool for a program the tool cache builds at a pinned version (tools/cache/recipes.ts):
 * the cache's build is found first (findTool); a system copy is only the fallback, and using it says so.
 */
export function requirePinned(
  name: string,
  pin: { readonly recipe: string; readonly version: string },
  fallback: Fallback,
): string | undefined {
  const build = `node --import tsx tools/cache/build.ts ${pin.recipe}`;
  const pinned = findTool(name);
  if (pinned && fromCache(pinned)) return pinned;
  const system = pinned ?? (fallback.name ? findTool(fallback.name) : undefined);
  if (system) {
    console.warn(`note: using ${system}, not the pinned ${name} ${pin.version}; run ${build}`);
    return system;
  }
  return requireTool(name, `${build} (pinned ${pin.version}), or the fallback: ${fallback.hint}`);
}
