// The mirror's seed command against real programs: the harness Docker pushes into a real registry 2.8.3 on
// loopback, and the registry API then holds each image under <upstream registry>/<repository>.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { readTar } from "../../tools/bootstrap/chart.js";
import type { SeedMirrorAction, Step } from "../../tools/bootstrap/plan.js";
import { Runner, StepError } from "../../tools/bootstrap/run.js";
import { startDocker, type Docker } from "../../tools/kind/docker/daemon.js";
import type { MirrorImage } from "../../tools/mirror/images.js";
import { mirrorMain } from "../../tools/mirror/main.js";
import { hasImage, manifestAccept, missingFrom } from "../../tools/mirror/registry.js";
import { bundleCrdFolder, formatReport, loadBundle, localImages, seed, writeBundle } from "../../tools/mirror/seed.js";
import { crdContents, crdReleaseDir } from "../../tools/bootstrap/crds.js";
import { crdFiles } from "../../generators/layers/crds.js";
import { prometheusOperator } from "../../generators/versions.js";
import { startRegistry, type Registry } from "../support/registry.js";
import { requireTool } from "../support/tools.js";
import { testDir } from "../support/temp.js";
import { dockerBlocker } from "./harness.js";

const blocker = dockerBlocker();
const registryBinary = requireTool(
  "registry",
  "the distribution registry v2.8.3 in the tool cache: node --import tsx tools/cache/build.ts registry",
);
const pause = "registry.k8s.io/pause:3.10";
/** A tag nobody built: the report must name it as missing. */
const absent = "registry.k8s.io/pause:0.0-stackwave-absent";
const required = (reference: string): MirrorImage => ({ reference, required: true, listed: true });

describe.skipIf(Boolean(blocker) || !registryBinary)("GIVEN the harness Docker and a real registry on loopback", () => {
  let docker: Docker;
  let registry: Registry;
  beforeAll(async () => {
    docker = await startDocker();
    if (!(await localImages(docker)).has(pause))
      throw new Error(`${pause} is not in the harness Docker: node --import tsx tools/kind/main.ts images pause`);
    registry = await startRegistry(registryBinary!);
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it("WHEN two images are seeded and the Docker has one THEN that one is pushed under its upstream registry's prefix and the other is reported missing, by name", async () => {
    const progress: string[] = [];
    const report = await seed({
      env: docker.env,
      registry: registry.host,
      images: [required(pause), required(absent)],
      progress: (line) => progress.push(line),
    });
    expect(report.pushed).toEqual([pause]);
    // One counted line per push, so a cold mirror of minutes is never silent.
    expect(progress).toEqual([`push 1/2 ${pause} → ${registry.host}/registry.k8s.io/pause:3.10`]);
    expect(report.missing.map((m) => m.reference)).toEqual([absent]);
    expect(formatReport(report, registry.host)).toContain(`✗ ${absent} (the cluster pulls it)`);

    // The registry API, as containerd asks it through hosts.toml: /v2/<upstream>/<repository>/manifests/<tag>.
    const manifest = await fetch(`http://${registry.host}/v2/registry.k8s.io/pause/manifests/3.10`, {
      headers: { Accept: manifestAccept },
    });
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get("docker-content-digest")).toMatch(/^sha256:[0-9a-f]{64}$/);
    const tags = (await (await fetch(`http://${registry.host}/v2/registry.k8s.io/pause/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(["3.10"]);
    expect(await hasImage(registry.host, pause)).toBe(true);
    expect(await missingFrom(registry.host, [pause, absent])).toEqual([absent]);
    // The extra tag is gone again; the image keeps its upstream name.
    const local = await localImages(docker);
    expect(local.has(pause)).toBe(true);
    expect([...local].some((r) => r.startsWith(registry.host))).toBe(false);
  });

  it("WHEN seeding again THEN what the registry holds is skipped, not pushed twice", async () => {
    await seed({ env: docker.env, registry: registry.host, images: [required(pause)] });
    const again = await seed({ env: docker.env, registry: registry.host, images: [required(pause)] });
    expect(again).toEqual({ pushed: [], present: [pause], missing: [] });
  });

  it("WHEN the check command runs against it THEN it exits 1 and names the cluster's images the registry lacks", async () => {
    await seed({ env: docker.env, registry: registry.host, images: [required(pause)] });
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await mirrorMain(["check", "--registry", registry.host], docker);
    } finally {
      process.stdout.write = write;
    }
    const text = lines.join("");
    expect(code).toBe(1);
    expect(text).toContain("✗ docker.io/library/mongo:8.0.12 (the cluster pulls it)");
    expect(text).not.toContain(`✗ ${pause}`);
  });

  it("WHEN bootstrap's mirror step runs offline and one image is nowhere THEN the step fails fast, naming that image", async () => {
    const lines: string[] = [];
    const runner = new Runner({ root: repoRoot, binDir: ".bin", verbose: false, log: (l) => lines.push(l), env: docker.env });
    const step: Step = {
      name: "mirror",
      title: "Fill the image mirror",
      details: [],
      actions: [{ kind: "seed-mirror", registry: registry.host, images: [required(pause), required(absent)], offline: true }],
      hint: "seed it",
    };
    const error = await runner.step(step, 0, 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StepError);
    const text = (error as StepError).format();
    expect(text).toContain(`✗ ${absent} (the cluster pulls it)`);
    expect(text).not.toContain(`✗ ${pause}`);
    // Online, the same gap is reported and the step goes on: the node pulls it from upstream.
    await runner.step({ ...step, actions: [{ ...(step.actions[0] as SeedMirrorAction), offline: false }] }, 0, 1);
    expect(lines.join("\n")).toMatch(/✓ \d pushed, \d already in [\d.:]+, 1 left to upstream/);
  });

  it("WHEN a bundle is written and seeded into an empty registry THEN the bundle names the image and the registry holds it afterwards", async () => {
    const dir = testDir("bundle");
    const file = join(dir, "images.tar");
    const { saved, missing } = await writeBundle(file, [pause, absent], docker);
    expect(saved).toEqual([pause]);
    expect(missing).toEqual([absent]);
    const manifest = JSON.parse(
      readTar(readFileSync(file))
        .find((e) => e.path === "manifest.json")!
        .data.toString("utf8"),
    ) as { RepoTags: string[] }[];
    expect(manifest.flatMap((m) => m.RepoTags)).toContain(pause);

    const empty = await startRegistry(registryBinary!);
    try {
      await loadBundle(file, docker);
      const report = await seed({ env: docker.env, registry: empty.host, images: [required(pause)] });
      expect(report.pushed).toEqual([pause]);
      expect(await hasImage(empty.host, pause)).toBe(true);
    } finally {
      await empty.stop();
    }
  });

  it("WHEN a bundle carries the CRDs THEN docker load still takes it, and seeding from it leaves them where the offline crds step finds them without the Go module cache", async () => {
    const dir = testDir("bundle-crds");
    const file = join(dir, "images.tar");
    const version = prometheusOperator.version;
    const crds = await crdContents(version, true); // from the Go module cache here
    await writeBundle(file, [pause], docker, { version, files: crds.files });
    const entries = readTar(readFileSync(file)).map((e) => e.path);
    expect(entries).toContain("manifest.json");
    for (const name of crdFiles) expect(entries).toContain(`${bundleCrdFolder}/${crdReleaseDir(version)}/${name}`);

    const root = join(dir, "crds");
    expect(await loadBundle(file, docker, root)).toEqual([crdReleaseDir(version)]);
    expect((await localImages(docker)).has(pause)).toBe(true);
    const offline = await crdContents(version, true, { moduleCache: false, bundled: root });
    expect(offline.from).toContain(root);
    expect([...offline.files.keys()].sort()).toEqual([...crdFiles].sort());
    for (const [name, text] of crds.files) expect(offline.files.get(name)).toBe(text);
  });
});
