// Every Alertmanager a Prometheus sends alerts to (spec.alerting.alertmanagers) is a Service that
// exists, with the named port and pods behind it; the path to those pods joins the scrape paths.
import { nsOf, podsOf, ref, refOf, targetIn, type Inventory } from "./inventory.js";
import { prometheusPods, type Findings } from "./monitors.js";

interface AlertmanagerEndpoint {
  readonly name: string;
  readonly namespace?: string;
  readonly port: string | number;
}

export function checkAlerting(inv: Inventory, out: Findings): void {
  for (const prom of inv.ofKind("Prometheus"))
    for (const am of (prom.spec?.alerting?.alertmanagers ?? []) as AlertmanagerEndpoint[]) {
      const me = `${refOf(prom)}: alerting.alertmanagers`;
      const namespace = am.namespace ?? nsOf(prom);
      const svc = inv.services.find((s) => s.namespace === namespace && s.name === am.name);
      if (!svc) {
        out.problems.push(`${me} names Service ${namespace}/${am.name}, which does not exist`);
        continue;
      }
      const port = svc.ports.find((p) => (typeof am.port === "number" ? p.port === am.port : p.name === am.port));
      if (!port) {
        out.problems.push(
          `${me} port ${am.port} is no port of ${ref({ kind: "Service", ...svc })} (ports: ${svc.ports.map((p) => p.name ?? p.port).join(", ")})`,
        );
        continue;
      }
      const pods = podsOf(inv, svc);
      if (svc.selector && pods.length === 0) out.problems.push(`${me}: ${ref({ kind: "Service", ...svc })} selects no pod template`);
      const from = prometheusPods(inv, prom);
      for (const pod of pods) {
        const target = targetIn(pod, port);
        if (from && target) out.paths.push({ monitor: `${refOf(prom)} (alerting)`, client: refOf(prom), from, to: pod, port: target });
      }
    }
}
