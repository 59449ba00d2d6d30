// Helm values for the argo-cd chart (argoproj/argo-helm charts/argo-cd), generated per cluster, and the
// contract bootstrap keeps when it installs the chart. Secrets are never here: bootstrap passes them with
// --set-string (argocdSecretKeys), and Argo CD's self-management never renders argocd-secret.
import type { ClusterConfig, StackConfig } from "../config.js";
import { nodePorts } from "../stack.js";
import { argocdIngressValues } from "../production.js";
import { argocd } from "../versions.js";

/** Where Argo CD runs. The release name must stay `argocd`: the chart names every object after it. */
export const argocdRelease = { name: "argocd", namespace: "argocd" } as const;

/** The values file of a cluster, relative to the repository root (bootstrap's `helm install -f`). */
export const argocdValuesPath = (cluster: Pick<ClusterConfig, "name">): string => `clusters/${cluster.name}/argocd-values.yaml`;

/**
 * Application health, added back so sync waves between child Applications wait (argo-cd#3781).
 * It starts at Progressing: a child with no status yet must not open the next wave. Healthy also needs
 * Synced: a child whose objects have no health checks (the CRD layer: CRDs and Namespaces) reports Healthy
 * before it has applied anything, which let the operator wave start early on the simulated cluster.
 * Argo CD runs it with gopher-lua (Lua 5.1), so keep it 5.1-compatible.
 */
export const applicationHealthLua = `hs = {}
hs.status = "Progressing"
hs.message = "waiting for the Application to report health"
if obj.status ~= nil and obj.status.health ~= nil and obj.status.health.status ~= nil then
  hs.status = obj.status.health.status
  if obj.status.health.message ~= nil then
    hs.message = obj.status.health.message
  end
  if hs.status == "Healthy" and (obj.status.sync == nil or obj.status.sync.status ~= "Synced") then
    hs.status = "Progressing"
    hs.message = "waiting for the Application to sync"
  end
end
return hs
`;

/**
 * Health of the operator's workloads (Prometheus, Alertmanager) from its Available condition: True is
 * Healthy, Degraded is Degraded, anything else is still Progressing. Argo CD has no Alertmanager check, and
 * its Prometheus check calls Available=False (no pod ready yet, right after creation) Degraded, which fails
 * the root's sync in the middle of the platform wave and sends it into retry backoff.
 */
export const availableHealthLua = `hs = {}
hs.status = "Progressing"
hs.message = "waiting for prometheus-operator to report Available"
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Available" then
      if condition.status == "True" then
        hs.status = "Healthy"
      elseif condition.status == "Degraded" then
        hs.status = "Degraded"
      end
      if condition.message ~= nil and condition.message ~= "" then
        hs.message = condition.message
      else
        hs.message = "Available=" .. condition.status
      end
    end
  end
end
return hs
`;

/**
 * CRD health: Healthy once Established, Degraded when its names clash or its schema is not structural, and
 * otherwise Progressing. Argo CD's own check calls a CRD that is a moment old ("not established" yet)
 * Degraded, which failed the crds layer's sync on the simulated cluster; Argo CD then left it Degraded until
 * the next poll, 3 minutes on, holding every later wave.
 */
export const crdHealthLua = `hs = {}
hs.status = "Progressing"
hs.message = "waiting for the API server to establish the CRD"
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "NamesAccepted" and condition.status == "False" then
      hs.status = "Degraded"
      hs.message = "CRD names not accepted: " .. (condition.message or "")
      return hs
    end
    if condition.type == "NonStructuralSchema" and condition.status == "True" then
      hs.status = "Degraded"
      hs.message = "CRD schema is not structural: " .. (condition.message or "")
      return hs
    end
    if condition.type == "Established" and condition.status == "True" then
      hs.status = "Healthy"
      hs.message = "CRD is established"
    end
  end
end
return hs
`;

/** argocd-cm keys of the health checks above, as Argo CD names them (`<group>_<kind>`). */
export const healthKeys = {
  application: "resource.customizations.health.argoproj.io_Application",
  alertmanager: "resource.customizations.health.monitoring.coreos.com_Alertmanager",
  prometheus: "resource.customizations.health.monitoring.coreos.com_Prometheus",
  crd: "resource.customizations.health.apiextensions.k8s.io_CustomResourceDefinition",
} as const;

/**
 * The chart values bootstrap must set on the command line (`helm install ... --set-string key=value`),
 * checked against charts/argo-cd/values.yaml of the pinned chart. They land in argocd-secret only.
 */
export const argocdSecretKeys = {
  /** GitHub-style webhook HMAC secret; the git server signs its push events with the same value. */
  webhookSecret: "configs.secret.githubSecret",
  /** bcrypt hash of the admin password (the chart stores it as admin.password). */
  adminPasswordHash: "configs.secret.argocdServerAdminPassword",
  /** Pinned modification time (RFC 3339, UTC); unset, the chart stamps "now" on every upgrade. */
  adminPasswordMtime: "configs.secret.argocdServerAdminPasswordMtime",
} as const;

/** The secret values bootstrap supplies; none of them is ever committed. */
export type ArgoCdSecrets = { readonly [K in keyof typeof argocdSecretKeys]: string };

const checks: { readonly [K in keyof ArgoCdSecrets]: readonly [RegExp, string] } = {
  // --set-string splits on commas and unescapes backslashes, so keep the secret to URL-safe characters.
  webhookSecret: [/^[A-Za-z0-9._~-]{16,}$/, "at least 16 characters from A-Z a-z 0-9 . _ ~ -"],
  adminPasswordHash: [/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/, "a bcrypt hash such as $2a$10$... (bcryptjs hashSync)"],
  adminPasswordMtime: [/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, "an RFC 3339 UTC time such as 2026-01-02T15:04:05Z"],
};

/** What is wrong with one secret value ("expected ..."), or undefined when Helm and Argo CD take it as is. */
export function checkArgocdSecret(field: keyof ArgoCdSecrets, value: unknown): string | undefined {
  const [pattern, expected] = checks[field];
  return typeof value === "string" && pattern.test(value) ? undefined : `expected ${expected}`;
}

/**
 * The `--set-string` arguments for `helm install`/`upgrade` of the argo-cd chart. Throws naming the
 * field when a value would be mangled by Helm or rejected by Argo CD.
 */
export function helmSecretArgs(secrets: ArgoCdSecrets): string[] {
  return (Object.keys(argocdSecretKeys) as (keyof ArgoCdSecrets)[]).flatMap((field) => {
    const problem = checkArgocdSecret(field, secrets[field]);
    if (problem) throw new Error(`argocd secrets: ${field}: ${problem}`);
    return ["--set-string", `${argocdSecretKeys[field]}=${secrets[field]}`];
  });
}

/** The chart values, typed to what we set. */
export class ArgoCdValues {
  constructor(readonly values: Record<string, unknown>) {}
  validate(): void {
    const cm = (this.values.configs as { cm?: Record<string, unknown> } | undefined)?.cm;
    if (typeof cm?.[healthKeys.application] !== "string" || !String(cm[healthKeys.application]).includes('hs.status = "Progressing"'))
      throw new Error(`argocd values: configs.cm: expected ${healthKeys.application} starting at Progressing`);
    if (JSON.stringify(this.values).includes("argocdServerAdminPassword") || JSON.stringify(this.values).includes("githubSecret"))
      throw new Error("argocd values: configs.secret: expected no secret values (bootstrap passes them with --set-string)");
  }
  toJSON(): object {
    return this.values;
  }
}

/** Requests a laptop can hold; limits leave room for the first sync's burst. */
const small = (cpu: number, mem: number) => ({ requests: { cpu: `${cpu}m`, memory: `${mem}Mi` }, limits: { cpu: `${cpu * 4}m`, memory: `${mem * 2}Mi` } });

export function argocdValues(config: StackConfig, cluster: ClusterConfig): ArgoCdValues {
  const ingress = config.environments.find((e) => e.name === cluster.environment)?.production?.ingress;
  // An existing cluster: no Kind port mapping, so no NodePort; the URL is the Ingress host when there is one,
  // and the repository Secret comes from bootstrap with its credentials (tools/bootstrap/repository.ts).
  const existing = cluster.runtime === "existing";
  const server = existing
    ? { service: { type: "ClusterIP" }, ...(ingress ? { ingress: argocdIngressValues(ingress) } : {}) }
    : { service: { type: "NodePort", nodePortHttp: nodePorts.argocd } };
  const url = existing && ingress ? `https://${ingress.hosts.argocd}` : `http://localhost:${cluster.ports.argocd}`;
  return new ArgoCdValues({
    // The chart's own appVersion is v3.2.6; run the pinned release (see versions.ts).
    global: { image: { repository: `${argocd.image.registry}/${argocd.image.repository}`, tag: config.versions.argocd } },
    dex: { enabled: false },
    configs: {
      cm: {
        url,
        // The stack selects on app.kubernetes.io/instance, so Argo CD must not write that label.
        "application.resourceTrackingMethod": "annotation",
        // Pushes refresh through the webhook at once; polling is the fallback.
        "timeout.reconciliation": "180s",
        [healthKeys.application]: applicationHealthLua,
        [healthKeys.alertmanager]: availableHealthLua,
        [healthKeys.prometheus]: availableHealthLua,
        [healthKeys.crd]: crdHealthLua,
      },
      // Plain HTTP: on Kind the UI is only mapped to 127.0.0.1; elsewhere TLS ends at the Ingress.
      params: { "server.insecure": true },
      ...(existing ? {} : { repositories: { stackwave: { name: "stackwave", type: "git", url: cluster.repoURL } } }),
    },
    server: { ...server, resources: small(50, 128) },
    // 100m, not more: a local Kind node has as many CPUs as the laptop, often 2, and kube-system already
    // requests 950m of them; the stack's requests must fit in the rest (a real 2-core run found them 80m over).
    controller: { resources: small(100, 512) },
    repoServer: { resources: small(100, 256) },
    redis: { resources: small(50, 64) },
    applicationSet: { replicas: 0 },
    notifications: { enabled: false },
  });
}
