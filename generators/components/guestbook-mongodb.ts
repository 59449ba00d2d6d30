import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import type { StackConfig } from "../config.js";
import { container, labels, podSecurity, resources, selectorLabels } from "../meta.js";
import { component } from "../model.js";
import { component as role, credentials, mongodbPort, names, namespace, secretEnv, tmpVolume } from "./guestbook.js";

/** The mongo image's `mongodb` user and group. */
const mongoUid = 999;

/**
 * mongosh's global config (/etc/mongosh.conf): the probe starts a shell every few seconds, and each would
 * otherwise leave a log file in the small /tmp and try to send telemetry out of the cluster.
 */
const mongoshConfig = "mongosh:\n  disableLogging: true\n  enableTelemetry: false\n  forceDisableTelemetry: true\n";

/** The ConfigMap holding mongosh.conf. */
export const mongoshConfigName = "mongosh-config";

/** `mongosh` ping: answers without authentication, so the probe needs no credentials. */
const ping = ["mongosh", "--quiet", "--norc", "--eval", "db.adminCommand({ ping: 1 }).ok"];

/**
 * MongoDB with authentication on: the image's entrypoint creates the root user from the bootstrap
 * Secret on first start. One replica with its own 1Gi volume; the headless Service `mongodb` gives the
 * backend a stable name. The root filesystem stays read-only: data goes to the volume, the entrypoint's
 * temporary config and mongod's socket to /tmp, and mongosh's state to $HOME, which points at /tmp too.
 * No exception to the hardening is needed.
 */
export const guestbookMongodb = component(import.meta.url, "guestbookMongodb", function guestbookMongodb(config: StackConfig) {
  const name = names.mongodb;
  const image = config.images.mongodb;
  const meta = { name, namespace, labels: labels(name, role, image) };
  const selector = selectorLabels(name, role);
  const shellConfig = new ConfigMap({
    metadata: { name: mongoshConfigName, namespace, labels: labels(name, role, image) },
    data: { "mongosh.conf": mongoshConfig },
  });
  return [
    shellConfig,
    new StatefulSet({
      metadata: meta,
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: meta.labels },
          spec: {
            // Skip the recursive chown of the volume on every start once its owner is right.
            securityContext: { ...podSecurity(mongoUid), fsGroupChangePolicy: "OnRootMismatch" },
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            containers: [
              container(name, image, {
                // WiredTiger's cache otherwise sizes itself from the node's memory, not the limit below.
                args: ["--wiredTigerCacheSizeGB", "0.25"],
                env: [
                  secretEnv("MONGO_INITDB_ROOT_USERNAME", credentials.usernameKey),
                  secretEnv("MONGO_INITDB_ROOT_PASSWORD", credentials.passwordKey),
                  { name: "HOME", value: "/tmp" },
                ],
                ports: [{ name: "mongodb", containerPort: mongodbPort }],
                // First start runs a localhost-only mongod to create the user; allow it up to 5 minutes.
                startupProbe: { tcpSocket: { port: "mongodb" }, periodSeconds: 5, failureThreshold: 60 },
                // A TCP check is cheap; a mongosh process per probe costs ~100 MiB and a CPU second.
                livenessProbe: { tcpSocket: { port: "mongodb" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
                readinessProbe: { exec: { command: ping }, periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3 },
                resources: resources(100, 384, { cpuMillis: 1000, memoryMiB: 768 }),
                volumeMounts: [
                  { name: "data", mountPath: "/data/db" },
                  // The image declares it a volume; Kubernetes does not create one, and the root is read-only.
                  { name: "configdb", mountPath: "/data/configdb" },
                  { name: tmpVolume.name, mountPath: "/tmp" },
                  { name: "mongosh-config", mountPath: "/etc/mongosh.conf", subPath: "mongosh.conf", readOnly: true },
                ],
              }),
            ],
            volumes: [
              tmpVolume,
              { name: "configdb", emptyDir: { sizeLimit: "16Mi" } },
              { name: "mongosh-config", configMap: { name: shellConfig.metadata!.name! } },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data", labels: selector },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
          },
        ],
      },
    }),
    new Service({
      metadata: meta,
      spec: {
        clusterIP: "None",
        selector,
        ports: [{ name: "mongodb", port: mongodbPort, targetPort: "mongodb" }],
      },
    }),
  ];
});
