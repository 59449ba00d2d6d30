// Preflight of an existing cluster against a real API server (the simulated one, two small nodes): the real
// command, `node bootstrap.mjs --cluster prod --context <c>`, stops before changing anything, with one line per
// problem: a context without the rights (a ServiceAccount bound to `view`), one that does not answer, no
// default StorageClass, and nodes too small for the ha environment's requests.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { up, type Sim } from "../../tools/sim/cluster.js";
import { leasePort, type PortLease } from "../../tools/sim/ports.js";
import { controlPlane, missingSimTools } from "./requirements.js";

const missing = missingSimTools(...controlPlane);

/** `node bootstrap.mjs ...` with this kubeconfig, as CI runs it (no terminal). */
function bootstrap(args: readonly string[], kubeconfig: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bootstrap.mjs", ...args], {
      cwd: repoRoot,
      env: { ...process.env, CI: "true", KUBECONFIG: kubeconfig, STACKWAVE_GIT_TOKEN: "", STACKWAVE_GIT_SSH_KEY_FILE: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

describe.skipIf(missing.length > 0)(
  "GIVEN a simulated cluster of two nodes with half a CPU and 1 GiB each, and no default StorageClass",
  () => {
    let sim: Sim;
    let scratch: string;
    let kubeconfig: string;
    let closed: PortLease;

    beforeAll(async () => {
      scratch = mkdtempSync(join(tmpdir(), "stackwave-sim-preflight-"));
      sim = await up({ dir: join(scratch, "sim"), argocd: false, nodes: 2, nodeSize: { cpu: "500m", memory: "1Gi" } });
      // A user that may only read: a ServiceAccount bound to the built-in `view` ClusterRole.
      await sim.kubectl(["create", "serviceaccount", "viewer", "-n", "default"]);
      await sim.kubectl(["create", "clusterrolebinding", "stackwave-viewer", "--clusterrole=view", "--serviceaccount=default:viewer"]);
      const token = (await sim.kubectl(["create", "token", "viewer", "-n", "default"])).trim();
      // A port leased and never listened on: a context whose API server does not answer.
      closed = await leasePort();
      const base = yaml.load(readFileSync(sim.kubeconfig, "utf8")) as {
        clusters: { name: string; cluster: Record<string, string> }[];
        users: { name: string; user: Record<string, string> }[];
        contexts: { name: string; context: Record<string, string> }[];
      };
      const cluster = base.clusters[0]!;
      const config = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [cluster, { name: "gone", cluster: { ...cluster.cluster, server: `https://127.0.0.1:${closed.port}` } }],
        users: [...base.users, { name: "viewer", user: { token } }],
        contexts: [
          { name: "admin", context: { cluster: cluster.name, user: base.users[0]!.name } },
          { name: "viewer", context: { cluster: cluster.name, user: "viewer" } },
          { name: "gone", context: { cluster: "gone", user: base.users[0]!.name } },
        ],
        "current-context": "admin",
      };
      kubeconfig = join(scratch, "kubeconfig");
      writeFileSync(kubeconfig, yaml.dump(config));
    });

    afterAll(async () => {
      closed?.release();
      await sim?.stop();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it("WHEN bootstrap runs as cluster admin THEN the rights pass and the missing StorageClass and the too-small nodes are one line each, and nothing is created", async () => {
      const { code, err } = await bootstrap(["--cluster", "prod", "--context", "admin"], kubeconfig);
      expect(code, err).toBe(1);
      const lines = err.split("\n");
      expect(lines).toContain(
        "  ✓ access: may create customresourcedefinitions.apiextensions.k8s.io, namespaces, clusterroles.rbac.authorization.k8s.io, clusterrolebindings.rbac.authorization.k8s.io",
      );
      expect(lines).toContain(
        "  ✗ storage: no default StorageClass (of 0): the claims of Prometheus, Alertmanager and MongoDB would stay Pending",
      );
      expect(lines.find((l) => l.startsWith("  ✗ nodes: "))).toMatch(
        /^ {2}✗ nodes: 2 schedulable nodes have 1\.00 CPU and 2\.0 GiB allocatable; the ha environment requests \d+\.\d\d CPU and \d+\.\d GiB$/,
      );
      expect(err).toContain("bootstrap stopped before changing anything");
      // Preflight only read: bootstrap's first write would have been the argocd namespace.
      expect(await sim.kubectl(["get", "namespaces", "-o", "name"])).not.toContain("namespace/argocd");
    }, 180_000);

    it("WHEN a default StorageClass is added THEN the storage line passes and names it", async () => {
      await sim.kubectl(
        ["apply", "-f", "-"],
        yaml.dump({
          apiVersion: "storage.k8s.io/v1",
          kind: "StorageClass",
          metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
          provisioner: "example.com/none",
        }),
      );
      const { code, err } = await bootstrap(["--cluster", "prod", "--context", "admin"], kubeconfig);
      // Still stopped by the small nodes: preflight never lets this test install anything.
      expect(code, err).toBe(1);
      expect(err.split("\n")).toContain("  ✓ storage: default StorageClass standard");
    }, 180_000);

    it("WHEN the context may only view THEN the access line names every kind it may not create", async () => {
      const { code, err } = await bootstrap(["--cluster", "prod", "--context", "viewer"], kubeconfig);
      expect(code).toBe(1);
      expect(err.split("\n")).toContain(
        '  ✗ access: context "viewer" may not create customresourcedefinitions.apiextensions.k8s.io, namespaces, clusterroles.rbac.authorization.k8s.io, clusterrolebindings.rbac.authorization.k8s.io, which the platform needs',
      );
    }, 180_000);

    it("WHEN the context's API server does not answer THEN that is the one cluster line", async () => {
      const { code, err } = await bootstrap(["--cluster", "prod", "--context", "gone"], kubeconfig);
      expect(code).toBe(1);
      const cluster = err.split("\n").filter((l) => /^ {2}[✓✗!] (context|access|storage|nodes):/.test(l));
      expect(cluster).toHaveLength(1);
      expect(cluster[0]).toMatch(/^ {2}✗ context: context "gone" does not answer: /);
    }, 180_000);
  },
);
