// The chart mirror with the real Argo CD v3.2.11 repo-server: the self-managed argo-cd Application as the
// generator writes it for a chart mirror (a Helm chart from a git path at a tag, our values file from a second
// source) renders from the local git server, with no chart repository in reach. Run on the simulated
// cluster; the destination is a namespace of its own and nothing is synced, so the sim's Argo CD stays as it is.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { argocdAppName, clusterApplications } from "../../generators/clusters/applications.js";
import { argocdValuesPath } from "../../generators/clusters/argocd.js";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig } from "../../generators/stack.js";
import { argocd } from "../../generators/versions.js";
import { pushChartMirror } from "../../tools/bootstrap/chart.js";
import { up, type Sim } from "../../tools/sim/cluster.js";
import { waitFor } from "../../tools/sim/probe.js";
import { startGitServer, type GitServer } from "../support/git-server.js";
import { argocdTools, controlPlane, missingSimTools } from "./requirements.js";
import { workingCopy } from "./working-copy.js";

const missing = missingSimTools(...controlPlane, ...argocdTools, "helm");
const chart = join(repoRoot, "..", "shared", "charts", "argo-cd-9.3.7.tgz");
const namespace = "chart-check";

interface AppStatus {
  status?: {
    sync?: { status?: string; revisions?: string[] };
    conditions?: { type: string; message: string }[];
    resources?: { kind: string; name: string; namespace?: string }[];
  };
}

describe.skipIf(missing.length > 0)("GIVEN the real Argo CD on the simulated cluster and the chart mirror on the git server", () => {
  let sim: Sim;
  let git: GitServer;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "stackwave-chart-mirror-"));
    sim = await up({ dir: join(scratch, "sim") });
    git = await startGitServer({ dataDir: join(scratch, "git"), env: { GIT_INIT_REPOS: "values" } });
  });
  afterAll(async () => {
    await git?.stop();
    await sim?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("WHEN the generated argo-cd Application points at the mirror THEN the repo-server renders the pinned chart with our values, and no ComparisonError", async () => {
    const config = defaultConfig();
    const local = config.clusters.find((c) => c.name === "local")!;
    // The local cluster's definition with the git server on loopback instead of the kind network.
    const cluster = {
      ...local,
      repoURL: `${git.url}/values.git`,
      chartSource: { kind: "mirror" as const, repoURL: `${git.url}/argo-cd-chart.git`, path: argocd.chart.name },
    };
    const values = join(scratch, "values");
    mkdirSync(join(values, "clusters", "local"), { recursive: true });
    cpSync(join(repoRoot, argocdValuesPath(local)), join(values, argocdValuesPath(local)));
    const work = workingCopy(values, cluster.repoURL);
    await work.init();
    await work.push("the cluster's values");
    const commit = await pushChartMirror({
      file: chart,
      pushURL: cluster.chartSource.repoURL,
      reposAPI: `${git.url}/api/repos`,
      repo: "argo-cd-chart",
      tag: `argo-cd-${argocd.chart.version}`,
      pin: argocd.chart,
    });

    const generated = clusterApplications(config, cluster).objects.find(
      (o) => o.kind === "Application" && o.metadata?.name === argocdAppName,
    )!;
    const app = JSON.parse(JSON.stringify(generated)) as { spec: Record<string, unknown> };
    // Compare only: the default project, a namespace of its own, no automated sync.
    app.spec = { ...app.spec, project: "default", destination: { server: "https://kubernetes.default.svc", namespace }, syncPolicy: {} };
    await sim.kubectl(["create", "namespace", namespace]);
    await sim.kubectl(["apply", "-f", "-"], JSON.stringify(app));

    let last: AppStatus = {};
    await waitFor(
      undefined,
      "argo-cd Application compared",
      async () => {
        last = JSON.parse(await sim.kubectl(["get", "application", argocdAppName, "-n", "argocd", "-o", "json"])) as AppStatus;
        const errors = (last.status?.conditions ?? []).filter((c) => /Error/.test(c.type));
        if (errors.length) throw new Error(errors.map((c) => `${c.type}: ${c.message}`).join("; "));
        if (!last.status?.resources?.length) throw new Error(`not compared yet: ${JSON.stringify(last.status ?? {})}`);
      },
      180_000,
    );
    expect(last.status?.sync?.revisions?.[0]).toBe(commit);
    const resources = last.status!.resources!;
    expect(resources).toContainEqual(expect.objectContaining({ kind: "Deployment", name: "argocd-server", namespace }));
    expect(resources).toContainEqual(expect.objectContaining({ kind: "StatefulSet", name: "argocd-application-controller", namespace }));
    // Our values file reached the render: the image tag and the NodePort are ours, not the chart's defaults.
    const session = await fetch(`${sim.argocd!.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: sim.argocd!.adminPassword }),
    });
    const { token } = (await session.json()) as { token: string };
    const managed = (await (
      await fetch(`${sim.argocd!.url}/api/v1/applications/${argocdAppName}/managed-resources`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { items: { kind: string; name: string; targetState?: string }[] };
    const target = (kind: string, name: string) =>
      JSON.parse(managed.items.find((r) => r.kind === kind && r.name === name)!.targetState!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(target("Deployment", "argocd-server").spec.template.spec.containers[0].image).toBe(`quay.io/argoproj/argocd:${argocd.version}`);
    expect(target("Service", "argocd-server").spec).toMatchObject({
      type: "NodePort",
      ports: expect.arrayContaining([expect.objectContaining({ nodePort: 30080 })]),
    });
  });
});
