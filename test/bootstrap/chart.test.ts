// The argo-cd chart from a file: the version check reads Chart.yaml out of the real packaged chart, a wrong
// version is refused naming both, and the chart mirror push lands on the real git server, where it renders
// with helm from the unpacked folder, as Argo CD's repo-server renders a chart from a git path.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartMirrorTag } from "../../generators/clusters/applications.js";
import { argocdValuesPath } from "../../generators/clusters/argocd.js";
import { repoRoot } from "../../generators/paths.js";
import { clusters } from "../../generators/stack.js";
import { argocd, kubernetes } from "../../generators/versions.js";
import { chartMetadata, chartProblem, pushChartMirror, readTar, unpack } from "../../tools/bootstrap/chart.js";
import type { Step } from "../../tools/bootstrap/plan.js";
import { Runner } from "../../tools/bootstrap/run.js";
import { startGitServer, type GitServer } from "../support/git-server.js";
import { testDir } from "../support/temp.js";
import { inCI, requireTool } from "../support/tools.js";

const chart = join(repoRoot, "..", "shared", "charts", "argo-cd-9.3.7.tgz");
const haveChart = existsSync(chart);
if (!haveChart) {
  const message = `missing chart ${chart}: the pinned argo-cd 9.3.7 chart (DESIGN.md §6)`;
  if (inCI) throw new Error(`${message} (CI=true: missing inputs fail the run)`);
  console.warn(`skipped: ${message}`);
}
const helm = requireTool("helm", "node --import tsx tools/cache/build.ts helm (helm v3.19.0 into the tool cache)");

/** The real chart repacked with another version in its Chart.yaml (system tar, as `helm package` would). */
function repacked(version: string): string {
  const dir = testDir("chart-repack");
  unpack(readFileSync(chart), dir);
  const file = join(dir, "argo-cd", "Chart.yaml");
  writeFileSync(file, readFileSync(file, "utf8").replace(/^version: .*$/m, `version: ${version}`));
  const out = join(dir, `argo-cd-${version}.tgz`);
  execFileSync("tar", ["-czf", out, "-C", dir, "argo-cd"]);
  return out;
}

describe.skipIf(!haveChart)("GIVEN the pinned argo-cd chart file", () => {
  it("WHEN its metadata is read THEN it is the argo-cd chart at the pinned version, and the check passes", () => {
    expect(chartMetadata(readFileSync(chart))).toEqual({ name: "argo-cd", version: argocd.chart.version });
    expect(chartProblem(chart, argocd.chart)).toBeUndefined();
  });

  it("WHEN a chart of another version is given THEN the check names the file, both versions and where the pin lives", () => {
    const other = repacked("9.4.0");
    expect(chartMetadata(readFileSync(other)).version).toBe("9.4.0");
    expect(chartProblem(other, argocd.chart)).toBe(
      `--chart ${other}: expected argo-cd chart version ${argocd.chart.version} (argocd.chart.version in generators/versions.ts), got 9.4.0`,
    );
  });

  it("WHEN the file is missing or not a chart THEN the check says what it expected", () => {
    const dir = testDir("chart-bad");
    expect(chartProblem(join(dir, "nope.tgz"), argocd.chart)).toMatch(
      /nope\.tgz: no such file \(expected the packaged argo-cd chart 9\.3\.7/,
    );
    const notChart = join(dir, "notes.tgz");
    mkdirSync(join(dir, "notes"));
    writeFileSync(join(dir, "notes", "README.md"), "not a chart\n");
    execFileSync("tar", ["-czf", notChart, "-C", dir, "notes"]);
    expect(chartProblem(notChart, argocd.chart)).toMatch(/expected a packaged Helm chart .* found no Chart\.yaml/);
  });

  it("WHEN the archive is read THEN every file of `tar -tzf` is there with the same bytes", () => {
    const listed = execFileSync("tar", ["-tzf", chart], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l && !l.endsWith("/"));
    const entries = readTar(readFileSync(chart));
    expect(entries.map((e) => e.path).sort()).toEqual(listed.sort());
    const values = execFileSync("tar", ["-xzOf", chart, "argo-cd/values.yaml"]);
    expect(entries.find((e) => e.path === "argo-cd/values.yaml")!.data.equals(values)).toBe(true);
  });
});

describe.skipIf(!haveChart)("GIVEN the real git server", () => {
  let server: GitServer;
  beforeAll(async () => {
    server = await startGitServer();
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });
  const tag = chartMirrorTag(argocd.chart.version);
  const push = (file: string) =>
    pushChartMirror({
      file,
      pushURL: `${server.url}/argo-cd-chart.git`,
      reposAPI: `${server.url}/api/repos`,
      repo: "argo-cd-chart",
      tag,
      pin: argocd.chart,
    });

  it("WHEN the chart is pushed twice THEN the repo is created, main and the tag name one commit, and the rerun makes the same commit", async () => {
    const first = await push(chart);
    const second = await push(chart);
    expect(second).toBe(first);
    const refs = execFileSync("git", ["ls-remote", `${server.url}/argo-cd-chart.git`], { encoding: "utf8" });
    expect(refs).toContain(`${first}\trefs/heads/main`);
    expect(refs).toContain(`${first}\trefs/tags/${tag}`);
  });

  it("WHEN bootstrap's chart step runs with a relative --chart THEN the runner pushes it and reports the tag and commit", async () => {
    const lines: string[] = [];
    const runner = new Runner({ root: repoRoot, binDir: ".bin", verbose: false, log: (l) => lines.push(l) });
    const step: Step = {
      name: "chart",
      title: "Push the chart",
      details: [],
      actions: [
        {
          kind: "chart-mirror",
          file: relative(repoRoot, chart),
          pushURL: `${server.url}/argo-cd-chart.git`,
          reposAPI: `${server.url}/api/repos`,
          repo: "argo-cd-chart",
          tag,
        },
      ],
      hint: "",
    };
    await runner.step(step, 0, 1);
    const head = execFileSync("git", ["ls-remote", `${server.url}/argo-cd-chart.git`, `refs/tags/${tag}`], { encoding: "utf8" }).slice(
      0,
      12,
    );
    expect(lines.join("\n")).toContain(`✓ ${tag} = ${head} on ${server.url}/argo-cd-chart.git`);
  });

  it("WHEN a chart of another version is pushed THEN nothing is pushed and the error names both versions", async () => {
    await push(chart); // the mirror as a first bootstrap leaves it, whichever test ran before
    const before = execFileSync("git", ["ls-remote", `${server.url}/argo-cd-chart.git`], { encoding: "utf8" });
    await expect(push(repacked("9.2.0"))).rejects.toThrow(/expected argo-cd chart version 9\.3\.7 .* got 9\.2\.0/);
    expect(execFileSync("git", ["ls-remote", `${server.url}/argo-cd-chart.git`], { encoding: "utf8" })).toBe(before);
  });

  it.skipIf(!helm)(
    "WHEN the tag is cloned THEN helm renders the chart from its folder offline, with the cluster's values, as the packaged chart renders",
    async () => {
      await push(chart);
      const dir = testDir("chart-clone");
      execFileSync("git", ["-c", "advice.detachedHead=false", "clone", "--quiet", "--branch", tag, `${server.url}/argo-cd-chart.git`, dir]);
      const local = clusters.find((c) => c.chartSource?.kind === "mirror")!;
      expect(local.chartSource).toMatchObject({ path: "argo-cd" });
      const render = (source: string) =>
        execFileSync(
          helm!,
          [
            "template",
            "argocd",
            source,
            "-n",
            "argocd",
            "--kube-version",
            kubernetes.version,
            "-f",
            join(repoRoot, argocdValuesPath(local)),
          ],
          {
            encoding: "utf8",
            maxBuffer: 64 * 2 ** 20,
          },
        );
      const fromFolder = render(join(dir, "argo-cd"));
      expect(fromFolder).toContain("kind: Deployment");
      expect(fromFolder).toBe(render(chart));
    },
  );
});
