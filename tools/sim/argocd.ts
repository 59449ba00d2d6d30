// The objects Argo CD needs before its processes start: its namespace, settings ConfigMaps, the
// argocd-secret and the default AppProject. The CRDs themselves come from the pinned Go module.
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import yaml from "js-yaml";
import { goTools } from "../../generators/versions.js";
import { goModuleDir } from "../cache/gomod.js";

/** Argo CD settings the simulated cluster applies. */
export interface ArgoSettings {
  /** Namespace the components watch. Default "argocd". */
  readonly namespace: string;
  /** Plain admin password; only its bcrypt hash is stored in the cluster. */
  readonly adminPassword: string;
  /** The argocd-server URL (argocd-cm `url`). */
  readonly url: string;
  /** Extra argocd-cm entries, e.g. the Application health Lua from a generated cluster definition. */
  readonly cm?: Readonly<Record<string, string>>;
  /** Extra argocd-secret entries, e.g. `webhook.github.secret`. */
  readonly secret?: Readonly<Record<string, string>>;
}

/** The CRD files of the pinned Argo CD release (manifests/crds/*-crd.yaml). */
export async function argoCrdFiles(): Promise<string[]> {
  const dir = join(await goModuleDir(goTools.argocd.module, goTools.argocd.version), "manifests", "crds");
  return readdirSync(dir)
    .filter((f) => f.endsWith("-crd.yaml"))
    .map((f) => join(dir, f));
}

const labels = (name: string) => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "argocd" });

/** Namespace, ConfigMaps and Secret as one multi-document YAML for `kubectl apply -f -`. */
export function argoSettingsYaml(s: ArgoSettings): string {
  const ns = s.namespace;
  const cm = (name: string, data: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: ns, labels: labels(name) },
    data,
  });
  const docs = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    // The sim's own URL wins over one from a cluster definition: it is the only address that works here.
    cm("argocd-cm", { "admin.enabled": "true", ...s.cm, url: s.url }),
    cm("argocd-rbac-cm", { "policy.default": "role:readonly" }),
    cm("argocd-cmd-params-cm", {}),
    // Watched by the server and repo-server; empty means "no extra certificates, hosts or keys".
    cm("argocd-tls-certs-cm", {}),
    cm("argocd-ssh-known-hosts-cm", {}),
    cm("argocd-gpg-keys-cm", {}),
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "argocd-secret", namespace: ns, labels: labels("argocd-secret") },
      type: "Opaque",
      stringData: {
        "admin.password": bcrypt.hashSync(s.adminPassword, 10),
        "admin.passwordMtime": new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        "server.secretkey": randomBytes(32).toString("base64"),
        ...s.secret,
      },
    },
  ];
  return docs.map((d) => yaml.dump(d, { noRefs: true, lineWidth: -1 })).join("---\n");
}

/** The `default` AppProject (argocd-server creates it too; applying it first avoids a race). */
export function defaultProjectYaml(namespace: string): string {
  return yaml.dump(
    {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "AppProject",
      metadata: { name: "default", namespace },
      spec: {
        sourceRepos: ["*"],
        destinations: [{ server: "*", namespace: "*" }],
        clusterResourceWhitelist: [{ group: "*", kind: "*" }],
      },
    },
    { noRefs: true, lineWidth: -1 },
  );
}
