// The generated stack against a real API server: every object of every overlay passes the server's own
// validation (a server-side dry run with the real CRDs installed), and the generated RBAC grants the
// scrapers exactly what they need, checked by the API server's authorizer (SubjectAccessReview).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { goTools, prometheusOperator } from "../../generators/versions.js";
import { build, buildableFolders } from "../../tools/kustomize.js";
import { up, type Sim } from "../../tools/sim/cluster.js";
import { goModuleDir } from "../../tools/sim/gomod.js";
import { requireTool } from "../support/tools.js";

const hint = "build the simulated cluster's tools with: npx tsx tools/sim-tools.ts";
const tools = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "argocd", "kustomize", "redis-server"];
const missing = tools.filter((t) => !requireTool(t, hint));

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
      const child = spawn("kubectl", ["--kubeconfig", sim.kubeconfig, ...args], { env: sim.env, stdio: ["pipe", "pipe", "pipe"] });
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

    it.each(folders)("THEN the API server accepts every object of %s", async (folder) => {
      const docs = objects(build(folder));
      expect(docs.length, folder).toBeGreaterThan(0);
      const result = await kubectl(
        ["apply", "--server-side", "--dry-run=server", "--field-manager=stackwave-test", "-o", "name", "-f", "-"],
        stream(docs),
      );
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

    beforeAll(async () => {
      prometheus = serviceAccountOf("Prometheus", "k8s");
      kubeStateMetrics = serviceAccountOf("Deployment", "kube-state-metrics");
    });

    it("THEN before they exist the Prometheus ServiceAccount may not list pods in guestbook (the grant below is theirs)", async () => {
      expect(await may(prometheus.user, "list", "pods", "guestbook")).toBe(false);
    });

    it("THEN they apply for real", async () => {
      const docs = rbac();
      expect(new Set(docs.map((d) => d.kind))).toEqual(rbacKinds);
      await sim.kubectl(["apply", "--server-side", "--field-manager=stackwave-test", "-f", "-"], stream(docs));
      const accounts = await sim.kubectl(["get", "serviceaccounts", "-n", prometheus.namespace, "-o", "name"]);
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
});
