// Bootstrap's mirror and chart parts: the preflight findings (pure), the plan with --offline and --chart, and
// the command itself failing fast, naming the image, when an offline cluster's image is nowhere.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { pulledImages } from "../../generators/clusters/mirror.js";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig } from "../../generators/stack.js";
import { argocd, mirroredRegistries } from "../../generators/versions.js";
import { baseInput, parseOptions, UsageError } from "../../tools/bootstrap/main.js";
import { evaluateChart, evaluateMirror, gatherChart, type MirrorFacts } from "../../tools/bootstrap/mirror.js";
import { formatPlan, upPlan, type PlanInput, type SeedMirrorAction } from "../../tools/bootstrap/plan.js";
import { mirrorImages } from "../../tools/mirror/images.js";
import { snapshot, type Checkout } from "../sim/working-copy.js";
import { suiteDir } from "../support/temp.js";

const config = defaultConfig();
const local = config.clusters.find((c) => c.name === "local")!;
const images = mirrorImages(config, local);
const required = images.filter((i) => i.required).map((i) => i.reference);
const chart = join(repoRoot, "..", "shared", "charts", "argo-cd-9.3.7.tgz");
const mongo = "docker.io/library/mongo:8.0.12";

const facts = (inMirror: readonly string[], inDocker: readonly string[] = [], registryUp = true): MirrorFacts => ({
  registryUp,
  inMirror,
  inDocker,
});

describe("GIVEN the mirror's preflight check", () => {
  it("WHEN every required image is in the mirror or the local Docker THEN it is ok and counts what is left to push", () => {
    const half = Math.floor(required.length / 2);
    const finding = evaluateMirror(images, facts(required.slice(0, half), required.slice(half)), true);
    expect(finding.status).toBe("ok");
    expect(finding.message).toBe(
      `${half} of ${required.length} images in the mirror (localhost:5001), ${required.length - half} to push from the local Docker`,
    );
  });

  it("WHEN one image is nowhere and the cluster is offline THEN it fails naming that image only, with how to seed it", () => {
    const finding = evaluateMirror(images, facts(required.filter((r) => r !== mongo)), true);
    expect(finding.status).toBe("fail");
    expect(finding.message).toContain(
      `1 image the cluster pulls is in neither the mirror nor the local Docker, and this cluster is offline:\n      - ${mongo}`,
    );
    expect(finding.message.match(/\n {6}- /g)).toHaveLength(1);
    expect(finding.fix).toContain("tools/mirror/main.ts seed --from");
  });

  it("WHEN the same image is missing but the cluster may reach upstream THEN it only warns, naming it", () => {
    const finding = evaluateMirror(images, facts(required.filter((r) => r !== mongo)), false);
    expect(finding.status).toBe("warn");
    expect(finding.message).toContain(`1 will be pulled from upstream by the nodes:\n      - ${mongo}`);
  });

  it("WHEN the registry is not running yet THEN the message says so, and optional images never count", () => {
    const optional = images.filter((i) => !i.required).map((i) => i.reference);
    expect(optional.length).toBeGreaterThan(0);
    const finding = evaluateMirror(images, facts([], required, false), true);
    expect(finding.status).toBe("ok");
    expect(finding.message).toContain("(localhost:5001, not running yet)");
  });
});

describe("GIVEN the chart's preflight check", () => {
  it("WHEN the cluster is offline without --chart THEN it fails, saying how to get the file", () => {
    const finding = evaluateChart(local, gatherChart(undefined, false, existsSync), true);
    expect(finding).toMatchObject({ status: "fail", message: "cluster local is offline and no chart file was given" });
    expect(finding.fix).toContain(`--chart <argo-cd-${argocd.chart.version}.tgz>`);
  });

  it("WHEN an offline cluster's Application reads the chart repository THEN it fails with the reason", () => {
    const upstream = { ...local, chartSource: { kind: "upstream" as const } };
    const finding = evaluateChart(upstream, gatherChart(chart, true, existsSync), true);
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe(
      `cluster local is offline, but its argo-cd Application reads the chart from ${argocd.chart.repository}: that sync would fail`,
    );
  });

  it.skipIf(!existsSync(chart))("WHEN --chart is the pinned chart THEN it is ok; a missing file fails naming it", () => {
    expect(evaluateChart(local, gatherChart(chart, true, existsSync), true)).toMatchObject({ status: "ok" });
    const missing = evaluateChart(local, gatherChart("/nonexistent/argo-cd.tgz", true, existsSync), false);
    expect(missing.status).toBe("fail");
    expect(missing.message).toContain("--chart /nonexistent/argo-cd.tgz: no such file");
  });

  it("WHEN no --chart is given and no earlier pull exists THEN, online, the chart is pulled from its repository", () => {
    const finding = evaluateChart(local, gatherChart("/nonexistent/.stackwave/charts/argo-cd-9.3.7.tgz", false, existsSync), false);
    expect(finding).toMatchObject({ status: "ok" });
    expect(finding.message).toContain(`(helm pull, then pushed to http://stackwave-git:8080/argo-cd-chart.git)`);
  });
});

describe("GIVEN bootstrap's options", () => {
  it("WHEN --offline and --chart are parsed THEN the cluster's mirror turns strict and the plan installs the file", () => {
    const options = parseOptions(["--offline", "--chart", "../shared/charts/argo-cd-9.3.7.tgz"]);
    expect(options).toMatchObject({ offline: true, chart: "../shared/charts/argo-cd-9.3.7.tgz" });
    const base = baseInput(options, {});
    expect(base.cluster.mirror).toEqual({ registries: local.mirror!.registries, offline: true });
    const plan = upPlan({ ...base, applications: { root: "stackwave", bootstrapFiles: [], children: [] } } as PlanInput);
    const mirrorActions = plan.steps.find((s) => s.name === "mirror")!.actions;
    expect(mirrorActions[0]).toEqual({ kind: "wait-http", url: "http://localhost:5001/v2/", timeoutMs: 60_000 });
    const seed = mirrorActions[1] as SeedMirrorAction;
    expect(seed).toMatchObject({ kind: "seed-mirror", offline: true, registry: "localhost:5001" });
    expect(seed.images.filter((i) => i.required).map((i) => i.reference)).toEqual(pulledImages(config));
    const chartStep = plan.steps.find((s) => s.name === "chart")!;
    // No helm pull with --chart: the given file is pushed as it is.
    expect(chartStep.actions.map((a) => a.kind)).toEqual(["chart-mirror"]);
    const text = formatPlan(plan);
    expect(text).toContain("$ helm upgrade --install argocd ../shared/charts/argo-cd-9.3.7.tgz --kube-context kind-stackwave-local");
    expect(text).toContain("fail naming any required image found nowhere");
    for (const registry of mirroredRegistries) expect(text).toContain(`[host."http://stackwave-registry:5000/v2/${registry}"]`);
  });

  it("WHEN --chart has no value THEN it is a usage error naming the flag", () => {
    expect(() => parseOptions(["--chart"])).toThrow(new UsageError("--chart expects the packaged argo-cd chart (a .tgz), got nothing"));
    expect(() => parseOptions(["--chart", "--offline"])).toThrow(/--chart expects the packaged argo-cd chart/);
  });
});

/** bootstrap as a child process in `cwd`, like a user runs it; resolves with its exit code and output. */
function bootstrap(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bootstrap.mjs", ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("GIVEN a checkout whose MongoDB image is pinned to a tag that exists nowhere", () => {
  // Whatever this machine's registry on 127.0.0.1:5001 holds, the tag below is in no mirror, and the Docker
  // socket cannot exist, so no local Docker has it either: the case of one image missing from the mirror.
  const env = { DOCKER_HOST: "unix:///nonexistent/stackwave-test/docker.sock", CI: "true", PAGERDUTY_ROUTING_KEY: "" };
  const absent = "docker.io/library/mongo:8.0.12-stackwave-absent";
  let checkout: Checkout;
  const scratch = suiteDir("offline");
  beforeAll(async () => {
    checkout = await snapshot(join(scratch(), "checkout"));
    checkout.edit("generators/versions.ts", (text) =>
      text.replace('repository: "library/mongo", tag: "8.0.12"', 'repository: "library/mongo", tag: "8.0.12-stackwave-absent"'),
    );
    await checkout.generate();
    await checkout.commit("mongo pinned to a tag nobody has");
  }, 120_000);

  it("WHEN bootstrap --offline runs THEN it stops in preflight, before changing anything, naming the missing image", async () => {
    const { code, out } = await bootstrap(checkout.dir, ["--offline", "--chart", chart], env);
    expect(code, out).toBe(1);
    expect(out).toMatch(/✗ mirror: .* and this cluster is offline:/);
    expect(out).toContain(`\n      - ${absent}\n`);
    expect(out).toContain("bootstrap stopped before changing anything");
    expect(out).not.toContain("[1/");
    expect(existsSync(join(checkout.dir, ".stackwave"))).toBe(false);
  }, 150_000);

  it("WHEN bootstrap --offline --dry-run runs THEN it prints the mirror step, the hosts.toml files and the failing finding, and exits 0", async () => {
    const { code, out } = await bootstrap(checkout.dir, ["--offline", "--chart", chart, "--dry-run"], env);
    expect(code, out).toBe(0);
    expect(out).toMatch(
      /^\[3\/\d+\] mirror: Fill the image mirror localhost:5001 from the local Docker \(offline: every image must be there\)$/m,
    );
    expect(out).toContain(`override_path = true`);
    expect(out).toContain(`  · required ${absent}`);
    expect(out).toMatch(/✗ mirror: .* is offline:/);
    expect(out).toContain(`      - ${absent}`);
  }, 150_000);
});
