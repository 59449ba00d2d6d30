// The PagerDuty double of test/monitoring/pagerduty.ts as a pod in a namespace the e2e run creates, so the
// in-cluster Alertmanager can page it. The pod runs the same file with node's type stripping, in the
// guestbook backend's image (node 24, already on the node), hardened like every workload of the stack.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PagerDutyEvent, Received } from "../monitoring/pagerduty.js";

export const pagerNamespace = "stackwave-e2e-pager";
const name = "pagerduty";
const port = 8080;

/** The Events API URL of the double, as an absolute name: no search domain sends the lookup off the cluster. */
export const pagerURL = `http://${name}.${pagerNamespace}.svc.cluster.local.:${port}/v2/enqueue`;

const script = [
  `import { startFakePagerDuty } from "/double/pagerduty.ts";`,
  `await startFakePagerDuty({ host: "0.0.0.0", port: ${port}, onRecord: (r) => console.log(JSON.stringify(r)) });`,
  `console.log(JSON.stringify({ listening: ${port} }));`,
].join("\n");

/** Namespace, ConfigMap (the double's source), pod and Service, as one kubectl apply input. */
export function pagerManifests(image: string): string {
  const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "stackwave-e2e" };
  const source = readFileSync(join(import.meta.dirname, "..", "monitoring", "pagerduty.ts"), "utf8");
  const objects = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: pagerNamespace, labels } },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `${name}-double`, namespace: pagerNamespace, labels },
      data: { "pagerduty.ts": source },
    },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: pagerNamespace, labels },
      spec: {
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name,
            image,
            command: ["node", "--input-type=module", "-e", script],
            ports: [{ name: "http", containerPort: port }],
            readinessProbe: { tcpSocket: { port }, periodSeconds: 2 },
            securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            resources: { requests: { cpu: "10m", memory: "48Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
            volumeMounts: [{ name: "double", mountPath: "/double", readOnly: true }],
          },
        ],
        volumes: [{ name: "double", configMap: { name: `${name}-double` } }],
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: pagerNamespace, labels },
      spec: { selector: labels, ports: [{ name: "http", port, targetPort: port }] },
    },
  ];
  return objects.map((o) => JSON.stringify(o)).join("\n");
}

export interface PagerLog {
  readonly accepted: readonly Received[];
  readonly rejected: readonly { body: string; problems: string[] }[];
}

/** What the double has logged so far (one JSON object per line). */
export function parsePagerLog(text: string): PagerLog {
  const accepted: Received[] = [];
  const rejected: { body: string; problems: string[] }[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    const record = JSON.parse(line) as { accepted?: Received; rejected?: { body: string; problems: string[] } };
    if (record.accepted) accepted.push(record.accepted);
    if (record.rejected) rejected.push(record.rejected);
  }
  return { accepted, rejected };
}

/** The first event the double accepted at or after `since` that `matches`. */
export function firstEvent(log: PagerLog, since: number, matches: (event: PagerDutyEvent) => boolean): Received | undefined {
  return log.accepted.find((r) => r.at >= since && matches(r.event));
}
