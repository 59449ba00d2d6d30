import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { StackConfig } from "../config.js";
import { container, ingressPolicy, labels, peer, podSecurity, resources, selectorLabels, deployment } from "../meta.js";
import { component } from "../model.js";
import { bootstrapSecrets, guestbook, guestbookNamespace, monitoringNamespace as namespace, workloads } from "../monitoring.js";
import { prometheusPods } from "./prometheus.js";

const { name, port } = workloads.mongodbExporter;
const secret = bootstrapSecrets.mongodb;

/** The exporter's connection string, without credentials (they come from the bootstrap Secret). */
export const mongodbURI = `mongodb://${guestbook.mongodb.service}.${guestbookNamespace}.svc:${guestbook.mongodb.port}/admin`;

/** The exporter's flags; without a URI it reads MONGODB_URI from its environment (an external database). */
export function mongodbExporterArgs(uri?: string): string[] {
  return [...(uri ? [`--mongodb.uri=${uri}`] : []), "--compatible-mode", "--collector.diagnosticdata", `--web.listen-address=:${port}`];
}

/**
 * The MongoDB exporter for the guestbook's database. `--compatible-mode` adds the classic metric names
 * (mongodb_connections, mongodb_op_counters_total, ...) that dashboards and alerts use, which older
 * exporters (Debian's, in the live test) expose too.
 */
export const mongodbExporter = component(import.meta.url, "mongodbExporter", function mongodbExporter(config: StackConfig) {
  const meta = { name, namespace, labels: labels(name, "exporter", config.images.mongodbExporter) };
  const pods = selectorLabels(name, "exporter");
  const fromSecret = (key: string) => ({ secretKeyRef: { name: secret.name, key } });
  return [
    new ServiceAccount({ metadata: meta, automountServiceAccountToken: false }),
    deployment(meta, pods, {
      serviceAccountName: name,
      automountServiceAccountToken: false,
      securityContext: podSecurity(65534),
      containers: [
        container(name, config.images.mongodbExporter, {
          args: mongodbExporterArgs(mongodbURI),
          env: [
            { name: "MONGODB_USER", valueFrom: fromSecret(secret.userKey) },
            { name: "MONGODB_PASSWORD", valueFrom: fromSecret(secret.passwordKey) },
          ],
          ports: [{ name: "metrics", containerPort: port }],
          resources: resources(10, 32, { cpuMillis: 100, memoryMiB: 64 }),
        }),
      ],
    }),
    new Service({ metadata: meta, spec: { selector: pods, ports: [{ name: "metrics", port, targetPort: "metrics" }] } }),
    ingressPolicy(name, namespace, pods, [{ ports: [port], from: [peer(namespace, prometheusPods)] }]),
  ];
});
