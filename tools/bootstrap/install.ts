// The pinned CLI tools bootstrap needs: where each release lives, how to read a tool's version, and a
// download that only lands in .bin/ once its sha256 matches the value kept in versions.ts.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, realpathSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { cliToolChecksums, cliTools, type ToolPlatform } from "../../generators/versions.js";
import { executable } from "../cache/which.js";

export type ToolName = keyof typeof cliTools;
export const toolNames = Object.keys(cliTools) as ToolName[];

/** Where one tool's release artifact is and what is inside it. */
export interface ToolRelease {
  readonly tool: ToolName;
  readonly version: string;
  readonly url: string;
  readonly sha256: string;
  /** Path of the binary inside a .tar.gz; undefined when the artifact is the binary itself. */
  readonly archiveMember?: string;
}

/** `<os>-<arch>` of this machine, or undefined when no release is pinned for it. */
export function hostPlatform(platform: string = process.platform, arch: string = process.arch): ToolPlatform | undefined {
  const os = platform === "linux" || platform === "darwin" ? platform : undefined;
  const cpu = arch === "x64" ? "amd64" : arch === "arm64" ? "arm64" : undefined;
  return os && cpu ? (`${os}-${cpu}` as ToolPlatform) : undefined;
}

/** The official release artifact of `tool` at its pinned version for `platform`. */
export function toolRelease(tool: ToolName, platform: ToolPlatform): ToolRelease {
  const version = cliTools[tool];
  const sha256 = cliToolChecksums[tool][platform];
  const [os, arch] = platform.split("-") as [string, string];
  switch (tool) {
    case "kind":
      return { tool, version, sha256, url: `https://github.com/kubernetes-sigs/kind/releases/download/${version}/kind-${os}-${arch}` };
    case "kubectl":
      return { tool, version, sha256, url: `https://dl.k8s.io/release/${version}/bin/${os}/${arch}/kubectl` };
    case "helm":
      return {
        tool,
        version,
        sha256,
        url: `https://get.helm.sh/helm-${version}-${os}-${arch}.tar.gz`,
        archiveMember: `${os}-${arch}/helm`,
      };
    case "kustomize":
      return {
        tool,
        version,
        sha256,
        url: `https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2F${version}/kustomize_${version}_${os}_${arch}.tar.gz`,
        archiveMember: "kustomize",
      };
  }
}

/** The arguments that make each tool print its own version. */
export const versionArgs: Readonly<Record<ToolName, readonly string[]>> = {
  kind: ["version"],
  kubectl: ["version", "--client"],
  helm: ["version", "--short"],
  kustomize: ["version"],
};

/**
 * The `vX.Y.Z` a tool printed, without build suffixes: `kind v0.30.0 go1.24 linux/amd64`,
 * `Client Version: v1.32.4-dispatcher`, `v3.19.0+g3d8990f`, `v5.7.1` or the older `{Version:kustomize/v4.5.7 ...}`.
 */
export function parseToolVersion(output: string): string | undefined {
  const match = /\bv(\d+\.\d+\.\d+)/.exec(output);
  return match ? `v${match[1]}` : undefined;
}

/** Every executable called `name`: first in `firstDirs` (the project's .bin/), then on PATH. */
export function candidates(name: string, firstDirs: readonly string[], path: string = process.env.PATH ?? ""): string[] {
  const dirs = [...firstDirs, ...path.split(delimiter).filter(Boolean)];
  // /bin and /usr/bin are often the same folder: report each binary once.
  const found = dirs.map((dir) => join(dir, name)).filter(executable);
  const seen = new Set<string>();
  return found.filter((path) => {
    const real = realpathSync(path);
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
}

/** Runs `program args` and resolves its combined output, or undefined when it cannot run. */
export function outputOf(program: string, args: readonly string[], timeoutMs = 10_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(program, [...args], { timeout: timeoutMs, encoding: "utf8" }, (error, stdout, stderr) =>
      resolve(error ? undefined : `${stdout}\n${stderr}`),
    );
  });
}

/** What was found for one tool. */
export interface ToolFinding {
  readonly tool: ToolName;
  readonly wanted: string;
  /** The binary at the pinned version, when one exists. */
  readonly path?: string;
  /** Versions seen elsewhere (path → version), to explain why an install is needed. */
  readonly others: readonly { path: string; version: string | undefined }[];
}

/** Looks for `tool` at its pinned version in `binDir`, then on PATH. Read-only. */
export async function findTool(tool: ToolName, binDir: string): Promise<ToolFinding> {
  const wanted = cliTools[tool];
  const others: { path: string; version: string | undefined }[] = [];
  for (const path of candidates(tool, [binDir])) {
    const output = await outputOf(path, versionArgs[tool]);
    const version = output === undefined ? undefined : parseToolVersion(output);
    if (version === wanted) return { tool, wanted, path, others };
    others.push({ path, version });
  }
  return { tool, wanted, others };
}

/** sha256 of a file, hex. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("error", reject)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", () => resolve(hash.digest("hex")));
  });
}

/** Thrown when a download's digest differs from the pinned one; the file is deleted first. */
export class ChecksumError extends Error {}

/** Resolves when `path` has the `expected` sha256; otherwise deletes it and throws ChecksumError naming both. */
export async function verifyChecksum(path: string, expected: string, label = path): Promise<void> {
  const actual = await sha256File(path);
  if (actual !== expected.toLowerCase()) {
    await rm(path, { force: true });
    throw new ChecksumError(`${label}: sha256 mismatch, expected ${expected}, got ${actual}; the file was deleted`);
  }
}

function untar(archive: string, member: string, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("tar", ["-xzf", archive, "-C", into, member], (error, _stdout, stderr) =>
      error ? reject(new Error(`tar could not extract ${member} from ${archive}: ${stderr.trim() || error.message}`)) : resolve(),
    );
  });
}

/**
 * Downloads `release` into `binDir/<tool>`: fetched into a temporary folder inside binDir, verified, extracted,
 * then renamed into place, so an interrupted or tampered download never leaves a usable-looking binary.
 */
export async function installTool(release: ToolRelease, binDir: string, fetchImpl: typeof fetch = fetch): Promise<string> {
  await mkdir(binDir, { recursive: true });
  const work = await mkdtemp(join(binDir, `.${release.tool}-`));
  try {
    const response = await fetchImpl(release.url, { redirect: "follow", signal: AbortSignal.timeout(300_000) });
    if (!response.ok) throw new Error(`GET ${release.url}: HTTP ${response.status}`);
    const artifact = join(work, "artifact");
    await writeFile(artifact, Buffer.from(await response.arrayBuffer()));
    await verifyChecksum(artifact, release.sha256, `${release.tool} ${release.version} (${release.url})`);
    let binary = artifact;
    if (release.archiveMember) {
      await untar(artifact, release.archiveMember, work);
      binary = join(work, release.archiveMember);
    }
    await chmod(binary, 0o755);
    const target = join(binDir, release.tool);
    await rename(binary, target);
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
