// Every Probe is picked up by a Prometheus, and both its prober and each static target are Services
// that exist, on a port they expose.
import { nsOf, podsOf, ref, refOf, targetIn, type Inventory, type Manifest, type Service } from "./inventory.js";
import type { Findings } from "./monitors.js";
import { prometheusPods } from "./monitors.js";
import { watchers } from "./prometheus.js";

/** The Service a cluster DNS name denotes (`svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`). */
function serviceAt(inv: Inventory, host: string, ownNamespace: string): { name: string; namespace: string; service?: Service } | undefined {
  const parts = host.replace(/\.svc(\.cluster\.local)?$/, "").split(".");
  if (parts.length > 2 || (parts.length === 1 && host.includes("."))) return undefined;
  const [name, namespace = ownNamespace] = parts as [string, string?];
  const service = inv.services.find((s) => s.name === name && s.namespace === namespace);
  return { name, namespace, ...(service ? { service } : {}) };
}

/** host and port of `http://host:port/...` or of a bare `host:port`. */
function endpointOf(address: string): { host: string; port: number } | undefined {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`);
    const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    return { host: url.hostname, port };
  } catch {
    return undefined;
  }
}

function resolve(inv: Inventory, probe: Manifest, what: string, address: string, out: Findings) {
  const me = refOf(probe);
  const at = endpointOf(address);
  const found = at && serviceAt(inv, at.host, nsOf(probe));
  if (!at || !found) {
    out.problems.push(`${me}: ${what} ${address} is not the address of a Service in the cluster`);
    return undefined;
  }
  if (!found.service) {
    out.problems.push(`${me}: ${what} ${address} names Service ${found.namespace}/${found.name}, which does not exist`);
    return undefined;
  }
  const port = found.service.ports.find((p) => p.port === at.port && p.protocol === "TCP");
  if (!port) {
    const ports = found.service.ports.map((p) => p.port).join(", ");
    out.problems.push(`${me}: ${what} ${address}: ${ref({ kind: "Service", ...found.service })} has no port ${at.port} (ports: ${ports})`);
    return undefined;
  }
  const pods = podsOf(inv, found.service);
  return pods.flatMap((pod) => {
    const target = targetIn(pod, port);
    return target ? [{ pod, port: target }] : [];
  });
}

/** Checks every Probe; collects the paths Prometheus → prober and prober → target. */
export function checkProbes(inv: Inventory, out: Findings): void {
  for (const probe of inv.ofKind("Probe")) {
    const me = refOf(probe);
    const { proms, problem } = watchers(inv, probe);
    if (problem) out.problems.push(problem);
    const proberURL: string | undefined = probe.spec?.prober?.url;
    if (!proberURL) {
      out.problems.push(`${me}: spec.prober.url is missing: expected the blackbox exporter's Service address`);
      continue;
    }
    const probers = resolve(inv, probe, "prober", proberURL, out) ?? [];
    for (const prom of proms) {
      const from = prometheusPods(inv, prom);
      if (from) for (const p of probers) out.paths.push({ monitor: me, client: refOf(prom), from, to: p.pod, port: p.port });
    }
    const targets: string[] = probe.spec?.targets?.staticConfig?.static ?? [];
    if (targets.length === 0) out.problems.push(`${me}: spec.targets.staticConfig.static is empty: expected at least one Service URL`);
    for (const target of targets) {
      const backends = resolve(inv, probe, "target", target, out) ?? [];
      for (const prober of probers)
        for (const b of backends) out.paths.push({ monitor: me, client: ref(prober.pod), from: prober.pod, to: b.pod, port: b.port });
    }
  }
}
