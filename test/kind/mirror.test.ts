// The mirror's containerd wiring on a real Kind node (containerd 1.6 here): with the generated hosts.toml
// files on the node, a pod's upstream image reference is pulled from the local registry container under the
// registry's path prefix, and the node, which reaches no internet, could have got it nowhere else.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostsFiles, hostsScript } from "../../generators/clusters/mirror.js";
import { defaultConfig } from "../../generators/stack.js";
import { imageString, localRegistry } from "../../generators/versions.js";
import { run } from "../../tools/cache/command.js";
import { hostConfig, kindBinary, kindConfigPath, kubectlBinary } from "../../tools/kind/cluster.js";
import { startDocker, type Docker } from "../../tools/kind/docker/daemon.js";
import { kindNodeReference } from "../../tools/images/list.js";
import { localImages, seed } from "../../tools/mirror/seed.js";
import { leasePort } from "../../tools/sim/ports.js";
import { kindBlocker } from "./harness.js";

const blocker = kindBlocker();
const name = "stackwave-13";
const node = `${name}-control-plane`;
const registryName = `${name}-registry`;
const image = "quay.io/prometheus/node-exporter:v1.9.1";
const absent = "quay.io/stackwave-13/absent:v0";
const local = defaultConfig().clusters.find((c) => c.name === "local")!;

describe.skipIf(Boolean(blocker))("GIVEN a real Kind node with the mirror's hosts.toml files and a registry container", () => {
  let docker: Docker;
  let dir: string;
  let kubeconfig: string;
  const kubectl = (args: readonly string[]) => run([kubectlBinary(), "--kubeconfig", kubeconfig, ...args], { env: docker.env });
  const cleanup = async () => {
    await run([kindBinary, "delete", "cluster", "--name", name], { env: docker.env }).catch(() => undefined);
    await docker?.docker(["rm", "-f", "-v", registryName]).catch(() => undefined);
  };

  beforeAll(async () => {
    docker = await startDocker();
    if (!(await localImages(docker)).has(image))
      throw new Error(`${image} is not in the harness Docker: node --import tsx tools/kind/main.ts images node-exporter`);
    dir = mkdtempSync(join(tmpdir(), "stackwave-kind-mirror-"));
    kubeconfig = join(dir, "kubeconfig");
    await cleanup();
    // The registry bootstrap runs, on its own name and a leased host port.
    const lease = await leasePort();
    lease.release();
    await docker.docker(["run", "-d", "--name", registryName, "-p", `127.0.0.1:${lease.port}:5000`, imageString(localRegistry.image)]);
    const host = `127.0.0.1:${lease.port}`;
    const report = await seed({ env: docker.env, registry: host, images: [{ reference: image, required: true, listed: true }] });
    expect(report.missing).toEqual([]);

    // The generated config as the harness uses it (machine patch, free host ports), under this test's name.
    const { config } = await hostConfig(readFileSync(kindConfigPath, "utf8"));
    writeFileSync(join(dir, "kind-config.yaml"), config);
    await run(
      [
        kindBinary,
        "create",
        "cluster",
        "--name",
        name,
        "--config",
        join(dir, "kind-config.yaml"),
        "--image",
        kindNodeReference,
        "--kubeconfig",
        kubeconfig,
        "--wait",
        "0s",
        "--retain",
      ],
      {
        env: docker.env,
        tailLines: 60,
      },
    );
    await docker.docker(["network", "connect", "kind", registryName]);
    await docker.docker(["exec", "-i", node, "sh", "-s"], { input: hostsScript(hostsFiles(local.mirror, `http://${registryName}:5000`)) });
  }, 900_000);

  afterAll(async () => {
    await cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it("WHEN the node is asked THEN it runs containerd 1.6 with config_path set, and the image is not on it before the pod", async () => {
    expect(await docker.docker(["exec", node, "containerd", "--version"])).toMatch(/containerd .*\b1\.6\./);
    expect(await docker.docker(["exec", node, "cat", "/etc/containerd/config.toml"])).toContain('config_path = "/etc/containerd/certs.d"');
    expect(await docker.docker(["exec", node, "crictl", "images", "-o", "json"])).not.toContain(image);
  });

  it("WHEN a pod names the upstream reference THEN it runs, pulled from the registry container under /v2/quay.io/…", async () => {
    await kubectl(["wait", "--for=condition=Ready", "node", "--all", "--timeout=300s"]);
    await kubectl(["run", "mirrored", `--image=${image}`, "--image-pull-policy=Always", "--restart=Never"]);
    await kubectl(["wait", "--for=condition=Ready", "pod/mirrored", "--timeout=300s"]);
    const logs = await docker.docker(["logs", registryName]);
    // containerd resolves the tag at the mirror (ns= names the upstream), then fetches the layers there too.
    expect(logs).toMatch(
      /"HEAD \/v2\/quay\.io\/prometheus\/node-exporter\/manifests\/v1\.9\.1\?ns=quay\.io HTTP\/1\.1" 200 .*"containerd\//,
    );
    expect(logs).toMatch(
      /"GET \/v2\/quay\.io\/prometheus\/node-exporter\/blobs\/sha256:[0-9a-f]{64}\?ns=quay\.io HTTP\/1\.1" 200 .*"containerd\//,
    );
    expect(await docker.docker(["exec", node, "crictl", "images", "-o", "json"])).toContain(image);
  });

  it("WHEN a pod names an image the mirror lacks THEN containerd asks the mirror first, then the upstream, and the pod cannot start", async () => {
    await kubectl(["run", "unmirrored", `--image=${absent}`, "--restart=Never"]);
    let reason = "";
    for (let i = 0; i < 120 && !/ErrImagePull|ImagePullBackOff/.test(reason); i++) {
      reason = await kubectl(["get", "pod", "unmirrored", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.reason}"]);
      if (!reason) await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(reason).toMatch(/ErrImagePull|ImagePullBackOff/);
    const logs = await docker.docker(["logs", registryName]);
    expect(logs).toMatch(/"HEAD \/v2\/quay\.io\/stackwave-13\/absent\/manifests\/v0\?ns=quay\.io HTTP\/1\.1" 404 .*"containerd\//);
    const events = await kubectl([
      "get",
      "events",
      "--field-selector",
      "involvedObject.name=unmirrored",
      "-o",
      "jsonpath={.items[*].message}",
    ]);
    // After the mirror's 404, containerd tried the upstream server of hosts.toml, which this node cannot reach.
    expect(events).toContain("https://quay.io/v2/stackwave-13/absent/manifests/v0");
  });
});
