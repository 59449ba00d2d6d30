// NetworkPolicy enforcement on a real Kind node (tools/kind/policy): without an enforcer a policy is only
// an object; with kube-router's firewall it refuses what it does not admit, admits what it names, keeps
// the kubelet's probes working and kube-proxy's refusal of Services without endpoints, and follows a
// policy's removal.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../tools/cache/command.js";
import { createCluster, deleteCluster, kindBinary, type Cluster } from "../../tools/kind/cluster.js";
import { dockerPaths, startDocker, stopDocker, type Docker } from "../../tools/kind/docker/daemon.js";
import { enforcePolicies } from "../../tools/kind/policy/controller.js";
import { ensureImages } from "../../tools/images/build.js";
import { buildProbeImage, kindBlocker, probeContainer, probeImage } from "./harness.js";

const blocker = kindBlocker();
const log = join(dockerPaths.root, "kind-policy-test.log");
/** A namespace of this test's own: every connection below stays inside it. */
const namespace = "stackwave-kind-policy";

const pod = (name: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace, labels: { app: name } },
  spec: { containers: [probeContainer] },
});

/** Admits only the pod `friend` to `server`'s port 8080. */
const policy = {
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "server", namespace },
  spec: {
    podSelector: { matchLabels: { app: "server" } },
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ podSelector: { matchLabels: { app: "friend" } } }], ports: [{ port: 8080, protocol: "TCP" }] }],
  },
};

describe.skipIf(blocker)("NetworkPolicies on a Kind node, enforced by tools/kind/policy", () => {
  let docker: Docker;
  let cluster: Cluster | undefined;
  let server = "";

  beforeAll(async () => {
    docker = await startDocker();
    await ensureImages(docker, undefined, { log });
    await buildProbeImage(docker, log);
    await deleteCluster(docker, "stackwave-local", log);
    cluster = await createCluster(docker, { log, wait: "5m" });
    await run([kindBinary, "load", "docker-image", probeImage, "--name", cluster.name], { env: docker.env, log });
    await cluster.kubectl(["create", "namespace", namespace]);
    await cluster.kubectl(["apply", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "v1", kind: "List", items: ["server", "friend", "stranger"].map(pod) }),
    });
    await cluster.kubectl(["-n", namespace, "wait", "--for=condition=Ready", "pod", "--all", "--timeout=300s"]);
    server = (await cluster.kubectl(["-n", namespace, "get", "pod", "server", "-o", "jsonpath={.status.podIP}"])).trim();
    expect(server).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  afterAll(async () => {
    if (cluster) await cluster.delete();
    else if (docker) await deleteCluster(docker, "stackwave-local", log);
    if (docker?.started) await stopDocker();
  });

  /** What curl from `client` to the server says: the page, or curl's exit code and message. */
  const connect = (client: string) =>
    cluster!
      .kubectl(["-n", namespace, "exec", client, "--", "curl", "-sS", "--max-time", "3", `http://${server}:8080/`])
      .then((body) => body.trim())
      .catch((err: Error) => `refused: ${/curl: \(\d+\)[^\n]*/.exec(err.message)?.[0] ?? err.message}`);

  it("without an enforcer, a policy is not applied: kindnetd here enforces nothing (docs/monitoring.md)", async () => {
    await cluster!.kubectl(["apply", "-f", "-"], { input: JSON.stringify(policy) });
    expect(await connect("stranger")).toBe("stackwave kind probe");
    expect(await connect("friend")).toBe("stackwave kind probe");
  });

  it("with kube-router's firewall, refuses the pod the policy does not name and admits the one it does", async () => {
    await enforcePolicies(docker, cluster!, { log });
    await expect.poll(() => connect("stranger"), { timeout: 60_000, interval: 1000 }).toMatch(/^refused: curl: \((7|28)\)/);
    expect(await connect("friend")).toBe("stackwave kind probe");
  });

  it("keeps the kubelet's readiness probe of the policed pod working", async () => {
    // Three probe periods past the policy: the server is still Ready.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const ready = await cluster!.kubectl([
      "-n",
      namespace,
      "get",
      "pod",
      "server",
      "-o",
      'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    ]);
    expect(ready.trim()).toBe("True");
  });

  it("refuses a connection to a Service without endpoints, as kube-proxy does without the enforcer (the service guard)", async () => {
    // kube-router's ACCEPT comes before kube-proxy's REJECT: without the guard this connection would leave
    // the node untranslated. The guard is in place before the firewall starts (an init container).
    const empty = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "empty", namespace },
      spec: { selector: { app: "nobody" }, ports: [{ port: 80 }] },
    };
    await cluster!.kubectl(["apply", "-f", "-"], { input: JSON.stringify(empty) });
    const ip = (await cluster!.kubectl(["-n", namespace, "get", "service", "empty", "-o", "jsonpath={.spec.clusterIP}"])).trim();
    const reply = await cluster!
      .kubectl(["-n", namespace, "exec", "friend", "--", "curl", "-sS", "--max-time", "3", `http://${ip}/`])
      .catch((err: Error) => /curl: \(\d+\)[^\n]*/.exec(err.message)?.[0] ?? err.message);
    expect(reply).toMatch(/^curl: \(7\)/);
  });

  it("admits the stranger again once the policy is deleted", async () => {
    await cluster!.kubectl(["-n", namespace, "delete", "networkpolicy", "server"]);
    await expect.poll(() => connect("stranger"), { timeout: 60_000, interval: 1000 }).toBe("stackwave kind probe");
  });
});
