// Sync waves between child Applications on the simulated cluster, with the argocd-cm the generators
// write for the Kind cluster: a wave-1 child must wait until the wave-0 child is Healthy (DESIGN §3).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { images, imageString } from "../../generators/versions.js";
import { nodeYaml, up, type Sim } from "../../tools/sim/cluster.js";
import { leasePort } from "../../tools/sim/ports.js";
import { waitFor } from "../../tools/sim/probe.js";
import { startGitServer, type GitServer } from "../support/git-server.js";
import { workingCopy } from "./working-copy.js";
import { argocdTools, controlPlane, missingSimTools } from "./requirements.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const valuesFile = join(root, "clusters", "local", "argocd-values.yaml");

const missing = missingSimTools(...[...controlPlane, ...argocdTools]);

/** The pool label the wave-0 Deployment needs; no node has it until the test adds one. */
const pool = "stackwave.dev/pool";

function dump(dir: string, file: string, docs: readonly object[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), docs.map((d) => yaml.dump(d, { noRefs: true })).join("---\n"));
}

function child(name: string, wave: string, repoURL: string) {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "argocd", annotations: { "argocd.argoproj.io/sync-wave": wave } },
    spec: {
      project: "default",
      source: { repoURL, targetRevision: "main", path: name },
      destination: { server: "https://kubernetes.default.svc", namespace: "waves" },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
    },
  };
}

/** root/ holds the two children; first/ a Deployment that cannot schedule yet; second/ a ConfigMap. */
function writeRepo(dir: string, repoURL: string): void {
  dump(join(dir, "root"), "children.yaml", [child("first", "0", repoURL), child("second", "1", repoURL)]);
  dump(join(dir, "first"), "deployment.yaml", [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "gated" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "gated" } },
        template: {
          metadata: { labels: { app: "gated" } },
          spec: { nodeSelector: { [pool]: "late" }, containers: [{ name: "gated", image: imageString(images.node) }] },
        },
      },
    },
  ]);
  dump(join(dir, "second"), "configmap.yaml", [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "after-gate" }, data: { wave: "1" } },
  ]);
}

describe.skipIf(missing.length > 0)("GIVEN Argo CD on the simulated cluster with the generated argocd-cm", () => {
  let sim: Sim;
  let git: GitServer;
  // Made in beforeAll: a skipped suite still runs this body, and must leave nothing behind.
  let scratch: string;

  const app = async (name: string) => {
    const out = await sim.kubectl(["get", "application", name, "-n", "argocd", "-o", "json", "--ignore-not-found"]);
    if (!out.trim()) return undefined;
    return JSON.parse(out) as {
      status?: { sync?: { status?: string }; health?: { status?: string }; operationState?: { phase?: string; message?: string } };
    };
  };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "stackwave-sim-waves-"));
    const values = yaml.load(readFileSync(valuesFile, "utf8")) as { configs: { cm: Record<string, unknown> } };
    const argocdCm = Object.fromEntries(Object.entries(values.configs.cm).map(([k, v]) => [k, String(v)]));
    sim = await up({ dir: join(scratch, "sim"), argocdCm });
    // Leased until the server listens: GIT_PUBLIC_URL must name the port before it starts.
    const lease = await leasePort();
    const port = lease.port;
    try {
      git = await startGitServer({
        dataDir: join(scratch, "git"),
        port,
        env: { GIT_PUBLIC_URL: `http://127.0.0.1:${port}`, GIT_INIT_REPOS: "waves" },
      });
    } finally {
      lease.release();
    }
    const repoURL = `${git.url}/waves.git`;
    const work = workingCopy(join(scratch, "work"), repoURL);
    mkdirSync(work.dir);
    await work.init();
    writeRepo(work.dir, repoURL);
    await work.push("two waves");
    const rootApp = child("root", "0", repoURL);
    rootApp.spec.destination.namespace = "argocd";
    delete (rootApp.metadata.annotations as Record<string, string>)["argocd.argoproj.io/sync-wave"];
    await sim.kubectl(["apply", "-f", "-"], JSON.stringify(rootApp));
  });

  afterAll(async () => {
    await git?.stop();
    await sim?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("WHEN the wave-0 child is still Progressing THEN the root sync waits on it and the wave-1 child does not exist", async () => {
    await waitFor(
      undefined,
      "root waiting for the wave-0 child",
      async () => {
        const [first, rootApp] = [await app("first"), await app("root")];
        const state = { first: first?.status?.health?.status, root: rootApp?.status?.operationState };
        if (state.first !== "Progressing" || state.root?.phase !== "Running" || !state.root.message?.includes("Application/first")) {
          throw new Error(JSON.stringify(state));
        }
      },
      180_000,
    );
    expect(await app("second")).toBeUndefined();
  });

  it("WHEN a node for the wave-0 pods appears THEN wave 0 turns Healthy and wave 1 syncs", async () => {
    await sim.kubectl(["apply", "-f", "-"], nodeYaml("sim-node-late", { [pool]: "late" }));
    await waitFor(
      undefined,
      "both children Synced and Healthy",
      async () => {
        const states = await Promise.all(["first", "second"].map(async (n) => (await app(n))?.status));
        if (!states.every((s) => s?.sync?.status === "Synced" && s.health?.status === "Healthy")) throw new Error(JSON.stringify(states));
      },
      240_000,
    );
    const wave = await sim.kubectl(["get", "configmap", "after-gate", "-n", "waves", "-o", "jsonpath={.data.wave}"]);
    expect(wave).toBe("1");
  });
});
