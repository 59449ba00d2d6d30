import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { StackConfig } from "../config.js";
import { container, labels, podSecurity, resources, selectorLabels } from "../meta.js";
import { component } from "../model.js";
import { monitoringNamespace as namespace, workloads } from "../monitoring.js";

const { name, port } = workloads.nodeExporter;

/**
 * Devices and mounts that describe the container runtime, not the node: Kind nodes are containers on
 * the host's Docker, so every pod adds a veth and an overlay mount. Excluding them keeps the series
 * count flat and the filesystem alerts about real disks.
 */
export const nodeExporterExcludes = {
  netDevices: "^(veth.*|docker.*|br-.*|cni.*|flannel.*|cali.*|lo)$",
  mountPoints: "^/(dev|proc|run|sys|var/lib/docker/.+|var/lib/kubelet/.+|var/lib/containerd/.+|run/containerd/.+)($|/)",
  fsTypes:
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tmpfs|tracefs|shm)$",
} as const;

/** The node-exporter arguments, shared with the live test that runs Debian's node exporter. */
export function nodeExporterArgs(rootfs: string | undefined): string[] {
  return [
    ...(rootfs ? [`--path.rootfs=${rootfs}`] : []),
    `--collector.netclass.ignored-devices=${nodeExporterExcludes.netDevices}`,
    `--collector.netdev.device-exclude=${nodeExporterExcludes.netDevices}`,
    `--collector.filesystem.mount-points-exclude=${nodeExporterExcludes.mountPoints}`,
    `--collector.filesystem.fs-types-exclude=${nodeExporterExcludes.fsTypes}`,
  ];
}

/**
 * node-exporter on every node. Documented exceptions to the hardening rules (docs/monitoring.md):
 * - hostNetwork and hostPID: the node's network devices and processes are what it measures;
 * - the host's / mounted read-only at /host/root, WITHOUT mountPropagation HostToContainer, which fails
 *   on Docker Desktop (prometheus-community/helm-charts#467); mounts made after start are not seen;
 * - no NetworkPolicy: policies do not apply to hostNetwork pods.
 */
export const nodeExporter = component(import.meta.url, "nodeExporter", function nodeExporter(config: StackConfig) {
  const meta = { name, namespace, labels: labels(name, "exporter", config.images.nodeExporter) };
  const pods = selectorLabels(name, "exporter");
  return [
    new ServiceAccount({ metadata: meta, automountServiceAccountToken: false }),
    new DaemonSet({
      metadata: meta,
      spec: {
        selector: { matchLabels: pods },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } },
        template: {
          metadata: { labels: meta.labels },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            hostNetwork: true,
            hostPID: true,
            priorityClassName: "system-node-critical",
            tolerations: [{ operator: "Exists" }],
            securityContext: podSecurity(65534),
            containers: [
              container(name, config.images.nodeExporter, {
                args: [`--web.listen-address=:${port}`, ...nodeExporterArgs("/host/root")],
                ports: [{ name: "metrics", containerPort: port, hostPort: port }],
                volumeMounts: [{ name: "root", mountPath: "/host/root", readOnly: true }],
                resources: resources(20, 32, { cpuMillis: 200, memoryMiB: 64 }),
              }),
            ],
            volumes: [{ name: "root", hostPath: { path: "/" } }],
          },
        },
      },
    }),
    new Service({
      metadata: meta,
      spec: { clusterIP: "None", selector: pods, ports: [{ name: "metrics", port, targetPort: "metrics" }] },
    }),
  ];
});
