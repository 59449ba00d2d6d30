// The image mirror from the command line (tools/mirror/README.md, docs/air-gapped.md).
// Usage: node --import tsx tools/mirror/main.ts <list|seed|bundle|check> [--cluster local] [--registry localhost:5001]
//   list                          the images of the cluster's mirror, required or optional
//   seed [--from <bundle.tar>] [--pull] [--force]
//                                 copy them from the local Docker (after loading the bundle) into the registry;
//                                 starts the stackwave-registry container when the registry is the default one
//   bundle --out <bundle.tar>     save them, the registry image and the node image into one file for `seed --from`
//   check                         which ones the registry lacks (HEAD /v2/<name>/manifests/<tag>)
// Exit 0 when the cluster's required images are all there, 1 when one is missing, 2 for bad usage.
import { pathToFileURL } from "node:url";
import type { ClusterConfig } from "../../generators/config.js";
import { defaultConfig } from "../../generators/stack.js";
import { localRegistry } from "../../generators/versions.js";
import { bundledCrdRoot, crdContents } from "../bootstrap/crds.js";
import { registryRunArgv } from "../bootstrap/plan.js";
import { run } from "../cache/command.js";
import { dockerImages, mirrorImages, type MirrorImage } from "./images.js";
import { missingFrom, registryAnswers } from "./registry.js";
import { formatReport, loadBundle, localImages, seed, writeBundle, type DockerEnv } from "./seed.js";

export const usage = `usage: node --import tsx tools/mirror/main.ts <list|seed|bundle|check> [options]
  list                      the images of the cluster's mirror (required: a node pulls them)
  seed                      copy them from the local Docker into the registry
    --from <bundle.tar>     docker load this bundle first (written by \`bundle\`)
    --pull                  docker pull what the local Docker lacks (a connected machine only)
    --force                 push even images the registry already holds
  bundle --out <file.tar>   save them, the registry image and the node image into one file
  check                     list what the registry lacks; exit 1 if the cluster needs it
  --cluster <name>          cluster of generators/stack.ts (default: local)
  --registry <host:port>    the registry as the local Docker reaches it (default: ${localRegistry.host})`;

export class UsageError extends Error {}

export interface MirrorOptions {
  readonly command: "list" | "seed" | "bundle" | "check";
  readonly cluster: string;
  readonly registry: string;
  readonly from?: string;
  readonly out?: string;
  readonly pull: boolean;
  readonly force: boolean;
}

export function parseMirrorOptions(argv: readonly string[]): MirrorOptions {
  const [command, ...rest] = argv;
  if (command !== "list" && command !== "seed" && command !== "bundle" && command !== "check")
    throw new UsageError(`expected a command, one of list, seed, bundle, check; got ${command ? `"${command}"` : "nothing"}`);
  const options: { -readonly [K in keyof MirrorOptions]: MirrorOptions[K] } = {
    command,
    cluster: "local",
    registry: localRegistry.host,
    pull: false,
    force: false,
  };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    const value = (what: string) => {
      const v = rest[++i];
      if (!v || v.startsWith("--")) throw new UsageError(`${flag} expects ${what}, got ${v ?? "nothing"}`);
      return v;
    };
    if (flag === "--cluster") options.cluster = value("a cluster name");
    else if (flag === "--registry") options.registry = value("host:port, e.g. localhost:5001");
    else if (flag === "--from" && command === "seed") options.from = value("a bundle file");
    else if (flag === "--out" && command === "bundle") options.out = value("a file to write");
    else if (flag === "--pull" && command === "seed") options.pull = true;
    else if (flag === "--force" && command === "seed") options.force = true;
    else throw new UsageError(`unknown argument "${flag}" for ${command}`);
  }
  if (command === "bundle" && !options.out) throw new UsageError("bundle expects --out <file.tar>");
  return options;
}

function clusterOf(name: string): { config: ReturnType<typeof defaultConfig>; cluster: ClusterConfig } {
  const config = defaultConfig();
  const cluster = config.clusters.find((c) => c.name === name);
  if (!cluster) throw new UsageError(`--cluster expects one of ${config.clusters.map((c) => c.name).join(", ")}, got "${name}"`);
  if (cluster.runtime !== "kind") throw new UsageError(`--cluster ${name} is not a Kind cluster: only Kind nodes pull images`);
  return { config, cluster };
}

/** Starts the stackwave-registry container as bootstrap does, when the default registry does not answer. */
async function ensureRegistry(registry: string, d: DockerEnv, log: (s: string) => void): Promise<void> {
  if (await registryAnswers(registry)) return;
  if (registry !== localRegistry.host) throw new Error(`the registry ${registry} does not answer http://${registry}/v2/`);
  const exists = await run(["docker", "container", "inspect", localRegistry.containerName], { env: d.env }).then(
    () => true,
    () => false,
  );
  log(`starting the registry container ${localRegistry.containerName} on 127.0.0.1:${localRegistry.hostPort}`);
  if (!exists) await run(["docker", ...registryRunArgv(localRegistry.containerName).slice(1)], { env: d.env, log: d.log });
  await run(["docker", "start", localRegistry.containerName], { env: d.env, log: d.log });
  for (let i = 0; i < 50 && !(await registryAnswers(registry)); i++) await new Promise((r) => setTimeout(r, 200));
  if (!(await registryAnswers(registry)))
    throw new Error(`the registry ${registry} does not answer: \`docker logs ${localRegistry.containerName}\``);
}

function formatList(images: readonly MirrorImage[]): string {
  return images
    .map((i) => `${i.required ? "required" : "optional"}  ${i.reference}${i.listed ? "" : "  (not in tools/images/list.ts)"}`)
    .join("\n");
}

export async function mirrorMain(argv: readonly string[], d: DockerEnv = {}): Promise<number> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  let options: MirrorOptions;
  let images: MirrorImage[];
  let config: ReturnType<typeof defaultConfig>;
  try {
    if (argv.includes("--help") || argv.includes("-h")) {
      log(usage);
      return 0;
    }
    options = parseMirrorOptions(argv);
    const chosen = clusterOf(options.cluster);
    config = chosen.config;
    images = mirrorImages(config, chosen.cluster);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${usage}\n`);
      return 2;
    }
    throw error;
  }
  switch (options.command) {
    case "list":
      log(formatList(images));
      return 0;
    case "check": {
      if (!(await registryAnswers(options.registry))) {
        process.stderr.write(`the registry ${options.registry} does not answer http://${options.registry}/v2/: seed it first\n`);
        return 1;
      }
      const missing = new Set(
        await missingFrom(
          options.registry,
          images.map((i) => i.reference),
        ),
      );
      const report = {
        pushed: [],
        present: images.filter((i) => !missing.has(i.reference)).map((i) => i.reference),
        missing: images.filter((i) => missing.has(i.reference)),
      };
      log(formatReport(report, options.registry));
      return report.missing.some((m) => m.required) ? 1 : 0;
    }
    case "bundle": {
      // The CRDs go along: offline, the crds step reads them from the seeded bundle (tools/bootstrap/crds.ts).
      const version = config.versions.prometheusOperator;
      const crds = await crdContents(version, false);
      const { saved, missing } = await writeBundle(options.out!, [...images.map((i) => i.reference), ...dockerImages(config)], d, {
        version,
        files: crds.files,
      });
      log(`bundle ${options.out}: ${saved.length} images saved, and the prometheus-operator ${version} CRDs (from ${crds.from})`);
      for (const reference of missing) log(`  ✗ not in the local Docker: ${reference}`);
      return images.some((i) => i.required && missing.includes(i.reference)) ? 1 : 0;
    }
    case "seed": {
      if (options.from) {
        log(`loading ${options.from}`);
        const releases = await loadBundle(options.from, d);
        log(releases.length ? `CRDs from the bundle: ${releases.join(", ")} (into ${bundledCrdRoot})` : "the bundle carries no CRDs");
      }
      if (options.pull) {
        const local = await localImages(d);
        for (const image of images.filter((i) => !local.has(i.reference))) {
          log(`pull ${image.reference}`);
          await run(["docker", "pull", image.reference], { env: d.env, log: d.log }).catch((e: Error) =>
            log(`  pull failed: ${e.message.split("\n")[0]}`),
          );
        }
      }
      await ensureRegistry(options.registry, d, log);
      const report = await seed({ ...d, registry: options.registry, images, force: options.force, progress: log });
      log(formatReport(report, options.registry));
      return report.missing.some((m) => m.required) ? 1 : 0;
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await mirrorMain(process.argv.slice(2));
}
