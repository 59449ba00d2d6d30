// A real Kind cluster from the generated clusters/local/kind-config.yaml, on the node image built from
// source (tools/images, tools/kind/node): the node and CoreDNS get Ready, the generated kubeadm patches
// expose the control-plane metrics endpoints to the cluster, and a locally built image serves through a
// NodePort on 127.0.0.1.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../tools/cache/command.js";
import { createCluster, deleteCluster, kindBinary, type Cluster } from "../../tools/kind/cluster.js";
import { dockerPaths, startDocker, stopDocker, type Docker } from "../../tools/kind/docker/daemon.js";
import { ensureImages } from "../../tools/images/build.js";
import { kindNodeReference } from "../../tools/images/list.js";
import { buildProbeImage, kindBlocker, probeContainer, probeImage } from "./harness.js";

const blocker = kindBlocker();
const log = join(dockerPaths.root, "kind-test.log");
/** The first node port of the generated config (the guestbook frontend's). */
const nodePort = 30080;

/** The probe: serves a page on 8080 and knows its node's IP; exposed by a NodePort Service. */
const probeManifest = {
  apiVersion: "v1",
  kind: "List",
  items: [
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "probe", namespace: "default", labels: { app: "probe" } },
      spec: {
        containers: [{ ...probeContainer, env: [{ name: "HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } }] }],
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "probe", namespace: "default" },
      spec: { type: "NodePort", selector: { app: "probe" }, ports: [{ port: 8080, targetPort: 8080, nodePort }] },
    },
  ],
};

describe.skipIf(blocker)("Kind cluster from clusters/local/kind-config.yaml", () => {
  let docker: Docker;
  let cluster: Cluster | undefined;

  beforeAll(async () => {
    docker = await startDocker();
    await ensureImages(docker, undefined, { log });
    await buildProbeImage(docker, log);
    // A cluster of this name left by an interrupted run (the daemon outlived it) makes kind refuse the name.
    await deleteCluster(docker, "stackwave-local", log);
    cluster = await createCluster(docker, { log });
    await run([kindBinary, "load", "docker-image", probeImage, "--name", cluster.name], { env: docker.env, log });
    await cluster.kubectl(["apply", "-f", "-"], { input: JSON.stringify(probeManifest) });
    await cluster.kubectl(["wait", "--for=condition=Ready", "node", "--all", "--timeout=600s"]);
    await cluster.kubectl(["-n", "kube-system", "wait", "--for=condition=Ready", "pod", "-l", "k8s-app=kube-dns", "--timeout=600s"]);
    await cluster.kubectl(["wait", "--for=condition=Ready", "pod/probe", "--timeout=600s"]);
  });

  afterAll(async () => {
    if (cluster) await cluster.delete();
    else if (docker) await deleteCluster(docker, "stackwave-local", log);
    if (docker?.started) await stopDocker();
  });

  const exec = (command: string) => cluster!.kubectl(["exec", "probe", "--", "sh", "-c", command]);

  it("runs the node image built here, and the node is Ready", async () => {
    const nodes = JSON.parse(await cluster!.kubectl(["get", "nodes", "-o", "json"])) as {
      items: { status: { conditions: { type: string; status: string }[]; nodeInfo: { kubeletVersion: string } } }[];
    };
    expect(nodes.items).toHaveLength(1);
    const node = nodes.items[0]!;
    expect(node.status.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(kindNodeReference).toContain(node.status.nodeInfo.kubeletVersion);
  });

  it("has CoreDNS Ready and resolving service names", async () => {
    const pods = JSON.parse(await cluster!.kubectl(["-n", "kube-system", "get", "pods", "-l", "k8s-app=kube-dns", "-o", "json"])) as {
      items: { status: { conditions: { type: string; status: string }[] } }[];
    };
    expect(pods.items.length).toBeGreaterThan(0);
    for (const pod of pods.items) expect(pod.status.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(await exec("getent hosts kubernetes.default.svc.cluster.local")).toMatch(/^10\.96\.0\.1\s/);
  });

  it("reaches the control-plane metrics endpoints the generated kubeadm patches open", async () => {
    // Each answers on the node's address only because of the patches (bind-address 0.0.0.0,
    // listen-metrics-urls, metricsBindAddress); their defaults listen on 127.0.0.1.
    expect(await exec('curl -sk "https://$HOST_IP:10257/healthz"')).toBe("ok");
    expect(await exec('curl -sk "https://$HOST_IP:10259/healthz"')).toBe("ok");
    expect(JSON.parse(await exec('curl -s "http://$HOST_IP:2381/health"'))).toMatchObject({ health: "true" });
    expect(await exec('curl -s "http://$HOST_IP:10249/metrics"')).toMatch(/^kubeproxy_sync_proxy_rules_duration_seconds_count /m);
  });

  it("serves the locally built image through a NodePort on 127.0.0.1", async () => {
    const hostPort = cluster!.hostPorts.get(nodePort);
    expect(hostPort).toBeDefined();
    const response = await fetch(`http://127.0.0.1:${hostPort}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("stackwave kind probe\n");
  });
});
