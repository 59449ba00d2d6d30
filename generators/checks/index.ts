// Checks across resources, run by render() on the base objects before anything is written. Each
// returns one line per failure, naming both ends: the monitor (or rule, or policy) and what it misses.
import { checkAlerting } from "./alerting.js";
import { inventory, type Manifest } from "./inventory.js";
import { checkMonitors, type Findings } from "./monitors.js";
import { checkPolicies } from "./policies.js";
import { checkProbes } from "./probes.js";
import { checkRules } from "./rules.js";
import { checkRunbooks } from "./runbooks.js";

export type { Manifest } from "./inventory.js";

export interface CheckOptions {
  /** File names in docs/runbooks/. */
  readonly runbooks: ReadonlySet<string>;
}

/** Every problem the cross-resource checks find in `objects`; empty when all pass. */
export function crossCheck(objects: readonly Manifest[], options: CheckOptions): string[] {
  const inv = inventory(objects);
  const found: Findings = { problems: [], paths: [] };
  checkMonitors(inv, found);
  checkProbes(inv, found);
  checkAlerting(inv, found);
  checkRules(inv, found.problems);
  checkPolicies(inv, found.paths, found.problems);
  checkRunbooks(inv, options.runbooks, found.problems);
  return [...new Set(found.problems)];
}
