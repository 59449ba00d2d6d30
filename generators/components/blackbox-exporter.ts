import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import yaml from "js-yaml";
import type { StackConfig } from "../config.js";
import { container, ingressPolicy, labels, peer, podSecurity, resources, selectorLabels, deployment } from "../meta.js";
import { component } from "../model.js";
import { monitoringNamespace as namespace, workloads } from "../monitoring.js";
import { prometheusPods } from "./prometheus.js";

const { name, port } = workloads.blackboxExporter;

/** The probe modules; Probes name one in spec.module. */
export const blackboxModules = {
  /** An HTTP GET that must answer 2xx within 5 s, over IPv4 (Kind's Services are IPv4). */
  http_2xx: { prober: "http", timeout: "5s", http: { preferred_ip_protocol: "ip4", follow_redirects: true } },
} as const;

/** blackbox.yml as text (the live test runs Debian's blackbox exporter with the same file). */
export function blackboxYaml(): string {
  return yaml.dump({ modules: blackboxModules }, { noRefs: true, lineWidth: -1 });
}

/** The blackbox exporter: probes URLs from outside the app, as a user would. */
export const blackboxExporter = component(import.meta.url, "blackboxExporter", function blackboxExporter(config: StackConfig) {
  const meta = { name, namespace, labels: labels(name, "exporter", config.images.blackboxExporter) };
  const pods = selectorLabels(name, "exporter");
  return [
    new ServiceAccount({ metadata: meta, automountServiceAccountToken: false }),
    new ConfigMap({ metadata: meta, data: { "blackbox.yml": blackboxYaml() } }),
    deployment(meta, pods, {
      serviceAccountName: name,
      automountServiceAccountToken: false,
      securityContext: podSecurity(65534),
      containers: [
        container(name, config.images.blackboxExporter, {
          args: ["--config.file=/etc/blackbox/blackbox.yml", `--web.listen-address=:${port}`],
          ports: [{ name: "http", containerPort: port }],
          readinessProbe: { httpGet: { path: "/-/healthy", port }, periodSeconds: 10 },
          volumeMounts: [{ name: "config", mountPath: "/etc/blackbox", readOnly: true }],
          resources: resources(10, 32, { cpuMillis: 100, memoryMiB: 64 }),
        }),
      ],
      volumes: [{ name: "config", configMap: { name } }],
    }),
    new Service({ metadata: meta, spec: { selector: pods, ports: [{ name: "http", port, targetPort: "http" }] } }),
    ingressPolicy(name, namespace, pods, [{ ports: [port], from: [peer(namespace, prometheusPods)] }]),
  ];
});
