// Where bootstrap's crds step finds the pinned CRDs offline: the Go module cache or a seeded bundle, and
// a refusal that says how to get them when neither has them.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crdFiles } from "../../generators/layers/crds.js";
import { crdContents, crdReleaseDir } from "../../tools/bootstrap/crds.js";
import { testDir } from "../support/temp.js";

describe("GIVEN the crds step offline, with the Go module cache out of reach", () => {
  it("WHEN no seeded bundle holds the release THEN it refuses, naming both places and the bundle commands", async () => {
    const root = testDir("crds-none");
    const error = await crdContents("v0.93.0", true, { moduleCache: false, bundled: root }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`needed offline, and neither the Go module cache nor a seeded bundle has them`);
    expect((error as Error).message).toContain(join(root, crdReleaseDir("v0.93.0")));
    expect((error as Error).message).toContain("mirror seed --from <file>");
  });

  it("WHEN a seeded bundle holds only part of the release THEN it is not used", async () => {
    const root = testDir("crds-partial");
    mkdirSync(join(root, crdReleaseDir("v0.93.0")), { recursive: true });
    writeFileSync(join(root, crdReleaseDir("v0.93.0"), crdFiles[0]!), "kind: CustomResourceDefinition\n");
    await expect(crdContents("v0.93.0", true, { moduleCache: false, bundled: root })).rejects.toThrow(
      /neither the Go module cache nor a seeded bundle/,
    );
  });

  it("WHEN a seeded bundle holds every file THEN those are the CRDs, named as coming from it", async () => {
    const root = testDir("crds-bundled");
    const dir = join(root, crdReleaseDir("v0.93.0"));
    mkdirSync(dir, { recursive: true });
    for (const file of crdFiles) writeFileSync(join(dir, file), `# ${file}\n`);
    const { files, from } = await crdContents("v0.93.0", true, { moduleCache: false, bundled: root });
    expect(from).toBe(`the image bundle seeded into ${dir}`);
    expect(files.get(crdFiles[3]!)).toBe(`# ${crdFiles[3]}\n`);
  });
});
