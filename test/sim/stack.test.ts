// The generated stack against a real API server: every object of every overlay passes the server's own
// validation (a server-side dry run with the real CRDs installed), and the generated RBAC grants the
// scrapers exactly what they need, checked by the API server's authorizer (SubjectAccessReview).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { goTools, prometheusOperator } from "../../generators/versions.js";
import { build, buildableFolders } from "../../tools/dev/kustomize.js";
import { up, type Sim } from "../../tools/sim/cluster.js";
import { goModuleDir } from "../../tools/cache/gomod.js";
import { leasePort } from "../../tools/sim/ports.js";
import { waitFor } from "../../tools/sim/probe.js";
import { startGitServer, type GitServer } from "../support/git-server.js";
import { findTool } from "../support/tools.js";
import { workingCopy, type WorkingCopy } from "./working-copy.js";
import { argocdTools, controlPlane, missingSimTools } from "./requirements.js";

const missing = missingSimTools(...[...controlPlane, ...argocdTools]);

interface Doc {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec?: Record<string, unknown>;
}

/** Objects of a built folder (empty documents dropped). */
const objects = (text: string) => (yaml.loadAll(text) as (Doc | null)[]).filter((d): d is Doc => !!d);
const stream = (docs: readonly Doc[]) => docs.map((d) => yaml.dump(d, { noRefs: true })).join("---\n");

/** The crds folders hold the upstream CRDs and the namespaces: the suite installs those for real instead. */
const folders = buildableFolders().filter((f) => !f.endsWith("/crds"));

const rbacKinds = new Set(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]);

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe.skipIf(missing.length > 0)("GIVEN the simulated cluster with the upstream CRDs and the stack's namespaces", () => {
  let sim: Sim;
  // Made in beforeAll: a skipped suite still runs this body, and must leave nothing behind.
  let scratch: string;

  /** kubectl with stdout and stderr kept apart, so a failed assertion can show exactly what the server said. */
  const kubectl = (args: readonly string[], input: string) =>
    new Promise<Result>((resolve, reject) => {
      const bin = findTool("kubectl");
      if (!bin) return reject(new Error("kubectl not found: build the pinned v1.32.9 with npx tsx tools/cache/build.ts"));
      const child = spawn(bin, ["--kubeconfig", sim.kubeconfig, ...args], { env: sim.env, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.stdin.on("error", () => undefined);
      child.stdin.end(input);
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "stackwave-sim-stack-"));
    // Argo CD's CRDs and the argocd namespace come with it: clusters/<c>/apps needs both.
    sim = await up({ dir: join(scratch, "sim") });
    const crdDir = join(await goModuleDir(goTools.prometheusOperator.module, prometheusOperator.version), prometheusOperator.crdModulePath);
    const crdFiles = readdirSync(crdDir)
      .filter((f) => f.endsWith(".yaml"))
      .flatMap((f) => ["-f", join(crdDir, f)]);
    // Server-side apply: several of these CRDs are larger than the last-applied annotation allows.
    await sim.kubectl(["apply", "--server-side", ...crdFiles]);
    await sim.kubectl(["wait", "--for=condition=Established", "--timeout=180s", ...crdFiles]);
    await sim.kubectl(["apply", "--server-side", "-f", "-"], build("base/crds/namespaces"));
  });

  afterAll(async () => {
    await sim?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("WHEN the stack's namespaces are created THEN guestbook and monitoring exist", async () => {
    const names = objects(build("base/crds/namespaces")).map((d) => d.metadata.name);
    expect(names).toEqual(expect.arrayContaining(["guestbook", "monitoring"]));
    for (const name of names) expect(await sim.kubectl(["get", "namespace", name, "-o", "jsonpath={.status.phase}"])).toBe("Active");
  });

  describe("WHEN every generated folder is applied as a server-side dry run", () => {
    it("THEN there are folders to check besides the crds ones", () => {
      expect(folders).toEqual(expect.arrayContaining(["overlays/local/apps", "overlays/local/platform", "clusters/local/apps"]));
    });

    // Strict (kubeconform --strict's job, done by the real API server with the real CRDs): server-side apply
    // refuses unknown fields, and --validate=strict duplicate ones as well.
    const dryRun = [
      "apply",
      "--server-side",
      "--dry-run=server",
      "--validate=strict",
      "--field-manager=stackwave-test",
      "-o",
      "name",
      "-f",
      "-",
    ];

    it.each([
      ["overlays/ha/apps", "Deployment"],
      // A custom resource too: server-side apply types the object by the CRD's schema instead of pruning.
      ["overlays/ha/platform", "Prometheus"],
    ] as const)("THEN the validation is strict: a misspelled field in an object of %s (%s) is refused by name", async (folder, kind) => {
      const object = objects(build(folder)).find((d) => d.kind === kind)!;
      const result = await kubectl(dryRun, stream([{ ...object, spec: { ...object.spec, replica: 3 } }]));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/\.spec\.replica: field not declared in schema/);
    });

    it.each(folders)("THEN the API server accepts every object of %s", async (folder) => {
      const docs = objects(build(folder));
      expect(docs.length, folder).toBeGreaterThan(0);
      const result = await kubectl(dryRun, stream(docs));
      expect(result.code, `kubectl apply --dry-run=server for ${folder} failed:\n${result.stderr}`).toBe(0);
      // One line per object: the server answered for each of them, none was skipped.
      expect(result.stdout.trim().split("\n"), `${folder}:\n${result.stderr}`).toHaveLength(docs.length);
    });
  });

  describe("WHEN the generated RBAC objects of the operator, platform and monitors layers are applied", () => {
    const rbac = () =>
      ["operator", "platform", "monitors"].flatMap((layer) =>
        objects(build(`overlays/local/${layer}`)).filter((d) => rbacKinds.has(d.kind)),
      );
    const platform = () => objects(build("overlays/local/platform"));

    /** The ServiceAccount user name a generated workload runs as, read from its object, not hard-coded. */
    const serviceAccountOf = (kind: string, name: string) => {
      const doc = platform().find((d) => d.kind === kind && d.metadata.name === name);
      if (!doc) throw new Error(`overlays/local/platform has no ${kind} ${name}`);
      const spec = doc.spec as { serviceAccountName?: string; template?: { spec?: { serviceAccountName?: string } } };
      const account = spec.serviceAccountName ?? spec.template?.spec?.serviceAccountName;
      if (!account) throw new Error(`${kind} ${name}: no serviceAccountName`);
      return { user: `system:serviceaccount:${doc.metadata.namespace}:${account}`, namespace: doc.metadata.namespace! };
    };

    /** Asks the API server's authorizer whether `user` may do `verb` on `resource`. */
    const may = async (user: string, verb: string, resource: string, namespace?: string, group = "") => {
      const sa = user.split(":");
      const review = {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user,
          groups: ["system:serviceaccounts", `system:serviceaccounts:${sa[2]}`, "system:authenticated"],
          resourceAttributes: { verb, group, resource, ...(namespace ? { namespace } : {}) },
        },
      };
      const out = JSON.parse(await sim.kubectl(["create", "-f", "-", "-o", "json"], JSON.stringify(review))) as {
        status?: { allowed?: boolean };
      };
      return out.status?.allowed === true;
    };

    let prometheus: { user: string; namespace: string };
    let kubeStateMetrics: { user: string; namespace: string };
    let docs: Doc[];
    let allowedBefore: boolean;
    let accounts: string;

    // The apply happens here, not in a test, so each test below passes alone and in any order; what
    // the server said before and after it is kept for the first two tests.
    beforeAll(async () => {
      prometheus = serviceAccountOf("Prometheus", "k8s");
      kubeStateMetrics = serviceAccountOf("Deployment", "kube-state-metrics");
      docs = rbac();
      allowedBefore = await may(prometheus.user, "list", "pods", "guestbook");
      await sim.kubectl(["apply", "--server-side", "--field-manager=stackwave-test", "-f", "-"], stream(docs));
      accounts = await sim.kubectl(["get", "serviceaccounts", "-n", prometheus.namespace, "-o", "name"]);
    });

    it("THEN before they exist the Prometheus ServiceAccount may not list pods in guestbook (the grant below is theirs)", () => {
      expect(allowedBefore).toBe(false);
    });

    it("THEN they apply for real", () => {
      expect(new Set(docs.map((d) => d.kind))).toEqual(rbacKinds);
      expect(accounts).toContain(`serviceaccount/${prometheus.user.split(":").pop()}`);
    });

    it.each(["list", "watch", "get"].flatMap((verb) => ["endpoints", "pods", "services"].map((resource) => [verb, resource])))(
      "THEN the Prometheus ServiceAccount may %s %s in guestbook",
      async (verb, resource) => {
        expect(await may(prometheus.user, verb!, resource!, "guestbook")).toBe(true);
      },
    );

    it("THEN the Prometheus ServiceAccount may list endpointslices in guestbook", async () => {
      expect(await may(prometheus.user, "list", "endpointslices", "guestbook", "discovery.k8s.io")).toBe(true);
    });

    it.each([
      ["get", "secrets", "guestbook"],
      ["list", "secrets", "guestbook"],
      ["create", "pods", "guestbook"],
      ["delete", "pods", "guestbook"],
      ["list", "pods", "argocd"],
    ])("THEN the Prometheus ServiceAccount may not %s %s in %s", async (verb, resource, namespace) => {
      expect(await may(prometheus.user, verb, resource, namespace)).toBe(false);
    });

    it("THEN kube-state-metrics may list and watch deployments in every namespace", async () => {
      expect(await may(kubeStateMetrics.user, "list", "deployments", undefined, "apps")).toBe(true);
      expect(await may(kubeStateMetrics.user, "watch", "deployments", undefined, "apps")).toBe(true);
      expect(await may(kubeStateMetrics.user, "list", "deployments", "guestbook", "apps")).toBe(true);
    });

    it("THEN kube-state-metrics may not delete, update or create deployments, nor read a secret's content", async () => {
      expect(await may(kubeStateMetrics.user, "delete", "deployments", "guestbook", "apps")).toBe(false);
      expect(await may(kubeStateMetrics.user, "update", "deployments", "guestbook", "apps")).toBe(false);
      expect(await may(kubeStateMetrics.user, "create", "deployments", "guestbook", "apps")).toBe(false);
      expect(await may(kubeStateMetrics.user, "get", "secrets", "guestbook")).toBe(false);
    });
  });

  describe("WHEN an Application in the generated apps AppProject carries a ClusterRole", () => {
    const appName = "stack-apps";
    const forbidden = "stackwave-apps-forbidden";
    let git: GitServer;
    let work: WorkingCopy;
    let repoUrl: string;

    /** A ConfigMap in guestbook, and with `clusterRole` a ClusterRole the project must refuse. */
    const writeSource = (clusterRole: boolean) => {
      const docs = [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "stack-apps", namespace: "guestbook" }, data: { ok: "yes" } },
        ...(clusterRole
          ? [
              {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "ClusterRole",
                metadata: { name: forbidden },
                rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }],
              },
            ]
          : []),
      ];
      writeFileSync(join(work.dir, "objects.yaml"), docs.map((d) => yaml.dump(d)).join("---\n"));
      writeFileSync(join(work.dir, "kustomization.yaml"), yaml.dump({ resources: ["objects.yaml"] }));
    };
    const appState = async () =>
      JSON.parse(await sim.kubectl(["get", "application", appName, "-n", "argocd", "-o", "json"])) as {
        status?: {
          sync?: { status?: string; revision?: string };
          operationState?: {
            phase?: string;
            message?: string;
            operation?: { sync?: { revision?: string } };
            syncResult?: { revision?: string; resources?: { kind?: string; name?: string; status?: string; message?: string }[] };
          };
        };
      };

    beforeAll(async () => {
      // Leased until the server listens: GIT_PUBLIC_URL must name the port before it starts.
      const lease = await leasePort();
      const port = lease.port;
      try {
        git = await startGitServer({
          dataDir: join(scratch, "git"),
          port,
          env: { GIT_PUBLIC_URL: `http://127.0.0.1:${port}`, GIT_INIT_REPOS: "stackwave" },
        });
      } finally {
        lease.release();
      }
      repoUrl = `${git.url}/stackwave.git`;
      mkdirSync(join(scratch, "work"));
      work = workingCopy(join(scratch, "work"), repoUrl);
      await work.init();
    });

    afterAll(async () => {
      await sim?.kubectl(["delete", "application", appName, "-n", "argocd", "--ignore-not-found", "--wait=false"]).catch(() => undefined);
      await git?.stop();
    });

    it("THEN the sync fails naming the ClusterRole as not permitted in project apps, and no ClusterRole exists", async () => {
      const project = yaml.load(readFileSync(join(repoRoot, "clusters/local/apps/apps-appproject.yaml"), "utf8")) as Doc & {
        spec: { sourceRepos: string[]; clusterResourceWhitelist?: unknown[] };
      };
      expect(project.kind).toBe("AppProject");
      expect(project.metadata.name).toBe("apps");
      // Only the source changes: the generated one names the in-cluster git Service, which the sim cannot reach.
      const applied = { ...project, spec: { ...project.spec, sourceRepos: [repoUrl] } };
      await sim.kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify(applied));

      writeSource(true);
      const sha = await work.push("a ClusterRole the apps project must refuse");
      await sim.kubectl(
        ["apply", "-f", "-"],
        JSON.stringify({
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Application",
          metadata: { name: appName, namespace: "argocd" },
          spec: {
            project: "apps",
            source: { repoURL: repoUrl, targetRevision: "main", path: "." },
            destination: { server: "https://kubernetes.default.svc", namespace: "guestbook" },
            // No retries (automated syncs retry 5 times by default): the refused sync ends Failed at once.
            syncPolicy: { automated: { prune: true }, retry: { limit: 0 } },
          },
        }),
      );
      let state = await appState();
      await waitFor(
        undefined,
        `Application ${appName}: a finished sync of ${sha}`,
        async () => {
          state = await appState();
          const op = state.status?.operationState;
          const revision = op?.syncResult?.revision ?? op?.operation?.sync?.revision;
          if (!op || revision !== sha || !["Failed", "Error", "Succeeded"].includes(op.phase ?? ""))
            throw new Error(JSON.stringify(op ?? {}));
        },
        240_000,
      );
      expect(state.status?.operationState?.phase).not.toBe("Succeeded");
      const refused = state.status?.operationState?.syncResult?.resources?.find((r) => r.kind === "ClusterRole" && r.name === forbidden);
      expect(refused?.status, JSON.stringify(state.status?.operationState)).toBe("SyncFailed");
      expect(refused?.message).toBe("resource rbac.authorization.k8s.io:ClusterRole is not permitted in project apps");
      const found = await sim.kubectl(["get", "clusterroles", "-o", "name"]);
      expect(found).not.toContain(`clusterrole.rbac.authorization.k8s.io/${forbidden}`);
    });

    it("THEN without the ClusterRole the same Application syncs into guestbook (the refusal was the ClusterRole's)", async () => {
      writeSource(false);
      const sha = await work.push("namespaced objects only");
      await sim.kubectl(["annotate", "application", appName, "-n", "argocd", "--overwrite", "argocd.argoproj.io/refresh=normal"]);
      await waitFor(
        undefined,
        `Application ${appName} Synced at ${sha}`,
        async () => {
          const s = (await appState()).status;
          if (s?.sync?.status !== "Synced" || s.sync.revision !== sha || s.operationState?.phase !== "Succeeded")
            throw new Error(JSON.stringify(s ?? {}));
        },
        240_000,
      );
      expect(await sim.kubectl(["get", "configmap", "stack-apps", "-n", "guestbook", "-o", "jsonpath={.data.ok}"])).toBe("yes");
    });
  });
});
