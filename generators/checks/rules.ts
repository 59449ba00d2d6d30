// Every PrometheusRule is picked up by a Prometheus (ruleSelector and ruleNamespaceSelector).
import type { Inventory } from "./inventory.js";
import { watchers } from "./prometheus.js";

export function checkRules(inv: Inventory, problems: string[]): void {
  for (const rule of inv.ofKind("PrometheusRule")) {
    const { problem } = watchers(inv, rule);
    if (problem) problems.push(problem);
  }
}
