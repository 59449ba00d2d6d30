// Finds the real programs the tests run. Outside CI a missing tool skips its tests with a reason;
// under CI=true a missing tool fails the run, so a green CI never hides a skipped tier.
import { findTool } from "../../tools/cache/which.js";

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
