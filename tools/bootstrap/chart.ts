// The argo-cd chart from a file: read its version out of the .tgz, refuse one that is not the pin, and push
// it unpacked to the chart mirror on the local git server, so the self-managed Application never reaches
// the chart repository (ChartSource `mirror` in generators/config.ts).
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import { gunzipSync } from "node:zlib";
import yaml from "js-yaml";
import { pushSnapshot } from "./snapshot.js";

/** One regular file of a tar archive. */
interface TarEntry {
  readonly path: string;
  readonly mode: number;
  readonly data: Buffer;
}

const field = (block: Buffer, start: number, length: number) =>
  block
    .subarray(start, start + length)
    .toString("utf8")
    .replace(/\0.*$/s, "");

/** The regular files of a (gzipped) tar: ustar names with prefix, and GNU/PAX long names. Directories are implied. */
export function readTar(archive: Buffer): TarEntry[] {
  const tar = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(field(header, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156] || 0x30);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = body.toString("utf8").replace(/\0.*$/s, "");
      continue;
    }
    if (type === "x") {
      const path = /\d+ path=([^\n]*)\n/.exec(body.toString("utf8"))?.[1];
      if (path) longName = path;
      continue;
    }
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    if (type === "0" || type === "\0")
      entries.push({ path: name, mode: Number.parseInt(field(header, 100, 8).trim() || "644", 8), data: body });
  }
  return entries;
}

/** Name and version from the chart's top-level Chart.yaml inside a packaged chart (`<name>/Chart.yaml`). */
export function chartMetadata(archive: Buffer, file = "the chart file"): { name: string; version: string } {
  const entries = readTar(archive);
  const chartYaml = entries.find((e) => /^[^/]+\/Chart\.yaml$/.test(e.path));
  if (!chartYaml) throw new Error(`${file}: expected a packaged Helm chart (a .tgz with <name>/Chart.yaml), found no Chart.yaml`);
  const meta = yaml.load(chartYaml.data.toString("utf8")) as { name?: unknown; version?: unknown } | null;
  if (typeof meta?.name !== "string" || typeof meta.version !== "string")
    throw new Error(`${file}: ${chartYaml.path} has no name and version`);
  return { name: meta.name, version: meta.version };
}

/**
 * Why the chart file cannot be used, or undefined when it is the pinned chart. The message names the file,
 * both versions and where the pin lives.
 */
export function chartProblem(file: string, pin: { readonly name: string; readonly version: string }): string | undefined {
  let archive: Buffer;
  try {
    archive = readFileSync(file);
  } catch {
    return `--chart ${file}: no such file (expected the packaged ${pin.name} chart ${pin.version}, e.g. from \`helm pull ${pin.name} --version ${pin.version}\`)`;
  }
  let meta: { name: string; version: string };
  try {
    meta = chartMetadata(archive, `--chart ${file}`);
  } catch (error) {
    return (error as Error).message;
  }
  if (meta.name !== pin.name) return `--chart ${file}: expected the ${pin.name} chart, got the ${meta.name} chart`;
  if (meta.version !== pin.version)
    return `--chart ${file}: expected ${pin.name} chart version ${pin.version} (argocd.chart.version in generators/versions.ts), got ${meta.version}`;
  return undefined;
}

/** Writes the archive's files under `dir`, refusing paths that would leave it. */
export function unpack(archive: Buffer, dir: string): void {
  for (const entry of readTar(archive)) {
    const target = normalize(join(dir, entry.path));
    if (!target.startsWith(normalize(dir) + "/")) throw new Error(`chart archive: refusing the path ${entry.path}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entry.data, { mode: entry.mode & 0o755 });
  }
}

export interface ChartMirrorInput {
  /** The packaged chart. */
  readonly file: string;
  /** The mirror repository as this machine reaches it, e.g. http://127.0.0.1:8070/argo-cd-chart.git. */
  readonly pushURL: string;
  /** The git server's repository API, e.g. http://127.0.0.1:8070/api/repos. */
  readonly reposAPI: string;
  /** Repository name on the git server. */
  readonly repo: string;
  /** The tag the Application's targetRevision names. */
  readonly tag: string;
  readonly pin: { readonly name: string; readonly version: string };
}

/**
 * Pushes the unpacked chart as one commit on `main`, tagged `tag`. Author, committer and dates are fixed, so
 * the same chart always makes the same commit: a rerun pushes nothing new and Argo CD sees no change.
 */
export async function pushChartMirror(input: ChartMirrorInput): Promise<string> {
  const problem = chartProblem(input.file, input.pin);
  if (problem) throw new Error(problem);
  const dir = mkdtempSync(join(tmpdir(), "stackwave-chart-"));
  try {
    unpack(readFileSync(input.file), dir);
    return await pushSnapshot(dir, { ...input, message: `${input.pin.name} chart ${input.pin.version}, unpacked` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
