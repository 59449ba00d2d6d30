// Every alert's runbook_url names a file that exists in docs/runbooks/ of this repository.
import { repositoryURL } from "../monitoring.js";
import { refOf, type Inventory } from "./inventory.js";

/** Where runbook URLs must point: the repository's docs/runbooks/ folder on main. */
export const runbookPrefix = `${repositoryURL}/blob/main/docs/runbooks/`;

interface AlertRule {
  readonly alert?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** `runbooks` holds the file names in docs/runbooks/. */
export function checkRunbooks(inv: Inventory, runbooks: ReadonlySet<string>, problems: string[]): void {
  for (const rule of inv.ofKind("PrometheusRule"))
    for (const group of (rule.spec?.groups ?? []) as { rules?: AlertRule[] }[])
      for (const r of group.rules ?? []) {
        if (!r.alert) continue;
        const url = r.annotations?.runbook_url;
        const me = `${refOf(rule)}: alert ${r.alert}`;
        if (!url) problems.push(`${me} has no runbook_url: expected ${runbookPrefix}${r.alert}.md`);
        else if (!url.startsWith(runbookPrefix)) problems.push(`${me}: runbook_url ${url} is not under ${runbookPrefix}`);
        else if (!runbooks.has(url.slice(runbookPrefix.length)))
          problems.push(`${me}: runbook_url ${url} names docs/runbooks/${url.slice(runbookPrefix.length)}, which does not exist`);
      }
}
