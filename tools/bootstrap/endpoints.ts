// What bootstrap prints at the end: every URL the stack answers on and how to read each login.
import type { ClusterConfig } from "../../generators/config.js";
import { localRegistry } from "../../generators/versions.js";
import type { Names } from "./plan.js";
import { logins, secretEnv } from "./secrets.js";

export interface Endpoint {
  readonly name: string;
  readonly url: string;
  readonly login: string;
}

/** `env` tells whether the Argo CD password came from the environment: then it is not in the store, so say so. */
export function endpoints(cluster: ClusterConfig, n: Names, env: NodeJS.ProcessEnv = process.env): Endpoint[] {
  const fromStore = (key: string) => `node -p "require('./${n.secretsFile}').${key}"`;
  const monitoring = "monitoring";
  const given = Boolean(env[secretEnv.argocdAdminPassword]);
  return [
    {
      name: "Argo CD",
      url: `http://localhost:${cluster.ports.argocd}`,
      login: `user ${logins.argocdAdminUser}, password: ${
        given ? `the ${secretEnv.argocdAdminPassword} you set (not stored)` : fromStore("argocdAdminPassword")
      }`,
    },
    {
      name: "Grafana",
      url: `http://localhost:${cluster.ports.grafana}`,
      login: `user ${logins.grafanaAdminUser}, password: kubectl --context ${n.context} -n ${monitoring} get secret grafana-admin -o jsonpath='{.data.admin-password}' | base64 -d`,
    },
    { name: "Prometheus", url: `http://localhost:${cluster.ports.prometheus}`, login: "no login" },
    { name: "Alertmanager", url: `http://localhost:${cluster.ports.alertmanager}`, login: "no login" },
    { name: "Guestbook", url: `http://localhost:${cluster.ports.guestbook}`, login: "no login" },
    {
      name: "Git remote",
      url: n.gitRemoteURL,
      login: `no login; \`git push ${n.gitRemote} HEAD:${cluster.targetRevision}\` deploys (webhook → Argo CD)`,
    },
    { name: "Registry", url: `http://${localRegistry.host}/v2/_catalog`, login: "no login" },
  ];
}

export function formatEndpoints(list: readonly Endpoint[]): string {
  const width = Math.max(...list.map((e) => e.name.length));
  return list.map((e) => `  ${e.name.padEnd(width)}  ${e.url}\n  ${" ".repeat(width)}  ${e.login}`).join("\n");
}
