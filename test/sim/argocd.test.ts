// End to end on the simulated cluster: the real API server, kwok nodes and Argo CD reconcile an
// Application from the project's own git server, and a push reaches Argo CD through the webhook.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { goTools, images, imageString } from "../../generators/versions.js";
import { up, type Sim } from "../../tools/sim/cluster.js";
import { leasePort } from "../../tools/sim/ports.js";
import { waitFor } from "../../tools/sim/probe.js";
import { startGitServer, type GitServer } from "../support/git-server.js";
import { workingCopy, type WorkingCopy } from "./working-copy.js";
import { argocdTools, controlPlane, missingSimTools } from "./requirements.js";

const missing = missingSimTools(...[...controlPlane, ...argocdTools]);

const demoNamespace = "sim-demo";

/** The demo app: a ConfigMap whose value the test changes, and a Deployment kwok makes Ready. */
function writeDemo(dir: string, greeting: string): void {
  const docs = [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "greeting" }, data: { greeting } },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "demo", labels: { app: "demo" } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "demo" } },
        template: {
          metadata: { labels: { app: "demo" } },
          // kwok never pulls the image; any pinned one will do.
          spec: { containers: [{ name: "demo", image: imageString(images.node) }] },
        },
      },
    },
  ];
  writeFileSync(join(dir, "demo.yaml"), docs.map((d) => yaml.dump(d, { noRefs: true })).join("---\n"));
  writeFileSync(join(dir, "kustomization.yaml"), yaml.dump({ resources: ["demo.yaml"], namespace: demoNamespace }));
}

function application(repoURL: string) {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: "demo", namespace: "argocd" },
    spec: {
      project: "default",
      source: { repoURL, targetRevision: "main", path: "." },
      destination: { server: "https://kubernetes.default.svc", namespace: demoNamespace },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"], retry: { limit: 5 } },
    },
  };
}

describe.skipIf(missing.length > 0)("GIVEN the simulated cluster with Argo CD and the project's git server", () => {
  let sim: Sim;
  let git: GitServer;
  let work: WorkingCopy;
  let repoUrl: string;
  // Made in beforeAll: a skipped suite still runs this body, and must leave nothing behind.
  let scratch: string;
  const webhookSecret = randomBytes(16).toString("hex");

  const appStatus = async () => {
    const app = JSON.parse(await sim.kubectl(["get", "application", "demo", "-n", "argocd", "-o", "json"])) as {
      status?: { sync?: { status?: string; revision?: string }; health?: { status?: string } };
    };
    return { sync: app.status?.sync?.status, revision: app.status?.sync?.revision, health: app.status?.health?.status };
  };
  const greeting = async () =>
    (await sim.kubectl(["get", "configmap", "greeting", "-n", demoNamespace, "-o", "jsonpath={.data.greeting}"])).trim();

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "stackwave-sim-"));
    sim = await up({
      dir: join(scratch, "sim"),
      // Only the webhook (or a manual refresh) may trigger a refresh, so the push test proves the webhook path.
      argocdCm: { "timeout.reconciliation": "0s" },
      argocdSecret: { "webhook.github.secret": webhookSecret },
    });
    // The public URL must name the host Argo CD's repoURL uses, or the webhook matches no Application.
    // Leased until the server listens: GIT_PUBLIC_URL must name the port before it starts.
    const lease = await leasePort();
    const port = lease.port;
    try {
      git = await startGitServer({
        dataDir: join(scratch, "git"),
        port,
        env: {
          GIT_PUBLIC_URL: `http://127.0.0.1:${port}`,
          GIT_INIT_REPOS: "demo",
          WEBHOOK_URL: `${sim.argocd!.url}/api/webhook`,
          WEBHOOK_SECRET: webhookSecret,
        },
      });
    } finally {
      lease.release();
    }
    repoUrl = `${git.url}/demo.git`;
    mkdirSync(join(scratch, "work"));
    work = workingCopy(join(scratch, "work"), repoUrl);
    await work.init();
  });

  afterAll(async () => {
    await git?.stop();
    await sim?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("WHEN asked for its version THEN the API server reports the pinned Kubernetes version", async () => {
    const version = JSON.parse(await sim.kubectl(["version", "-o", "json"])) as { serverVersion: { gitVersion: string } };
    expect(version.serverVersion.gitVersion).toBe(goTools.kubernetes.version);
  });

  it("WHEN kwok manages the fake node THEN the node is Ready", async () => {
    const ready = await sim.kubectl(["get", "node", "sim-node-0", "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    expect(ready).toBe("True");
  });

  it("WHEN Argo CD's CRDs are applied THEN all three are Established", async () => {
    const crds = ["applications.argoproj.io", "applicationsets.argoproj.io", "appprojects.argoproj.io"];
    for (const crd of crds) {
      const established = await sim.kubectl(["get", "crd", crd, "-o", 'jsonpath={.status.conditions[?(@.type=="Established")].status}']);
      expect(established, crd).toBe("True");
    }
  });

  it("WHEN an Application points at a pushed repo THEN it becomes Synced and Healthy with the repo's objects", async () => {
    writeDemo(work.dir, "hello from git");
    const sha = await work.push("demo app");
    await sim.kubectl(["apply", "-f", "-"], JSON.stringify(application(repoUrl)));
    await waitFor(
      undefined,
      "Application demo Synced/Healthy",
      async () => {
        const s = await appStatus();
        if (s.sync !== "Synced" || s.health !== "Healthy" || s.revision !== sha) throw new Error(JSON.stringify(s));
      },
      240_000,
    );
    expect(await greeting()).toBe("hello from git");
    const available = await sim.kubectl(["get", "deployment", "demo", "-n", demoNamespace, "-o", "jsonpath={.status.availableReplicas}"]);
    expect(available).toBe("2");
  });

  it("WHEN a new commit is pushed THEN the git server's webhook makes Argo CD sync it", async () => {
    writeDemo(work.dir, "hello again");
    const sha = await work.push("change the greeting");
    const delivered = await git.waitForLog((l) => l.msg === "webhook delivered" && l.after === sha, 60_000);
    expect(delivered.status).toBe(200);
    await waitFor(
      undefined,
      "Application demo at the pushed commit",
      async () => {
        const s = await appStatus();
        if (s.revision !== sha || s.sync !== "Synced") throw new Error(JSON.stringify(s));
      },
      180_000,
    );
    expect(await greeting()).toBe("hello again");
  });
});
