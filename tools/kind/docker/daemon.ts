// The harness's own dockerd: Debian's docker.io with its own data root, exec root and socket, and the
// runc wrapper as its default runtime. It never talks to, or stops, any other Docker on the machine.
import { spawn } from "node:child_process";
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir } from "../../cache/dirs.js";
import { run } from "../../cache/command.js";

/** Where the harness dockerd keeps its state; the data root persists so built images survive CI runs. */
export interface DockerPaths {
  /** ~/.cache/stackwave/docker ($STACKWAVE_CACHE/docker). */
  readonly root: string;
  /** --data-root: images, containers, volumes. */
  readonly data: string;
  /** --exec-root: runtime state; short, because containerd puts unix sockets below it. */
  readonly exec: string;
  /** -H unix://<socket>. */
  readonly socket: string;
  readonly pidFile: string;
  readonly log: string;
  /** A folder put first on PATH, holding `docker` -> Debian's client (kind runs `docker`). */
  readonly bin: string;
}

export const dockerPaths: DockerPaths = (() => {
  const root = join(cacheDir, "docker");
  return {
    root,
    data: join(root, "data"),
    exec: "/run/stackwave-docker",
    socket: join(root, "docker.sock"),
    pidFile: join(root, "dockerd.pid"),
    log: join(root, "dockerd.log"),
    bin: join(root, "bin"),
  };
})();

/** Debian's engine and client (docker.io); the client elsewhere on PATH may be another release. */
const dockerd = "/usr/sbin/dockerd";
const dockerClient = "/usr/bin/docker";
/**
 * The engine's default bridge, made by the harness: another dockerd on the machine owns (and may delete)
 * docker0, so builds and plain containers use a bridge of their own. Kind's nodes use kind's own network.
 */
export const bridge = { name: "stackwave0", address: "10.213.213.1/24" } as const;

/** Creates the bridge unless it exists, and brings it up. */
async function ensureBridge(): Promise<void> {
  const exists = await run(["ip", "link", "show", bridge.name]).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await run(["ip", "link", "add", bridge.name, "type", "bridge"]);
    await run(["ip", "addr", "add", bridge.address, "dev", bridge.name]);
  }
  await run(["ip", "link", "set", bridge.name, "up"]);
}

/** Runtime name the wrapper is registered under. */
const runtimeName = "stackwave-runc";
export const runcWrapper = join(dirname(fileURLToPath(import.meta.url)), "runc-wrapper");

/** A running harness dockerd. */
export interface Docker {
  readonly pid: number;
  /** True when this call started the daemon; false when it reused one already running. */
  readonly started: boolean;
  /** DOCKER_HOST value. */
  readonly host: string;
  /** Environment for docker, kind and kubectl: DOCKER_HOST set, Debian's client first on PATH. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs `docker <args>` against this daemon; resolves with stdout. */
  docker(args: readonly string[], options?: { readonly input?: string; readonly log?: string }): Promise<string>;
}

/** Why Docker cannot run here, or undefined when the programs are installed. */
export function dockerMissing(): string | undefined {
  for (const program of [dockerd, dockerClient, "/usr/sbin/runc", "/usr/bin/jq", "/usr/sbin/ip"]) {
    if (!existsSync(program)) return `${program} is missing (apt-get install docker.io jq)`;
  }
  if (process.getuid?.() !== 0) return "dockerd needs root";
  return undefined;
}

function envFor(paths: DockerPaths): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST: `unix://${paths.socket}`, PATH: `${paths.bin}:${process.env.PATH ?? ""}` };
}

function handle(pid: number, paths: DockerPaths, started: boolean): Docker {
  const env = envFor(paths);
  return {
    pid,
    started,
    host: env.DOCKER_HOST!,
    env,
    docker: (args, options = {}) => run([dockerClient, ...args], { env, ...options }),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid in the pid file when that process still runs. */
function recordedPid(paths: DockerPaths): number | undefined {
  if (!existsSync(paths.pidFile)) return undefined;
  const pid = Number(readFileSync(paths.pidFile, "utf8").trim());
  return pid > 0 && alive(pid) ? pid : undefined;
}

async function answers(paths: DockerPaths): Promise<boolean> {
  try {
    await run([dockerClient, "version", "--format", "{{.Server.Version}}"], { env: envFor(paths) });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the harness dockerd (or returns the one already running from an earlier call) and waits until it
 * answers. Throws with the tail of its log when it exits or does not answer within `timeoutMs`.
 */
export async function startDocker(paths: DockerPaths = dockerPaths, timeoutMs = 60_000): Promise<Docker> {
  const missing = dockerMissing();
  if (missing) throw new Error(`cannot start dockerd: ${missing}`);
  const running = recordedPid(paths);
  if (running && (await answers(paths))) return handle(running, paths, false);
  if (running) throw new Error(`dockerd pid ${running} (${paths.pidFile}) runs but does not answer on ${paths.socket}; see ${paths.log}`);

  for (const dir of [paths.root, paths.data, paths.exec, paths.bin]) mkdirSync(dir, { recursive: true });
  rmSync(join(paths.bin, "docker"), { force: true });
  symlinkSync(dockerClient, join(paths.bin, "docker"));
  rmSync(paths.socket, { force: true });
  await ensureBridge();
  const argv = [
    `--data-root=${paths.data}`,
    `--exec-root=${paths.exec}`,
    `--host=unix://${paths.socket}`,
    `--pidfile=${paths.pidFile}`,
    // This machine only: see README.md (the VM's root lacks CAP_SYS_RESOURCE).
    `--add-runtime=${runtimeName}=${runcWrapper}`,
    `--default-runtime=${runtimeName}`,
    "--storage-driver=overlay2",
    `--bridge=${bridge.name}`,
  ];
  const startedAt = Date.now();
  const fd = openSync(paths.log, "a");
  const child = spawn(dockerd, argv, { detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${dockerd}`);

  const deadline = Date.now() + timeoutMs;
  while (!(await answers(paths))) {
    if (!alive(pid) || Date.now() > deadline) {
      const tail = readFileSync(paths.log, "utf8").trimEnd().split("\n").slice(-20).join("\n");
      if (alive(pid)) process.kill(pid, "SIGTERM");
      throw new Error(`dockerd (pid ${pid}) ${alive(pid) ? "did not answer in time" : "exited"}; last lines of ${paths.log}:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const docker = handle(pid, paths, true);
  // The daemon is up and this caller owns it: a failed clean-up is worth a line, not a daemon nobody stops.
  await removeLeftovers(docker, startedAt, paths).catch((error: unknown) =>
    report(paths, `could not remove the containers an earlier dockerd left: ${error instanceof Error ? error.message : String(error)}`),
  );
  return docker;
}

/**
 * Removes the containers (with their anonymous volumes) that an earlier daemon left in the data root: a
 * run killed mid-test, or a machine image taken while one ran. Their processes died with that daemon, and
 * a Kind node left behind makes `kind create cluster` refuse the name. Images stay: they are the cache.
 * Containers created after this daemon started belong to a caller racing this one, and are kept.
 */
async function removeLeftovers(docker: Docker, startedAt: number, paths: DockerPaths): Promise<void> {
  const ids = (await docker.docker(["ps", "-aq"])).split("\n").filter(Boolean);
  if (!ids.length) return;
  const created = (await docker.docker(["inspect", "--format", "{{.Id}} {{.Created}} {{.Name}}", ...ids])).trim().split("\n");
  const stale = created.map((line) => line.split(" ")).filter(([, at]) => Date.parse(at!) < startedAt);
  if (!stale.length) return;
  await docker.docker(["rm", "--force", "--volumes", ...stale.map(([id]) => id!)]);
  const names = stale.map(([, , name]) => name!.replace(/^\//, "")).join(", ");
  report(paths, `removed ${stale.length} container(s) left by an earlier dockerd: ${names}`);
}

/** One line of the harness's own into dockerd's log and onto stderr. */
function report(paths: DockerPaths, line: string): void {
  appendFileSync(paths.log, `stackwave: ${line}\n`);
  console.error(`[docker] ${line}`);
}

/** Stops the harness dockerd by its recorded pid and waits for it to exit; a no-op when none runs. */
export async function stopDocker(paths: DockerPaths = dockerPaths, timeoutMs = 60_000): Promise<void> {
  const pid = recordedPid(paths);
  if (pid === undefined) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, "SIGKILL");
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  rmSync(paths.pidFile, { force: true });
}
