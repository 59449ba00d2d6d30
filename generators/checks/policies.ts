// Every NetworkPolicy lets through the scrape paths the monitors need: ingress at the target pod and,
// where the client's pods have an egress policy, egress from them.
import { matches, type Labels, type Selector } from "./labels.js";
import { nsOf, ref, type ContainerPort, type Inventory, type Manifest, type PodTemplate } from "./inventory.js";
import type { ScrapePath } from "./paths.js";

interface Peer {
  readonly podSelector?: Selector;
  readonly namespaceSelector?: Selector;
  readonly ipBlock?: unknown;
}

interface PolicyPort {
  readonly port?: number | string;
  readonly endPort?: number;
  readonly protocol?: string;
}

interface PolicyRule {
  readonly from?: readonly Peer[];
  readonly to?: readonly Peer[];
  readonly ports?: readonly PolicyPort[];
}

type Direction = "Ingress" | "Egress";

/** Policies of `pod`'s namespace that select it for `direction` (no policyTypes means Ingress, plus Egress if it has egress rules). */
function policiesFor(inv: Inventory, pod: PodTemplate, direction: Direction): Manifest[] {
  return inv
    .ofKind("NetworkPolicy")
    .filter((np) => nsOf(np) === pod.namespace && matches(np.spec?.podSelector ?? {}, pod.labels))
    .filter((np) => {
      const types: string[] | undefined = np.spec?.policyTypes;
      if (types) return types.includes(direction);
      return direction === "Ingress" || np.spec?.egress !== undefined;
    });
}

/**
 * Whether a from/to entry covers `pod`. Addresses are unknown before deploying, so an ipBlock is given
 * the benefit of the doubt; it is also the only kind of entry that can cover a host-network pod.
 */
function peerMatches(inv: Inventory, peer: Peer, policyNamespace: string, pod: PodTemplate): boolean {
  if (peer.ipBlock) return true;
  if (pod.hostNetwork) return false;
  const nsLabels: Labels = inv.namespaces.get(pod.namespace) ?? { "kubernetes.io/metadata.name": pod.namespace };
  const inNamespace = peer.namespaceSelector ? matches(peer.namespaceSelector, nsLabels) : pod.namespace === policyNamespace;
  return inNamespace && (!peer.podSelector || matches(peer.podSelector, pod.labels));
}

function portMatches(rule: PolicyPort, port: ContainerPort): boolean {
  if ((rule.protocol ?? "TCP") !== port.protocol) return false;
  if (rule.port === undefined) return true;
  if (typeof rule.port === "string") return rule.port === port.name;
  return port.containerPort >= rule.port && port.containerPort <= (rule.endPort ?? rule.port);
}

function admits(inv: Inventory, np: Manifest, direction: Direction, peer: PodTemplate, port: ContainerPort): boolean {
  const rules: PolicyRule[] = (direction === "Ingress" ? np.spec?.ingress : np.spec?.egress) ?? [];
  return rules.some((rule) => {
    const peers = (direction === "Ingress" ? rule.from : rule.to) ?? [];
    const ports = rule.ports ?? [];
    const peerOk = peers.length === 0 || peers.some((p) => peerMatches(inv, p, nsOf(np), peer));
    return peerOk && (ports.length === 0 || ports.some((p) => portMatches(p, port)));
  });
}

const names = (nps: readonly Manifest[]) => `NetworkPolicy ${nps.map((np) => `${nsOf(np)}/${np.metadata.name}`).join(", ")}`;

/** One line for each path a policy blocks. */
export function checkPolicies(inv: Inventory, paths: readonly ScrapePath[], problems: string[]): void {
  const seen = new Set<string>();
  const add = (line: string) => {
    if (!seen.has(line)) problems.push(line);
    seen.add(line);
  };
  for (const path of paths) {
    const port = `${path.port.containerPort}/${path.port.protocol}`;
    if (!path.to.hostNetwork) {
      const ingress = policiesFor(inv, path.to, "Ingress");
      if (ingress.length && !ingress.some((np) => admits(inv, np, "Ingress", path.from, path.port)))
        add(`${names(ingress)}: admits no traffic from ${path.client} to ${ref(path.to)} port ${port}, which ${path.monitor} needs`);
    }
    if (!path.from.hostNetwork) {
      const egress = policiesFor(inv, path.from, "Egress");
      if (egress.length && !egress.some((np) => admits(inv, np, "Egress", path.to, path.port)))
        add(`${names(egress)}: lets no traffic out of ${path.client} to ${ref(path.to)} port ${port}, which ${path.monitor} needs`);
    }
  }
}
