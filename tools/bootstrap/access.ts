// Preflight for an existing cluster: the context exists and answers, this user may create the cluster-scoped
// kinds the platform needs (SelfSubjectAccessReview), a default StorageClass exists for the claims, and the
// nodes have room for the environment's requests. Gathering reads through the API only; evaluation is pure.
import type { KubeConfig } from "@kubernetes/client-node";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { Requests } from "../../generators/requests.js";
import type { Finding } from "./preflight.js";

/** What the platform creates outside any namespace (the AppProjects' clusterResourceWhitelist, applications.ts). */
export const clusterScopedNeeds: readonly { readonly group: string; readonly resource: string }[] = [
  { group: "apiextensions.k8s.io", resource: "customresourcedefinitions" },
  { group: "", resource: "namespaces" },
  { group: "rbac.authorization.k8s.io", resource: "clusterroles" },
  { group: "rbac.authorization.k8s.io", resource: "clusterrolebindings" },
];

export interface NodeFact {
  readonly name: string;
  /** Not cordoned and without a NoSchedule/NoExecute taint (control planes usually carry one). */
  readonly schedulable: boolean;
  readonly cpuMillis: number;
  readonly memoryBytes: number;
  readonly zone?: string;
}

export interface AccessFacts {
  readonly context: string;
  /** Every context in the kubeconfig. */
  readonly contexts: readonly string[];
  /** The server's version when it answered, or why it did not. */
  readonly server?: { readonly version?: string; readonly error?: string };
  readonly access?: readonly { readonly group: string; readonly resource: string; readonly allowed: boolean; readonly reason?: string }[];
  readonly storageClasses?: readonly { readonly name: string; readonly isDefault: boolean }[];
  readonly nodes?: readonly NodeFact[];
  /** A read that failed after the server answered (e.g. no right to list nodes). */
  readonly errors?: Readonly<Partial<Record<"access" | "storage" | "nodes", string>>>;
}

const GiB = 2 ** 30;
const cpu = (millis: number) => `${(millis / 1000).toFixed(2)} CPU`;
const mem = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;
const kind = (n: { group: string; resource: string }) => (n.group ? `${n.resource}.${n.group}` : n.resource);

/** The four checks, each one line; later ones are left out when the context does not answer. */
export function evaluateAccess(facts: AccessFacts, need: Requests, environment: string): Finding[] {
  const c = facts.context;
  if (!facts.contexts.includes(c))
    return [
      {
        check: "context",
        status: "fail",
        message: c
          ? `kubeconfig has no context "${c}" (it has: ${facts.contexts.join(", ") || "none"})`
          : `no context given and the kubeconfig has no current one (KUBECONFIG or ~/.kube/config; contexts: ${facts.contexts.join(", ") || "none"})`,
        fix: "pass --context <name> (`kubectl config get-contexts` lists them) or set KUBECONFIG to the file that has it",
      },
    ];
  if (!facts.server?.version)
    return [
      {
        check: "context",
        status: "fail",
        message: `context "${c}" does not answer: ${facts.server?.error ?? "no answer"}`,
        fix: `check that \`kubectl --context ${c} version\` works (VPN, expired credentials, the API server's address)`,
      },
    ];
  const findings: Finding[] = [{ check: "context", status: "ok", message: `context "${c}" answers (Kubernetes ${facts.server.version})` }];

  const denied = (facts.access ?? []).filter((a) => !a.allowed);
  if (facts.errors?.access)
    findings.push({
      check: "access",
      status: "fail",
      message: `could not ask what "${c}" may do: ${facts.errors.access}`,
      fix: "use a context that may create SelfSubjectAccessReviews (every authenticated user may)",
    });
  else if (denied.length > 0)
    findings.push({
      check: "access",
      status: "fail",
      message: `context "${c}" may not create ${denied.map(kind).join(", ")}, which the platform needs`,
      fix: "use a cluster-admin context, or have an admin bind you a ClusterRole that creates these kinds (docs/cluster.md)",
    });
  else findings.push({ check: "access", status: "ok", message: `may create ${clusterScopedNeeds.map(kind).join(", ")}` });

  const defaults = (facts.storageClasses ?? []).filter((s) => s.isDefault);
  if (facts.errors?.storage)
    findings.push({
      check: "storage",
      status: "fail",
      message: `could not list StorageClasses: ${facts.errors.storage}`,
      fix: "use a context that may list storageclasses.storage.k8s.io",
    });
  else if (defaults.length === 0)
    findings.push({
      check: "storage",
      status: "fail",
      message: `no default StorageClass (of ${facts.storageClasses?.length ?? 0}): the claims of Prometheus, Alertmanager and MongoDB would stay Pending`,
      fix: "mark one default: kubectl annotate storageclass <name> storageclass.kubernetes.io/is-default-class=true",
    });
  else findings.push({ check: "storage", status: "ok", message: `default StorageClass ${defaults.map((s) => s.name).join(", ")}` });

  if (facts.errors?.nodes) {
    findings.push({
      check: "nodes",
      status: "fail",
      message: `could not list nodes: ${facts.errors.nodes}`,
      fix: "use a context that may list nodes",
    });
    return findings;
  }
  const usable = (facts.nodes ?? []).filter((n) => n.schedulable);
  const have = usable.reduce((a, n) => ({ cpuMillis: a.cpuMillis + n.cpuMillis, memoryBytes: a.memoryBytes + n.memoryBytes }), {
    cpuMillis: 0,
    memoryBytes: 0,
  });
  const want = {
    cpuMillis: need.total.cpuMillis + need.perNode.cpuMillis * usable.length,
    memoryBytes: need.total.memoryBytes + need.perNode.memoryBytes * usable.length,
  };
  const biggest = usable.reduce<NodeFact | undefined>(
    (a, n) => (!a || n.cpuMillis + n.memoryBytes / 2 ** 20 > a.cpuMillis + a.memoryBytes / 2 ** 20 ? n : a),
    undefined,
  );
  const zones = new Set(usable.map((n) => n.zone).filter(Boolean));
  const where = `${usable.length} schedulable node${usable.length === 1 ? "" : "s"}${zones.size ? ` in ${zones.size} zone${zones.size === 1 ? "" : "s"}` : ""}`;
  if (have.cpuMillis < want.cpuMillis || have.memoryBytes < want.memoryBytes)
    findings.push({
      check: "nodes",
      status: "fail",
      message: `${where} have ${cpu(have.cpuMillis)} and ${mem(have.memoryBytes)} allocatable; the ${environment} environment requests ${cpu(want.cpuMillis)} and ${mem(want.memoryBytes)}`,
      fix: "add nodes or bigger ones, or lower the requests and replicas in generators/ and run npm run generate",
    });
  else if (!biggest || biggest.cpuMillis < need.largest.cpuMillis || biggest.memoryBytes < need.largest.memoryBytes)
    findings.push({
      check: "nodes",
      status: "fail",
      message: `no node has room for ${need.largest.name} (${cpu(need.largest.cpuMillis)}, ${mem(need.largest.memoryBytes)}); the largest, ${biggest?.name ?? "none"}, has ${cpu(biggest?.cpuMillis ?? 0)} and ${mem(biggest?.memoryBytes ?? 0)}`,
      fix: "add a bigger node, or lower that component's requests in generators/ and run npm run generate",
    });
  else
    findings.push({
      check: "nodes",
      status: "ok",
      message: `${where}: ${cpu(have.cpuMillis)} and ${mem(have.memoryBytes)} allocatable for ${cpu(want.cpuMillis)} and ${mem(want.memoryBytes)} requested`,
    });
  return findings;
}

/** Resolves within `ms` or rejects: an unreachable API server must not hang preflight. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const why = (error: unknown) => {
  const e = error as { code?: number; body?: unknown; message?: string };
  const body = typeof e.body === "string" ? (JSON.parse(e.body) as { message?: string }) : (e.body as { message?: string } | undefined);
  return (body?.message ?? e.message ?? String(error)).split("\n")[0]!;
};

/** The kubeconfig files kubectl would read: KUBECONFIG's, else ~/.kube/config; only those that exist. */
export function kubeconfigFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KUBECONFIG || join(homedir(), ".kube", "config")).split(delimiter).filter((f) => f && existsSync(f));
}

/**
 * The KubeConfig bootstrap uses, from the same files as kubectl. Without any, an empty one: the client's own
 * fallback (a made-up context on localhost:8080) would only produce a confusing error later.
 */
export async function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): Promise<KubeConfig> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  const files = kubeconfigFiles(env);
  if (files.length === 1) kc.loadFromFile(files[0]!);
  else if (files.length > 1) kc.loadFromDefault();
  return kc;
}

/** The context bootstrap uses when neither --context nor the cluster names one ("" when there is none). */
export async function currentContext(): Promise<string> {
  const kc = await loadKubeConfig();
  return kc.getContexts().length ? kc.getCurrentContext() : "";
}

/** Reads the facts through `context`; reads only (a SelfSubjectAccessReview stores nothing). */
export async function gatherAccess(context: string, kubeConfig?: KubeConfig, timeoutMs = 10_000): Promise<AccessFacts> {
  const { AuthorizationV1Api, CoreV1Api, StorageV1Api, VersionApi } = await import("@kubernetes/client-node");
  const kc = kubeConfig ?? (await loadKubeConfig());
  const contexts = kc.getContexts().map((x) => x.name);
  if (!contexts.includes(context)) return { context, contexts };
  kc.setCurrentContext(context);
  let version: string;
  try {
    version = (await within(timeoutMs, kc.makeApiClient(VersionApi).getCode())).gitVersion;
  } catch (error) {
    return { context, contexts, server: { error: why(error) } };
  }
  const errors: Partial<Record<"access" | "storage" | "nodes", string>> = {};
  const auth = kc.makeApiClient(AuthorizationV1Api);
  const access = await within(
    timeoutMs,
    Promise.all(
      clusterScopedNeeds.map(async (n) => {
        const review = await auth.createSelfSubjectAccessReview({
          body: {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SelfSubjectAccessReview",
            spec: { resourceAttributes: { verb: "create", group: n.group, resource: n.resource } },
          },
        });
        return { ...n, allowed: review.status?.allowed === true, ...(review.status?.reason ? { reason: review.status.reason } : {}) };
      }),
    ),
  ).catch((error: unknown) => void (errors.access = why(error)));
  const storageClasses = await within(timeoutMs, kc.makeApiClient(StorageV1Api).listStorageClass())
    .then((list) =>
      list.items.map((s) => ({
        name: s.metadata?.name ?? "?",
        isDefault: ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"].some(
          (a) => s.metadata?.annotations?.[a] === "true",
        ),
      })),
    )
    .catch((error: unknown) => void (errors.storage = why(error)));
  const { quantityValue } = await import("../../generators/validate.js");
  const nodes = await within(timeoutMs, kc.makeApiClient(CoreV1Api).listNode())
    .then((list) =>
      list.items.map((n): NodeFact => ({
        name: n.metadata?.name ?? "?",
        schedulable: !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t) => t.effect === "NoSchedule" || t.effect === "NoExecute"),
        cpuMillis: Math.round((quantityValue(n.status?.allocatable?.cpu) ?? 0) * 1000),
        memoryBytes: quantityValue(n.status?.allocatable?.memory) ?? 0,
        ...(n.metadata?.labels?.["topology.kubernetes.io/zone"] ? { zone: n.metadata.labels["topology.kubernetes.io/zone"] } : {}),
      })),
    )
    .catch((error: unknown) => void (errors.nodes = why(error)));
  return {
    context,
    contexts,
    server: { version },
    ...(access ? { access } : {}),
    ...(storageClasses ? { storageClasses } : {}),
    ...(nodes ? { nodes } : {}),
    ...(Object.keys(errors).length ? { errors } : {}),
  };
}
