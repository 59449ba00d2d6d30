// The Argo CD objects each cluster gets: child Applications in waves, the projects that fence them,
// the self-managed release, and the health checks the wave gate depends on (run in a real Lua).
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import bcrypt from "bcryptjs";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import {
  availableHealthLua,
  crdHealthLua,
  applicationHealthLua,
  argocdSecretKeys,
  argocdValues,
  healthKeys,
  helmSecretArgs,
} from "../../generators/clusters/argocd.js";
import {
  argocdAppName,
  clusterApplications,
  projectNames,
  rootApplication,
  rootBootstrapFiles,
} from "../../generators/clusters/applications.js";
import { kindCluster } from "../../generators/clusters/kind.js";
import type { ClusterConfig, StackConfig } from "../../generators/config.js";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig, nodePorts } from "../../generators/stack.js";
import { argocd, goTools } from "../../generators/versions.js";
import { requireTool } from "../support/tools.js";

const run = promisify(execFile);

interface Source {
  repoURL: string;
  chart?: string;
  ref?: string;
  path?: string;
  targetRevision?: string;
  helm?: { releaseName?: string; valueFiles?: string[]; valuesObject?: { configs?: { secret?: { createSecret?: boolean } } } };
}
interface App {
  kind: "Application";
  metadata: { name: string; annotations?: Record<string, string>; finalizers?: string[] };
  spec: {
    project: string;
    source?: Source;
    sources?: Source[];
    destination: { server: string; namespace: string };
    syncPolicy: {
      automated: { prune: boolean; selfHeal: boolean };
      retry?: { limit: number; backoff: { duration: string } };
      syncOptions?: string[];
    };
  };
}
interface Project {
  kind: "AppProject";
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    sourceRepos: string[];
    destinations: { server: string; namespace: string }[];
    clusterResourceWhitelist: { group: string; kind: string }[];
    namespaceResourceWhitelist?: { group: string; kind: string }[];
  };
}

const json = <T>(value: { toJSON(): unknown }) => JSON.parse(JSON.stringify(value)) as T;
const config: StackConfig = defaultConfig();
const clusters = config.clusters;
it("GIVEN the stack's clusters THEN Kind and the simulated cluster read the CRDs from a mirror on their git server", () => {
  for (const runtime of ["kind", "sim"]) {
    const cluster = clusters.find((c) => c.runtime === runtime)!;
    expect(cluster.crdSource.kind).toBe("mirror");
    // The same git server as the stack's own repo: the repo-server needs nothing else.
    if (cluster.crdSource.kind === "mirror") expect(new URL(cluster.crdSource.repoURL).origin).toBe(new URL(cluster.repoURL).origin);
  }
});

function objects(cluster: ClusterConfig) {
  const all = clusterApplications(config, cluster).objects.map((o) => json<App | Project>(o));
  const apps = all.filter((o): o is App => o.kind === "Application");
  const projects = all.filter((o): o is Project => o.kind === "AppProject");
  const root = json<App>(rootApplication(config, cluster).objects[0]!);
  return {
    apps,
    projects,
    root,
    children: apps.filter((a) => a.metadata.name !== argocdAppName),
    self: apps.find((a) => a.metadata.name === argocdAppName),
  };
}
const sourcesOf = (app: App) => app.spec.sources ?? [app.spec.source!];
const waveOf = (app: App) => Number(app.metadata.annotations?.["argocd.argoproj.io/sync-wave"]);

describe.each(clusters.map((c) => [c.name, c] as const))("GIVEN the Argo CD objects of cluster %s", (_name, cluster) => {
  const { apps, projects, root, children, self } = objects(cluster);

  it("WHEN listing the child Applications THEN there is one per layer and each tracks the cluster's git server", () => {
    expect(children.map((a) => a.metadata.name)).toEqual(config.layers.map((l) => l.name));
    for (const app of children)
      for (const source of sourcesOf(app)) {
        const mirrored = cluster.crdSource.kind === "mirror" && source.repoURL === cluster.crdSource.repoURL;
        if (!mirrored) expect(source.repoURL, app.metadata.name).toBe(cluster.repoURL);
        if (!mirrored) expect(source.targetRevision, app.metadata.name).toBe(cluster.targetRevision);
      }
    expect(root.spec.source?.repoURL).toBe(cluster.repoURL);
    expect(root.spec.source?.path).toBe(`clusters/${cluster.name}/apps`);
  });

  it("WHEN reading the sync waves THEN crds < operator < platform <= monitors < apps, and Argo CD's own release comes last", () => {
    const wave = (name: string) => waveOf(apps.find((a) => a.metadata.name === name)!);
    expect(wave("crds")).toBeLessThan(wave("operator"));
    expect(wave("operator")).toBeLessThan(wave("platform"));
    expect(wave("platform")).toBeLessThanOrEqual(wave("monitors"));
    expect(wave("monitors")).toBeLessThan(wave("apps"));
    if (self) for (const app of children) expect(waveOf(self), app.metadata.name).toBeGreaterThan(waveOf(app));
    // Projects first: an Application created before its project shows an error until the project appears.
    for (const project of projects)
      expect(Number(project.metadata.annotations?.["argocd.argoproj.io/sync-wave"]), project.metadata.name).toBeLessThan(
        Math.min(...apps.map(waveOf)),
      );
  });

  it("WHEN reading sync policies THEN every child prunes, self-heals and retries with backoff, and the CRD app applies server-side", () => {
    for (const app of apps) {
      expect(app.spec.syncPolicy.automated.selfHeal, app.metadata.name).toBe(true);
      expect(app.spec.syncPolicy.retry?.limit, app.metadata.name).toBeGreaterThan(0);
      expect(app.spec.syncPolicy.retry?.backoff.duration, app.metadata.name).toMatch(/^\d+[sm]$/);
    }
    for (const app of children) expect(app.spec.syncPolicy.automated.prune, app.metadata.name).toBe(true);
    const options = (name: string) => children.find((a) => a.metadata.name === name)!.spec.syncPolicy.syncOptions ?? [];
    expect(options("crds")).toContain("ServerSideApply=true");
    for (const app of children.filter((a) => a.metadata.name !== "crds"))
      expect(options(app.metadata.name)).toContain("SkipDryRunOnMissingResource=true");
    for (const layer of config.layers.filter((l) => l.project === "platform"))
      expect(options(layer.name)).toContain("CreateNamespace=true");
  });

  it("WHEN checking each Application against its AppProject THEN its repos and destination are permitted, as Argo CD enforces", () => {
    for (const app of [...apps, root]) {
      const project = projects.find((p) => p.metadata.name === app.spec.project);
      expect(project, `${app.metadata.name}: project ${app.spec.project}`).toBeDefined();
      for (const source of sourcesOf(app)) expect(project!.spec.sourceRepos, app.metadata.name).toContain(source.repoURL);
      expect(project!.spec.destinations, app.metadata.name).toContainEqual(app.spec.destination);
      // CreateNamespace needs Namespace in the project's cluster whitelist (argo-cd#22869).
      if (app.spec.syncPolicy.syncOptions?.includes("CreateNamespace=true"))
        expect(project!.spec.clusterResourceWhitelist, app.metadata.name).toContainEqual({ group: "", kind: "Namespace" });
    }
    expect(root.spec.project).not.toBe("default");
    expect(rootBootstrapFiles(cluster)[0]).toBe(`clusters/${cluster.name}/apps/${projectNames.root}-appproject.yaml`);
  });

  it("WHEN reading the AppProjects THEN apps has only the guestbook namespace and no cluster kinds, platform only the kinds the stack creates", () => {
    const project = (name: string) => projects.find((p) => p.metadata.name === name)!.spec;
    expect(project("apps").destinations.map((d) => d.namespace)).toEqual(["guestbook"]);
    expect(project("apps").clusterResourceWhitelist).toEqual([]);
    expect(project("apps").sourceRepos).toEqual([cluster.repoURL]);
    expect(
      project("platform")
        .clusterResourceWhitelist.map((k) => k.kind)
        .sort(),
    ).toEqual(["ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Namespace"]);
    expect(project("platform").clusterResourceWhitelist.some((k) => k.kind === "*" || k.group === "*")).toBe(false);
    expect(project(projectNames.root).clusterResourceWhitelist).toEqual([]);
    expect(
      project(projectNames.root)
        .namespaceResourceWhitelist?.map((k) => k.kind)
        .sort(),
    ).toEqual(["AppProject", "Application"]);
    for (const p of projects)
      expect(
        p.spec.sourceRepos.every((r) =>
          [
            cluster.repoURL,
            cluster.chartSource?.kind === "mirror" ? cluster.chartSource.repoURL : argocd.chart.repository,
            cluster.crdSource.kind === "mirror" ? cluster.crdSource.repoURL : "",
          ].includes(r),
        ),
      ).toBe(true);
  });
});

/** The one cluster of a runtime; fails (never skips) when the stack has none. */
function clusterOf(runtime: ClusterConfig["runtime"]): ClusterConfig {
  const found = clusters.filter((c) => c.runtime === runtime);
  expect(
    found.map((c) => c.name),
    `clusters with runtime ${runtime}`,
  ).toHaveLength(1);
  return found[0]!;
}

// One test per runtime, outside the per-cluster loop, so each runs in every run.
describe("GIVEN the Argo CD objects of the simulated cluster", () => {
  it("WHEN they are listed THEN Argo CD does not manage itself: no argo-cd Application or project", () => {
    const { self, projects } = objects(clusterOf("sim"));
    expect(self).toBeUndefined();
    expect(projects.map((p) => p.metadata.name)).not.toContain(projectNames.argocd);
  });
});

describe("GIVEN the Argo CD objects of the Kind cluster", () => {
  it("WHEN reading the self-managed argo-cd Application THEN it installs the pinned chart with our values file and never renders argocd-secret", () => {
    const cluster = clusterOf("kind");
    const { self, projects } = objects(cluster);
    if (!self) throw new Error("no argo-cd Application");
    expect(projects.map((p) => p.metadata.name)).toContain(projectNames.argocd);
    expect(self.spec.project).toBe(projectNames.argocd);
    const [chart, values] = sourcesOf(self);
    // The pinned chart, from the chart mirror bootstrap fills on the git server (never the chart repository).
    expect(cluster.chartSource).toMatchObject({ kind: "mirror" });
    if (cluster.chartSource?.kind !== "mirror") throw new Error("cluster local has no chart mirror");
    expect(chart).toMatchObject({
      repoURL: cluster.chartSource.repoURL,
      path: "argo-cd",
      targetRevision: `argo-cd-${argocd.chart.version}`,
    });
    expect(chart).not.toHaveProperty("chart");
    expect(chart!.helm?.releaseName).toBe("argocd");
    expect(chart!.helm?.valuesObject?.configs?.secret?.createSecret).toBe(false);
    expect(values).toMatchObject({ repoURL: cluster.repoURL, ref: "values" });
    expect(chart!.helm?.valueFiles).toEqual([`$values/clusters/${cluster.name}/argocd-values.yaml`]);
    expect(self.spec.syncPolicy.automated.prune).toBe(false);
    expect(self.metadata.finalizers ?? []).toEqual([]);
  });
});

describe("GIVEN the generated argo-cd chart values", () => {
  const cluster = config.clusters[0]!;
  const values = json<{
    global: { image: { tag: string } };
    dex: { enabled: boolean };
    configs: { cm: Record<string, string>; repositories: Record<string, { url: string; type: string }> };
    server: { service: { type: string; nodePortHttp: number } };
  }>(argocdValues(config, cluster));

  it("WHEN reading versions THEN the chart runs the pinned v3.2 release, the minor the simulated cluster builds", () => {
    const minor = (version: string) => version.split(".").slice(0, 2).join(".");
    expect(values.global.image.tag).toBe(argocd.version);
    expect(argocd.version).toMatch(/^v3\.2\.\d+$/);
    // The sim builds one patch lower where a tag's Go module does not compile (versions.ts says why).
    expect(minor(goTools.argocd.version)).toBe(minor(argocd.version));
  });

  it("WHEN reading settings THEN dex is off, tracking uses annotations and the git server is a repository", () => {
    expect(values.dex.enabled).toBe(false);
    expect(values.configs.cm["application.resourceTrackingMethod"]).toBe("annotation");
    expect(values.configs.cm["timeout.reconciliation"]).toMatch(/^\d+s$/);
    expect(Object.values(values.configs.repositories)).toContainEqual(expect.objectContaining({ url: cluster.repoURL, type: "git" }));
    expect(JSON.stringify(values)).not.toMatch(/githubSecret|argocdServerAdminPassword/);
  });

  it("WHEN Kind maps the Argo CD host port THEN it lands on the server's NodePort", () => {
    expect(values.server.service).toEqual({ type: "NodePort", nodePortHttp: nodePorts.argocd });
    const mappings = json<{ nodes: { extraPortMappings?: { containerPort: number; hostPort: number }[] }[] }>(
      kindCluster(config, cluster),
    ).nodes.flatMap((n) => n.extraPortMappings ?? []);
    expect(mappings).toContainEqual(expect.objectContaining({ containerPort: nodePorts.argocd, hostPort: cluster.ports.argocd }));
  });

  // Golden check: the values file helm and Argo CD read is the object the tests above check
  // (versions, settings, the NodePort mapping, all on argocdValues()).
  it("WHEN reading the committed values file THEN it is what the generator produces", () => {
    const file = join(repoRoot, "clusters", cluster.name, "argocd-values.yaml");
    expect(existsSync(file)).toBe(true);
    expect(yaml.load(readFileSync(file, "utf8"))).toEqual(values);
  });
});

describe("GIVEN the secret values bootstrap passes to helm", () => {
  const hash = bcrypt.hashSync("correct horse battery staple", 10);

  it("WHEN they are valid THEN each lands on its chart key with --set-string", () => {
    const args = helmSecretArgs({
      webhookSecret: "0123456789abcdef0123",
      adminPasswordHash: hash,
      adminPasswordMtime: "2026-01-02T15:04:05Z",
    });
    expect(args).toEqual([
      "--set-string",
      `${argocdSecretKeys.webhookSecret}=0123456789abcdef0123`,
      "--set-string",
      `${argocdSecretKeys.adminPasswordHash}=${hash}`,
      "--set-string",
      `${argocdSecretKeys.adminPasswordMtime}=2026-01-02T15:04:05Z`,
    ]);
    expect(bcrypt.compareSync("correct horse battery staple", args[3]!.split("=")[1]!)).toBe(true);
  });

  it.each([
    ["adminPasswordHash", { adminPasswordHash: "plain-text-password" }, "bcrypt"],
    ["webhookSecret", { webhookSecret: "short,comma" }, "16 characters"],
    ["adminPasswordMtime", { adminPasswordMtime: "yesterday" }, "RFC 3339"],
  ])("WHEN %s is wrong THEN the error names the field and what it expects", (field, bad, expected) => {
    const good = { webhookSecret: "0123456789abcdef0123", adminPasswordHash: hash, adminPasswordMtime: "2026-01-02T15:04:05Z" };
    expect(() => helmSecretArgs({ ...good, ...bad })).toThrow(new RegExp(`${field}: expected .*${expected}`));
  });
});

// Argo CD runs health checks in gopher-lua, a Lua 5.1: run them in the real Lua 5.1 interpreter.
const lua = requireTool("lua5.1", "apt-get install lua5.1");

/** A Lua table constructor for a JSON-like value. */
function luaValue(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `{${value.map(luaValue).join(", ")}}`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `[${JSON.stringify(k)}] = ${luaValue(v)}`)
    .join(", ")}}`;
}

/** Runs a health script the way Argo CD does: `obj` is a global, the script returns `hs`. */
async function health(script: string, obj: unknown): Promise<{ status: string; message: string }> {
  const program = `obj = ${luaValue(obj)}\nlocal hs = (function()\n${script}\nend)()\nio.write(hs.status, "\\n", hs.message or "")`;
  const { stdout } = await run(lua!, ["-e", program]);
  const [status = "", message = ""] = stdout.split("\n");
  return { status, message };
}

describe.skipIf(!lua)("GIVEN the health checks in argocd-cm, run in Lua 5.1", () => {
  const cm = json<{ configs: { cm: Record<string, string> } }>(argocdValues(config, config.clusters[0]!)).configs.cm;
  const app = (status?: unknown) => ({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: "apps" },
    ...(status ? { status } : {}),
  });

  it("WHEN an Application has no status yet THEN it is Progressing, so the next wave waits", async () => {
    expect(cm[healthKeys.application]).toBe(applicationHealthLua);
    expect((await health(cm[healthKeys.application]!, app())).status).toBe("Progressing");
    expect((await health(cm[healthKeys.application]!, app({ sync: { status: "Synced" } }))).status).toBe("Progressing");
  });

  it.each(["Healthy", "Degraded", "Progressing", "Missing"])(
    "WHEN a Synced Application reports %s THEN the check passes it through",
    async (status) => {
      const result = await health(
        cm[healthKeys.application]!,
        app({ sync: { status: "Synced" }, health: { status, message: `child is ${status}` } }),
      );
      expect(result).toEqual({ status, message: `child is ${status}` });
    },
  );

  it.each([["OutOfSync"], ["Unknown"], [undefined]])(
    "WHEN a Healthy Application is %s THEN it is Progressing: it has not applied its revision yet",
    async (sync) => {
      const result = await health(
        cm[healthKeys.application]!,
        app({ ...(sync ? { sync: { status: sync } } : {}), health: { status: "Healthy" } }),
      );
      expect(result).toEqual({ status: "Progressing", message: "waiting for the Application to sync" });
    },
  );

  it("WHEN an OutOfSync Application is Degraded THEN it stays Degraded", async () => {
    const result = await health(
      cm[healthKeys.application]!,
      app({ sync: { status: "OutOfSync" }, health: { status: "Degraded", message: "crash" } }),
    );
    expect(result).toEqual({ status: "Degraded", message: "crash" });
  });

  it("WHEN a CRD is not Established yet THEN it is Progressing; Established THEN Healthy; a names clash or a non-structural schema THEN Degraded", async () => {
    const crd = (conditions?: unknown[]) => ({
      kind: "CustomResourceDefinition",
      metadata: { name: "probes.monitoring.coreos.com" },
      ...(conditions ? { status: { conditions } } : {}),
    });
    expect(cm[healthKeys.crd]).toBe(crdHealthLua);
    expect((await health(crdHealthLua, crd())).status).toBe("Progressing");
    expect((await health(crdHealthLua, crd([{ type: "NamesAccepted", status: "True" }]))).status).toBe("Progressing");
    expect(
      (
        await health(
          crdHealthLua,
          crd([
            { type: "NamesAccepted", status: "True" },
            { type: "Established", status: "True" },
          ]),
        )
      ).status,
    ).toBe("Healthy");
    expect(await health(crdHealthLua, crd([{ type: "NamesAccepted", status: "False", message: "clash" }]))).toEqual({
      status: "Degraded",
      message: "CRD names not accepted: clash",
    });
    expect(
      (
        await health(
          crdHealthLua,
          crd([
            { type: "NonStructuralSchema", status: "True", message: "x" },
            { type: "Established", status: "True" },
          ]),
        )
      ).status,
    ).toBe("Degraded");
  });

  it("WHEN a Prometheus or Alertmanager is not Available yet THEN it is Progressing; Available=True THEN Healthy", async () => {
    const am = (conditions?: unknown[]) => ({
      kind: "Alertmanager",
      metadata: { name: "main" },
      ...(conditions ? { status: { conditions } } : {}),
    });
    expect(cm[healthKeys.alertmanager]).toBe(availableHealthLua);
    expect(cm[healthKeys.prometheus]).toBe(availableHealthLua);
    // Right after creation the operator reports Available=False: still starting, not Degraded.
    expect((await health(availableHealthLua, am([{ type: "Available", status: "False", reason: "NoPodReady" }]))).status).toBe(
      "Progressing",
    );
    expect((await health(availableHealthLua, am())).status).toBe("Progressing");
    expect((await health(availableHealthLua, am([{ type: "Reconciled", status: "True" }]))).status).toBe("Progressing");
    expect((await health(availableHealthLua, am([{ type: "Available", status: "True" }]))).status).toBe("Healthy");
    expect(await health(availableHealthLua, am([{ type: "Available", status: "Degraded", message: "1/3 replicas" }]))).toEqual({
      status: "Degraded",
      message: "1/3 replicas",
    });
  });
});

const kustomize = requireTool("kustomize", "build the pinned kustomize v5.7.1 into the tool cache: npx tsx tools/cache/build.ts");

// Golden check: the files Argo CD reads from git are what the generator makes. The semantic tests of
// those objects are the ones above (waves, projects, sync policies, health checks on clusterApplications).
describe.skipIf(!kustomize)("GIVEN the committed clusters/ folder", () => {
  it.each(config.clusters.map((c) => c.name))(
    "WHEN kustomize builds clusters/%s/apps THEN it holds the projects and Applications the generator makes",
    async (name) => {
      const { stdout } = await run(kustomize!, ["build", join(repoRoot, "clusters", name, "apps")], { maxBuffer: 16 * 2 ** 20 });
      const built = yaml.loadAll(stdout) as { kind: string; metadata: { name: string } }[];
      const cluster = config.clusters.find((c) => c.name === name)!;
      const expected = clusterApplications(config, cluster).objects.map((o) => `${o.kind}/${o.metadata?.name}`);
      expect(built.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([...expected].sort());
    },
  );
});
