// NetworkPolicy enforcement for a harness cluster: kube-router's firewall as a DaemonSet in kube-system,
// loaded into the nodes with `kind load` (README.md says why not kindnetd's controller).
import { imageString, policyController } from "../../../generators/versions.js";
import { run } from "../../cache/command.js";
import type { Docker } from "../docker/daemon.js";
import { kindBinary, type Cluster } from "../cluster.js";

export const policyNamespace = "kube-system";
export const policyName = "kube-router";

/** kind's default service subnet (pkg/apis/config/v1alpha4/default.go); the generated config keeps it. */
export const serviceSubnet = "10.96.0.0/16";

/**
 * The service guard: refuses a new connection to a ClusterIP that kube-proxy did not translate, which is
 * one whose Service has no endpoints. kube-proxy refuses those itself, in the filter table's FORWARD and
 * OUTPUT chains, but kube-router keeps its own jump first in both and ACCEPTs policy-compliant traffic
 * there, so kube-proxy's REJECT is never reached. The packet then leaves the node untranslated, masqueraded
 * to the node's address: a pod gets an answer from whatever holds that address outside the cluster, and
 * the traffic leaves the namespaces of the run. An nftables table of its own, just before the iptables
 * filter chains (after NAT), restores kube-proxy's refusal.
 */
export function serviceGuard(subnet: string = serviceSubnet): string {
  const rule = `ip daddr ${subnet} ct state new ct status & dnat == 0 reject`;
  const chain = (hook: string) => `  chain ${hook} {\n    type filter hook ${hook} priority filter - 1; policy accept;\n    ${rule}\n  }`;
  return [
    "table inet stackwave-service-guard",
    "delete table inet stackwave-service-guard",
    `table inet stackwave-service-guard {\n${chain("forward")}\n${chain("output")}\n}`,
    "",
  ].join("\n");
}

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
            initContainers: [
              {
                name: "service-guard",
                image: imageString(policyController.image),
                imagePullPolicy: "IfNotPresent",
                command: ["sh", "-c", 'printf "%s" "$GUARD" | nft -f -'],
                env: [{ name: "GUARD", value: serviceGuard() }],
                securityContext: { privileged: true },
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
              },
            ],
            containers: [
              {
                name: policyName,
                image: imageString(policyController.image),
                imagePullPolicy: "IfNotPresent",
                args: [
                  "--run-router=false",
                  "--run-firewall=true",
                  "--run-service-proxy=false",
                  `--service-cluster-ip-range=${serviceSubnet}`,
                  "--health-port=20244",
                  "--v=1",
                ],
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
