// Finds the real programs the tests run. Outside CI a missing tool skips its tests with a reason;
// under CI=true a missing tool fails the run, so a green CI never hides a skipped tier.
import { findTool, fromCache } from "../../tools/cache/which.js";

export { cacheDir, findTool } from "../../tools/cache/which.js";

export const inCI = process.env.CI === "true";

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
