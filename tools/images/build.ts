// Builds the images of tools/images/list.ts into the harness Docker, each cached by a hash of its recipe
// and inputs (a label on the image): a warm run only hashes and inspects.
import { createHash } from "node:crypto";
import {
  copyFileSync,
  cpSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { repoRoot } from "../../generators/paths.js";
import { goTools } from "../../generators/versions.js";
import { run } from "../cache/command.js";
import { cacheDir, toolDir } from "../cache/dirs.js";
import { goModuleDir } from "../cache/gomod.js";
import type { Docker } from "../kind/docker/daemon.js";
import { kindManifests } from "../kind/node/manifests.js";
import { ensureDebian } from "./debian.js";
import { allImages, imageSpec, type ContextFile, type ImageSpec } from "./list.js";

/** Label holding the hash an image was built from. */
const recipeLabel = "org.stackwave.recipe";

/** What happened to one image; also the benchmark record. */
export interface ImageOutcome {
  readonly name: string;
  readonly reference: string;
  readonly outcome: "cached" | "built";
  /** Wall time of this call: the build when built, the cache check when cached. */
  readonly seconds: number;
  /** Uncompressed size in Docker. */
  readonly bytes: number;
}

/** Where each image's last cold build is recorded (read by the benchmark). */
export const buildRecords = join(cacheDir, "docker", "builds.json");

async function fileHash(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function treeHash(dir: string): Promise<string> {
  if (statSync(dir).isFile()) return fileHash(dir);
  const hash = createHash("sha256");
  const walk = async (rel: string): Promise<void> => {
    for (const entry of readdirSync(join(dir, rel)).sort()) {
      const path = join(dir, rel, entry);
      if (statSync(path).isDirectory()) await walk(join(rel, entry));
      else hash.update(`${join(rel, entry)} ${await fileHash(path)}\n`);
    }
  };
  await walk("");
  return hash.digest("hex");
}

function toolBinary(file: { tool: string; version: string; binary: string }): string {
  const path = join(toolDir(file.tool, file.version), "bin", file.binary);
  if (!existsSync(path)) {
    throw new Error(
      `${file.binary} of ${file.tool} ${file.version} is not built (${path}); run: npx tsx tools/cache/build.ts ${file.tool}`,
    );
  }
  return path;
}

async function pauseSource(): Promise<string> {
  return join(await goModuleDir(goTools.kubernetes.module, goTools.kubernetes.version), "build/pause/linux/pause.c");
}

async function imageId(docker: Docker, reference: string): Promise<string> {
  return (await docker.docker(["image", "inspect", "--format", "{{.Id}}", reference])).trim();
}

/** `npm pack`s `pkg` (name@version) into the cache once; returns the .tgz. */
async function npmPackage(pkg: string, log: string | undefined): Promise<string> {
  const dir = join(cacheDir, "npm", pkg.replace(/[@/]/g, "_"));
  const done = join(dir, "package.tgz");
  if (existsSync(done)) return done;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const name = (await run(["npm", "pack", "--silent", pkg], { cwd: dir, log })).trim().split("\n").pop()!;
  renameSync(join(dir, name), done);
  return done;
}

/** The hash of everything an image is made from: the spec, its Dockerfile, every input's content. */
async function recipeHash(docker: Docker, spec: ImageSpec, log: string | undefined): Promise<string> {
  const hash = createHash("sha256");
  hash.update(JSON.stringify(spec));
  hash.update(readFileSync(join(repoRoot, spec.dockerfile)));
  for (const name of spec.needs) hash.update(`${name} ${await imageId(docker, imageSpec(name).reference)}\n`);
  for (const file of spec.files) {
    if ("tool" in file) hash.update(await fileHash(toolBinary(file)));
    else if ("repo" in file) hash.update(await fileHash(join(repoRoot, file.repo)));
    else if ("module" in file) hash.update(await treeHash(join(await goModuleDir(file.module, file.version), file.path)));
    else if ("pause" in file) hash.update(await fileHash(await pauseSource()));
    else if ("kindManifests" in file) {
      const m = await kindManifests();
      hash.update(m.cni + m.storage);
    } else if ("npm" in file) hash.update(await fileHash(await npmPackage(file.npm, log)));
    // "images": their ids are covered by `needs`.
  }
  return hash.digest("hex");
}

/** Writes one input into the build context. */
async function stage(docker: Docker, context: string, file: ContextFile, log: string | undefined): Promise<void> {
  if ("tool" in file) copyFileSync(toolBinary(file), join(context, file.as ?? file.binary));
  else if ("repo" in file) copyFileSync(join(repoRoot, file.repo), join(context, file.as ?? file.repo.split("/").pop()!));
  else if ("module" in file)
    cpSync(join(await goModuleDir(file.module, file.version), file.path), join(context, file.as), { recursive: true });
  else if ("pause" in file) {
    // build/pause/Makefile's flags; REV is the Kubernetes release it comes from.
    await run(
      [
        "gcc",
        "-Os",
        "-Wall",
        "-Werror",
        "-static",
        `-DVERSION=v${file.pause}-${goTools.kubernetes.version}`,
        "-o",
        join(context, file.as),
        await pauseSource(),
      ],
      { log },
    );
  } else if ("npm" in file) copyFileSync(await npmPackage(file.npm, log), join(context, file.as));
  else if ("kindManifests" in file) {
    const m = await kindManifests();
    mkdirSync(join(context, file.kindManifests), { recursive: true });
    writeFileSync(join(context, file.kindManifests, "default-cni.yaml"), m.cni);
    writeFileSync(join(context, file.kindManifests, "default-storage.yaml"), m.storage);
  } else {
    mkdirSync(join(context, "images"), { recursive: true });
    for (const name of file.images) {
      await docker.docker(["save", "-o", join(context, "images", `${name}.tar`), imageSpec(name).reference], { log });
    }
  }
}

async function labelled(docker: Docker, reference: string, label = recipeLabel): Promise<string | undefined> {
  try {
    return (await docker.docker(["image", "inspect", "--format", `{{ index .Config.Labels "${label}" }}`, reference])).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function size(docker: Docker, reference: string): Promise<number> {
  return Number((await docker.docker(["image", "inspect", "--format", "{{.Size}}", reference])).trim());
}

function record(outcome: ImageOutcome): void {
  const all = existsSync(buildRecords) ? (JSON.parse(readFileSync(buildRecords, "utf8")) as Record<string, unknown>) : {};
  all[outcome.name] = { ...outcome, finishedAt: new Date().toISOString() };
  mkdirSync(dirname(buildRecords), { recursive: true });
  writeFileSync(buildRecords, JSON.stringify(all, null, 2) + "\n");
}

export interface BuildOptions {
  /** Build even when the cached image matches. */
  readonly rebuild?: boolean;
  /** With rebuild: no Docker layer cache either, so the build is cold (benchmarks). */
  readonly noCache?: boolean;
  /** Full output of every step is appended here. */
  readonly log?: string;
  readonly onOutcome?: (outcome: ImageOutcome) => void;
}

/** Builds one image (its `needs` must exist) unless the image in Docker was built from the same inputs. */
export async function ensureImage(docker: Docker, spec: ImageSpec, options: BuildOptions = {}): Promise<ImageOutcome> {
  const start = Date.now();
  const done = async (outcome: "cached" | "built"): Promise<ImageOutcome> => {
    const result = {
      name: spec.name,
      reference: spec.reference,
      outcome,
      seconds: (Date.now() - start) / 1000,
      bytes: await size(docker, spec.reference),
    };
    if (outcome === "built") record(result);
    options.onOutcome?.(result);
    return result;
  };
  if (spec.name === "debian") {
    const { built } = await ensureDebian(docker, undefined, options);
    return done(built ? "built" : "cached");
  }
  const hash = await recipeHash(docker, spec, options.log);
  if (!options.rebuild && (await labelled(docker, spec.reference)) === hash) return done("cached");
  const context = mkdtempSync(join(tmpdir(), `stackwave-image-${spec.name}-`));
  try {
    copyFileSync(join(repoRoot, spec.dockerfile), join(context, "Dockerfile"));
    for (const file of spec.files) await stage(docker, context, file, options.log);
    const args = Object.entries(spec.args ?? {}).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
    const cold = options.noCache ? ["--no-cache"] : [];
    await run(["/usr/bin/docker", "build", ...cold, "--label", `${recipeLabel}=${hash}`, ...args, "-t", spec.reference, context], {
      env: { ...docker.env, DOCKER_BUILDKIT: "1", BUILDKIT_PROGRESS: "plain" },
      log: options.log,
    });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return done("built");
}

/** `names` and everything they need, each once, dependencies first. */
export function buildOrder(names: readonly string[], list: readonly ImageSpec[] = allImages): ImageSpec[] {
  const order: ImageSpec[] = [];
  const visit = (name: string, path: readonly string[]) => {
    if (path.includes(name)) throw new Error(`image needs form a cycle: ${[...path, name].join(" -> ")}`);
    if (order.some((s) => s.name === name)) return;
    const spec = imageSpec(name, list);
    for (const need of spec.needs) visit(need, [...path, name]);
    order.push(spec);
  };
  for (const name of names) visit(name, []);
  return order;
}

/** Builds `names` (default: every image of the list) and what they need. */
export async function ensureImages(
  docker: Docker,
  names: readonly string[] = allImages.map((s) => s.name),
  options: BuildOptions = {},
): Promise<ImageOutcome[]> {
  const outcomes: ImageOutcome[] = [];
  for (const spec of buildOrder(names)) outcomes.push(await ensureImage(docker, spec, options));
  return outcomes;
}
