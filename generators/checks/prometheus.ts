// Which Prometheus picks up a monitoring resource, and whether its ServiceAccount may discover targets
// in a namespace. Selector semantics as the operator documents them: an empty selector matches all, a
// null label selector matches nothing, a null namespace selector means the Prometheus' own namespace.
import { formatSelector, matches, type Selector } from "./labels.js";
import { namespacesMatching, nsOf, refOf, type Inventory, type Manifest } from "./inventory.js";

/** The Prometheus selector fields for each kind it selects. */
const fields = {
  ServiceMonitor: ["serviceMonitorSelector", "serviceMonitorNamespaceSelector"],
  PodMonitor: ["podMonitorSelector", "podMonitorNamespaceSelector"],
  Probe: ["probeSelector", "probeNamespaceSelector"],
  PrometheusRule: ["ruleSelector", "ruleNamespaceSelector"],
} as const;

export type Selected = keyof typeof fields;

/** Why `prom` does not select `object`, or undefined when it does. */
function refusal(inv: Inventory, prom: Manifest, object: Manifest): string | undefined {
  const [labelField, nsField] = fields[object.kind as Selected];
  const nsSelector: Selector | undefined = prom.spec?.[nsField];
  const ns = nsOf(object);
  if (!inv.namespaces.has(ns)) return `${refOf(prom)} cannot watch namespace ${ns}: no such Namespace is generated or built in`;
  if (!namespacesMatching(inv, nsSelector, nsOf(prom)).includes(ns))
    return `${refOf(prom)} does not watch namespace ${ns} (${nsField} ${nsSelector ? formatSelector(nsSelector) : `null: ${nsOf(prom)} only`})`;
  const selector: Selector | undefined = prom.spec?.[labelField];
  if (!selector) return `${refOf(prom)} has no ${labelField} (null selects nothing)`;
  if (!matches(selector, object.metadata.labels))
    return `${refOf(prom)} ${labelField} ${formatSelector(selector)} does not match its labels ${formatSelector({ matchLabels: object.metadata.labels ?? {} })}`;
  return undefined;
}

/** The Prometheus resources that select `object`, and one problem line when none does. */
export function watchers(inv: Inventory, object: Manifest): { readonly proms: readonly Manifest[]; readonly problem?: string } {
  const all = inv.ofKind("Prometheus");
  if (all.length === 0) return { proms: [], problem: `${refOf(object)}: no generated Prometheus could select it` };
  const reasons = all.map((p) => refusal(inv, p, object));
  const proms = all.filter((_, i) => reasons[i] === undefined);
  return proms.length > 0 ? { proms } : { proms, problem: `${refOf(object)}: selected by no Prometheus: ${reasons.join("; ")}` };
}

const groupOf: Readonly<Record<string, string>> = { endpointslices: "discovery.k8s.io" };

interface Rule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs?: readonly string[];
}

const has = (list: readonly string[] | undefined, item: string) => (list ?? []).some((x) => x === item || x === "*");

function grants(rules: readonly Rule[], resource: string): boolean {
  return rules.some(
    (r) => has(r.apiGroups, groupOf[resource] ?? "") && has(r.resources, resource) && has(r.verbs, "list") && has(r.verbs, "watch"),
  );
}

/** Resources `prom` lists to discover a ServiceMonitor's or PodMonitor's targets. */
export function discoveryResources(prom: Manifest, kind: "ServiceMonitor" | "PodMonitor"): string[] {
  if (kind === "PodMonitor") return ["pods"];
  return prom.spec?.serviceDiscoveryRole === "EndpointSlice" ? ["services", "endpointslices", "pods"] : ["services", "endpoints", "pods"];
}

/** The resources of `needed` that the Prometheus' ServiceAccount may not list and watch in `namespace`. */
export function missingAccess(inv: Inventory, prom: Manifest, namespace: string, needed: readonly string[]): string[] {
  const sa = { name: prom.spec?.serviceAccountName ?? "default", namespace: nsOf(prom) };
  const bound = (binding: Manifest) =>
    (binding.subjects ?? []).some(
      (s: { kind: string; name: string; namespace?: string }) =>
        s.kind === "ServiceAccount" && s.name === sa.name && s.namespace === sa.namespace,
    );
  const roleRules = (kind: string, name: string, ns?: string): Rule[] =>
    inv
      .ofKind(kind)
      .filter((r) => r.metadata.name === name && (ns === undefined || nsOf(r) === ns))
      .flatMap((r) => r.rules ?? []);
  const rules = [
    ...inv
      .ofKind("RoleBinding")
      .filter((b) => nsOf(b) === namespace && bound(b))
      .flatMap((b) =>
        b.roleRef.kind === "ClusterRole" ? roleRules("ClusterRole", b.roleRef.name) : roleRules("Role", b.roleRef.name, namespace),
      ),
    ...inv
      .ofKind("ClusterRoleBinding")
      .filter(bound)
      .flatMap((b) => roleRules("ClusterRole", b.roleRef.name)),
  ];
  return needed.filter((r) => !grants(rules, r));
}
