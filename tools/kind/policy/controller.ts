// NetworkPolicy enforcement for a harness cluster: kube-router's firewall as a DaemonSet in kube-system,
// loaded into the nodes with `kind load` (README.md says why not kindnetd's controller).
import { imageString, policyController } from "../../../generators/versions.js";
import { run } from "../../cache/command.js";
import type { Docker } from "../docker/daemon.js";
import { kindBinary, type Cluster } from "../cluster.js";

export const policyNamespace = "kube-system";
export const policyName = "kube-router";

/**
 * The ServiceAccount, its read-only ClusterRole (what kube-router's network policy controller watches, and
 * the lease it takes) and the DaemonSet. The firewall alone: kindnetd keeps the CNI, kube-proxy the
 * Services. Privileged on the host network, as upstream's firewall DaemonSet is: it writes the node's
 * iptables and ipsets; it is a test fixture, not part of the generated tree.
 */
export function policyManifests(): string {
  const labels = { "app.kubernetes.io/name": policyName, "app.kubernetes.io/part-of": "stackwave-kind-harness" };
  const meta = { name: policyName, namespace: policyNamespace, labels };
  const objects = [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: policyName, labels },
      rules: [
        {
          apiGroups: [""],
          resources: ["namespaces", "pods", "services", "nodes", "endpoints"],
          verbs: ["get", "list", "watch"],
        },
        { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: policyName, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: policyName },
      subjects: [{ kind: "ServiceAccount", name: policyName, namespace: policyNamespace }],
    },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: meta,
      spec: {
        selector: { matchLabels: { "app.kubernetes.io/name": policyName } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: policyName,
            priorityClassName: "system-node-critical",
            hostNetwork: true,
            tolerations: [{ operator: "Exists" }],
            containers: [
              {
                name: policyName,
                image: imageString(policyController.image),
                imagePullPolicy: "IfNotPresent",
                args: ["--run-router=false", "--run-firewall=true", "--run-service-proxy=false", "--health-port=20244", "--v=1"],
                env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
                securityContext: { privileged: true },
                readinessProbe: { httpGet: { path: "/healthz", port: 20244, host: "127.0.0.1" }, periodSeconds: 3 },
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                volumeMounts: [
                  { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
                  { name: "xtables-lock", mountPath: "/run/xtables.lock" },
                ],
              },
            ],
            volumes: [
              { name: "lib-modules", hostPath: { path: "/lib/modules" } },
              { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
            ],
          },
        },
      },
    },
  ];
  return JSON.stringify({ apiVersion: "v1", kind: "List", items: objects });
}

/**
 * Loads the image into the cluster's nodes, applies the manifests and waits until every node's firewall
 * answers its health check (its first sync of the policies is done by then).
 */
export async function enforcePolicies(docker: Docker, cluster: Cluster, options: { readonly log?: string } = {}): Promise<void> {
  await run([kindBinary, "load", "docker-image", imageString(policyController.image), "--name", cluster.name], {
    env: docker.env,
    log: options.log,
  });
  await cluster.kubectl(["apply", "-f", "-"], { input: policyManifests() });
  await cluster.kubectl(["-n", policyNamespace, "rollout", "status", `daemonset/${policyName}`, "--timeout=180s"]);
}
