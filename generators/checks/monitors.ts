// Every ServiceMonitor and PodMonitor is picked up by a Prometheus, selects something that exists in a
// namespace that Prometheus may discover, and names a port that exists there.
import { formatSelector, matches, type Selector } from "./labels.js";
import { nsOf, podsOf, ref, refOf, targetIn, type Inventory, type Manifest, type PodTemplate, type Service } from "./inventory.js";
import type { ScrapePath } from "./paths.js";
import { discoveryResources, missingAccess, watchers } from "./prometheus.js";

export interface Findings {
  readonly problems: string[];
  readonly paths: ScrapePath[];
}

/** Namespaces a monitor's own namespaceSelector names (`any`, `matchNames`, or its own namespace). */
function targetNamespaces(inv: Inventory, monitor: Manifest): string[] {
  const sel: { any?: boolean; matchNames?: string[] } | undefined = monitor.spec?.namespaceSelector;
  if (sel?.any) return [...inv.namespaces.keys()];
  return sel?.matchNames?.length ? sel.matchNames : [nsOf(monitor)];
}

const portList = (names: readonly (string | undefined)[]) => names.map((n) => n ?? "(unnamed)").join(", ") || "none";

/** The Prometheus pods of a Prometheus resource (the operator's template, see inventory.ts). */
export function prometheusPods(inv: Inventory, prom: Manifest): PodTemplate | undefined {
  return inv.pods.find(
    (p) => p.origin === "operator" && p.kind === "Prometheus" && p.namespace === nsOf(prom) && p.name === prom.metadata.name,
  );
}

function access(inv: Inventory, monitor: Manifest, proms: readonly Manifest[], namespaces: readonly string[], out: Findings): void {
  for (const prom of proms)
    for (const ns of namespaces) {
      const missing = missingAccess(inv, prom, ns, discoveryResources(prom, monitor.kind as "ServiceMonitor" | "PodMonitor"));
      if (missing.length)
        out.problems.push(
          `${refOf(monitor)}: ${refOf(prom)} (ServiceAccount ${nsOf(prom)}/${prom.spec?.serviceAccountName ?? "default"}) may not list and watch ${missing.join(", ")} in namespace ${ns}`,
        );
    }
}

function serviceMonitor(inv: Inventory, sm: Manifest, out: Findings): void {
  const me = refOf(sm);
  const { proms, problem } = watchers(inv, sm);
  if (problem) out.problems.push(problem);
  const namespaces = targetNamespaces(inv, sm);
  access(inv, sm, proms, namespaces, out);
  const selector: Selector = sm.spec?.selector ?? {};
  const services = inv.services.filter((s) => namespaces.includes(s.namespace) && matches(selector, s.labels));
  if (services.length === 0) {
    out.problems.push(`${me}: selects no Service in namespace ${namespaces.join(", ")} with labels ${formatSelector(selector)}`);
    return;
  }
  const emptyServices = new Set<Service>();
  for (const endpoint of (sm.spec?.endpoints ?? []) as { port?: string }[]) {
    const name = endpoint.port;
    const withPort = services.filter((s) => name === undefined || s.ports.some((p) => p.name === name));
    if (withPort.length === 0) {
      const where = services.map((s) => `${ref({ kind: "Service", ...s })} (ports: ${portList(s.ports.map((p) => p.name))})`).join(", ");
      out.problems.push(`${me}: endpoint port "${name}" is no port of ${where}`);
      continue;
    }
    for (const svc of withPort) {
      if (!svc.selector) continue; // endpoints kept by the apiserver or the operator
      const pods = podsOf(inv, svc);
      if (pods.length === 0) {
        if (!emptyServices.has(svc))
          out.problems.push(
            `${me}: ${ref({ kind: "Service", ...svc })} selects no pod template with labels ${formatSelector({ matchLabels: svc.selector })}`,
          );
        emptyServices.add(svc);
        continue;
      }
      for (const port of svc.ports.filter((p) => name === undefined || p.name === name))
        for (const pod of pods) {
          const target = targetIn(pod, port);
          if (!target) {
            out.problems.push(
              `${me}: ${ref({ kind: "Service", ...svc })} port ${port.name ?? port.port} targets "${port.targetPort}", which no container of ${ref(pod)} declares (ports: ${portList(pod.ports.map((p) => p.name))})`,
            );
            continue;
          }
          for (const prom of proms) {
            const from = prometheusPods(inv, prom);
            if (from) out.paths.push({ monitor: me, client: refOf(prom), from, to: pod, port: target });
          }
        }
    }
  }
}

function podMonitor(inv: Inventory, pm: Manifest, out: Findings): void {
  const me = refOf(pm);
  const { proms, problem } = watchers(inv, pm);
  if (problem) out.problems.push(problem);
  const namespaces = targetNamespaces(inv, pm);
  access(inv, pm, proms, namespaces, out);
  const selector: Selector = pm.spec?.selector ?? {};
  const pods = inv.pods.filter((p) => namespaces.includes(p.namespace) && matches(selector, p.labels));
  if (pods.length === 0) {
    out.problems.push(`${me}: selects no pod template in namespace ${namespaces.join(", ")} with labels ${formatSelector(selector)}`);
    return;
  }
  for (const endpoint of (pm.spec?.podMetricsEndpoints ?? []) as { port?: string; portNumber?: number }[]) {
    const hits = pods.flatMap((pod) =>
      pod.ports
        .filter(
          (p) =>
            (endpoint.port === undefined || p.name === endpoint.port) &&
            (endpoint.portNumber === undefined || p.containerPort === endpoint.portNumber),
        )
        .map((port) => ({ pod, port })),
    );
    if (hits.length === 0) {
      const want = endpoint.port !== undefined ? `port "${endpoint.port}"` : `portNumber ${endpoint.portNumber}`;
      out.problems.push(
        `${me}: endpoint ${want} is no container port of ${pods.map((p) => `${ref(p)} (ports: ${portList(p.ports.map((x) => x.name))})`).join(", ")}`,
      );
      continue;
    }
    for (const { pod, port } of hits)
      for (const prom of proms) {
        const from = prometheusPods(inv, prom);
        if (from) out.paths.push({ monitor: me, client: refOf(prom), from, to: pod, port });
      }
  }
}

/** Checks every ServiceMonitor and PodMonitor; collects the scrape paths they need. */
export function checkMonitors(inv: Inventory, out: Findings): void {
  for (const sm of inv.ofKind("ServiceMonitor")) serviceMonitor(inv, sm, out);
  for (const pm of inv.ofKind("PodMonitor")) podMonitor(inv, pm, out);
}
