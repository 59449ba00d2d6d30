// npm run bench:mirror: filling the image mirror from the harness Docker. Cold: every image the local Docker
// holds of the local cluster's mirror list, pushed into an empty registry 2.8.3 on loopback. Warm: the same
// seed again (each image a manifest HEAD) and a forced push (docker push with every layer already there).
// Medians of RUNS runs (default 3; each cold run gzips every layer on this machine's cores).
import { loadavg } from "node:os";
import { defaultConfig } from "../../generators/stack.js";
import { findTool } from "../../tools/cache/which.js";
import { startDocker } from "../../tools/kind/docker/daemon.js";
import { mirrorImages } from "../../tools/mirror/images.js";
import { localImages, seed } from "../../tools/mirror/seed.js";
import { startRegistry } from "../support/registry.js";
import { median, writeSection } from "./report.js";

const runs = Number(process.env.RUNS ?? 3);
const binary = findTool("registry");
if (!binary) throw new Error("registry is not in the tool cache: node --import tsx tools/cache/build.ts registry");
const docker = await startDocker();
const config = defaultConfig();
const all = mirrorImages(
  config,
  config.clusters.find((c) => c.name === "local")!,
);
const local = await localImages(docker);
const images = all.filter((i) => local.has(i.reference));
const sizes = await Promise.all(
  images.map(async (i) => Number((await docker.docker(["image", "inspect", "--format", "{{.Size}}", i.reference])).trim())),
);
const bytes = sizes.reduce((a, b) => a + b, 0);

const cold: number[] = [];
const warm: number[] = [];
const forced: number[] = [];
for (let i = 0; i < runs; i++) {
  const registry = await startRegistry(binary);
  try {
    const time = async (force: boolean) => {
      const start = performance.now();
      const report = await seed({ env: docker.env, registry: registry.host, images, force });
      if (report.missing.length) throw new Error(`missing: ${report.missing.map((m) => m.reference).join(", ")}`);
      return (performance.now() - start) / 1000;
    };
    cold.push(await time(false));
    warm.push(await time(false));
    forced.push(await time(true));
  } finally {
    await registry.stop();
  }
}
const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(" / ");
const s = (values: number[]) => `${median(values).toFixed(1)} s`;
writeSection(
  "Image mirror",
  `The local cluster's mirror list (\`tools/mirror/images.ts\`): ${images.length} of its ${all.length} images were in the harness Docker
(${(bytes / 1e6).toFixed(0)} MB uncompressed, ${images.filter((i) => i.required).length} required, ${images.filter((i) => !i.required).length} optional),
seeded into a real registry 2.8.3 on loopback (\`tools/mirror/seed.ts\`, the code bootstrap's mirror step runs).
Median of ${runs} runs. Load average at the end (1/5/15 min): ${load} (the machine is shared).

| what | median |
|---|---|
| cold: every image into an empty registry (docker push, layers gzipped) | ${s(cold)} |
| warm: the same seed again (one manifest HEAD per image, nothing pushed) | ${s(warm)} |
| forced: \`--force\`, docker push with every layer already in the registry | ${s(forced)} |

Reproduce: \`npm run bench:mirror\` (\`RUNS=n\` to change the sample size).`,
);
