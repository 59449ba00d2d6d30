// Helm values for the argo-cd chart (argoproj/argo-helm charts/argo-cd), generated per cluster.
// Secrets are not here: bootstrap passes the admin password hash and webhook secret with --set.
import type { ClusterConfig, StackConfig } from "../config.js";
import { nodePorts } from "../stack.js";

/**
 * Application health, added back so sync waves between child Applications wait (argo-cd#3781).
 * It starts at Progressing: a child with no status yet must not open the next wave.
 */
export const applicationHealthLua = `hs = {}
hs.status = "Progressing"
hs.message = "waiting for the Application to report health"
if obj.status ~= nil and obj.status.health ~= nil and obj.status.health.status ~= nil then
  hs.status = obj.status.health.status
  if obj.status.health.message ~= nil then
    hs.message = obj.status.health.message
  end
end
return hs
`;

/** Argo CD has no built-in Alertmanager check; follow the operator's Available condition. */
export const alertmanagerHealthLua = `hs = {}
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

/** The chart values, typed to what we set. */
export class ArgoCdValues {
  constructor(readonly values: Record<string, unknown>) {}
  validate(): void {
    const cm = (this.values.configs as { cm?: Record<string, unknown> } | undefined)?.cm;
    if (!cm?.["resource.customizations.health.argoproj.io_Application"]) throw new Error("argocd values: expected the Application health customization in configs.cm");
  }
  toJSON(): object {
    return this.values;
  }
}

const small = (cpu: number, mem: number) => ({ requests: { cpu: `${cpu}m`, memory: `${mem}Mi` }, limits: { cpu: `${cpu * 4}m`, memory: `${mem * 2}Mi` } });

export function argocdValues(config: StackConfig, cluster: ClusterConfig): ArgoCdValues {
  return new ArgoCdValues({
    global: { image: { tag: config.versions.argocd } },
    dex: { enabled: false },
    configs: {
      cm: {
        "application.resourceTrackingMethod": "annotation",
        "timeout.reconciliation": "180s",
        "resource.customizations.health.argoproj.io_Application": applicationHealthLua,
        "resource.customizations.health.monitoring.coreos.com_Alertmanager": alertmanagerHealthLua,
      },
      params: { "server.insecure": true },
      repositories: { stackwave: { name: "stackwave", type: "git", url: cluster.repoURL } },
    },
    server: { service: { type: "NodePort", nodePortHttp: nodePorts.argocd }, resources: small(50, 128) },
    controller: { resources: small(250, 512) },
    repoServer: { resources: small(100, 256) },
    redis: { resources: small(50, 64) },
    applicationSet: { replicas: 0 },
    notifications: { enabled: false },
  });
}
