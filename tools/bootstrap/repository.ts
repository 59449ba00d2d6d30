// The git remote an existing cluster's Argo CD clones: which credentials it takes (from the environment only),
// the repository Secret bootstrap creates with them, and the webhook the user configures at the git host.
import type { ClusterConfig, StackConfig } from "../../generators/config.js";
import { SecretRef, type Names, type Step } from "./plan.js";
import { environmentOnly } from "./secrets.js";

/** How Argo CD authenticates to the remote: not at all (a public repo), a token or password (https), a deploy key (ssh). */
export type RepositoryAuth = "none" | "https" | "ssh";

/** The Secret bootstrap creates in Argo CD's namespace; Argo CD finds it by its label (declarative repositories). */
export const repositorySecretName = "stackwave-repository";

/** True for ssh:// and scp-like `user@host:path` remotes. */
export const isSsh = (url: string): boolean => url.startsWith("ssh://") || /^[\w.-]+@[^/:]+:/.test(url);

/**
 * The credentials the environment gives for `repoURL`, or the one line that says what is wrong. A token over
 * plain http is refused except on loopback (the simulated cluster's git server), where nothing leaves the machine.
 */
export function repositoryAuth(repoURL: string, env: NodeJS.ProcessEnv): { auth: RepositoryAuth } | { problem: string } {
  const token = Boolean(env[environmentOnly.gitPassword]);
  const key = Boolean(env[environmentOnly.gitSshPrivateKey]);
  if (isSsh(repoURL)) {
    if (token)
      return {
        problem: `${environmentOnly.gitPassword}: ${repoURL} is an ssh remote; give a deploy key in ${environmentOnly.gitSshPrivateKey} instead`,
      };
    if (!key) return { problem: `${environmentOnly.gitSshPrivateKey}: expected the path of a deploy key for the ssh remote ${repoURL}` };
    return { auth: "ssh" };
  }
  if (key)
    return {
      problem: `${environmentOnly.gitSshPrivateKey}: ${repoURL} is an https remote; give a token in ${environmentOnly.gitPassword} instead`,
    };
  if (!token) return { auth: "none" };
  const url = new URL(repoURL);
  if (url.protocol === "http:" && !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))
    return { problem: `${environmentOnly.gitPassword}: refusing to send a token over plain http to ${url.host}; use an https remote` };
  return { auth: "https" };
}

/** The repository Secret; its credentials are SecretRefs, filled only when the step runs. */
export function repositorySecret(repoURL: string, namespace: string, auth: RepositoryAuth): object {
  const credentials =
    auth === "https"
      ? { username: new SecretRef("gitUsername"), password: new SecretRef("gitPassword") }
      : auth === "ssh"
        ? { sshPrivateKey: new SecretRef("gitSshPrivateKey") }
        : {};
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: {
      name: repositorySecretName,
      namespace,
      labels: { "argocd.argoproj.io/secret-type": "repository", "app.kubernetes.io/part-of": "stackwave" },
    },
    stringData: { type: "git", name: "stackwave", url: repoURL, ...credentials },
  };
}

/**
 * Creates the repository Secret. Server-side apply: client-side apply would copy the whole object, token and
 * all, into the last-applied-configuration annotation.
 */
export function repositoryStep(cluster: ClusterConfig, n: Names, auth: RepositoryAuth): Step {
  const how = {
    none: "no credentials (a public repository): set STACKWAVE_GIT_TOKEN or STACKWAVE_GIT_SSH_KEY_FILE for a private one",
    https: `token from ${environmentOnly.gitPassword}, user from ${environmentOnly.gitUsername} (default git)`,
    ssh: `deploy key from the file ${environmentOnly.gitSshPrivateKey} names`,
  }[auth];
  return {
    name: "repository",
    title: `Give Argo CD the git remote ${cluster.repoURL} (Secret ${repositorySecretName}, never in git)`,
    details: [how],
    actions: [
      {
        kind: "command",
        argv: ["kubectl", "--context", n.context, "apply", "--server-side", "--field-manager=stackwave-bootstrap", "-f", "-"],
        stdin: { objects: [repositorySecret(cluster.repoURL, n.argocdNamespace, auth)] },
      },
    ],
    hint: `\`kubectl --context ${n.context} -n ${n.argocdNamespace} get secret ${repositorySecretName}\`; the namespace comes from the secrets step.`,
  };
}

/** The Argo CD URL users open: its Ingress host when the environment has one, else a port-forward. */
export function argocdURL(config: StackConfig, cluster: ClusterConfig): string {
  const host = config.environments.find((e) => e.name === cluster.environment)?.production?.ingress?.hosts.argocd;
  return host ? `https://${host}` : `http://localhost:${cluster.ports.argocd}`;
}

/** What to configure at the git host so a push refreshes Argo CD at once (polling is the fallback). */
export function webhookLines(config: StackConfig, cluster: ClusterConfig, n: Names): string[] {
  const ingress = config.environments.find((e) => e.name === cluster.environment)?.production?.ingress;
  return [
    `webhook at the git host (GitHub: Settings → Webhooks; GitLab and Gitea take the same): push events, content type application/json`,
    `  URL     ${argocdURL(config, cluster)}/api/webhook${ingress ? "" : "  (after exposing argocd-server; no Ingress is configured)"}`,
    `  secret  node -p "require('./${n.secretsFile}').webhookSecret"`,
  ];
}
