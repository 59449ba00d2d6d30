// The harness dockerd: its own socket and data root, and privileged containers through the runc wrapper.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDocker, stopDocker, dockerPaths, type Docker } from "../../tools/kind/docker/daemon.js";
import { ensureImages } from "../../tools/images/build.js";
import { dockerBlocker } from "./harness.js";
import { readFileSync } from "node:fs";

const blocker = dockerBlocker();

describe.skipIf(blocker)("harness dockerd", () => {
  let docker: Docker;
  let restarted = false;
  beforeAll(async () => {
    docker = await startDocker();
    await ensureImages(docker, ["debian"]);
  });
  afterAll(async () => {
    // A restart below made this file the daemon's owner; leave it as found.
    if (docker?.started && !restarted) await stopDocker();
  });

  it("answers on its own socket with its own data root and the wrapper as default runtime", async () => {
    const info = JSON.parse(await docker.docker(["info", "--format", "{{json .}}"])) as {
      DockerRootDir: string;
      DefaultRuntime: string;
      Runtimes: Record<string, { path: string }>;
    };
    expect(docker.host).toBe(`unix://${dockerPaths.socket}`);
    expect(info.DockerRootDir).toBe(dockerPaths.data);
    expect(info.DefaultRuntime).toBe("stackwave-runc");
    expect(info.Runtimes["stackwave-runc"]?.path).toMatch(/tools\/kind\/docker\/runc-wrapper$/);
  });

  it("runs a privileged container and execs into it, with every capability but CAP_SYS_RESOURCE", async () => {
    const name = `stackwave-privileged-${process.pid}`;
    await docker.docker(["run", "-d", "--name", name, "--privileged", "docker.io/library/debian:bookworm-slim", "sleep", "infinity"]);
    try {
      const capEff = (await docker.docker(["exec", name, "sh", "-c", "grep CapEff /proc/self/status"])).trim().split(/\s+/)[1]!;
      const caps = BigInt(`0x${capEff}`);
      const CAP_SYS_ADMIN = 21n;
      const CAP_SYS_RESOURCE = 24n;
      expect(caps & (1n << CAP_SYS_ADMIN)).not.toBe(0n);
      expect(caps & (1n << CAP_SYS_RESOURCE)).toBe(0n);
      // Privileged: the container may mount (a non-privileged one may not).
      await docker.docker(["exec", name, "mount", "-t", "tmpfs", "none", "/mnt"]);
    } finally {
      await docker.docker(["rm", "-f", name]);
    }
  });

  it("removes the containers an earlier dockerd left on a fresh start, and keeps the images", async (context) => {
    // A restart would kill other containers; only run it on a daemon that holds none.
    if ((await docker.docker(["ps", "-aq"])).trim()) context.skip("the harness dockerd holds containers of another run");
    const name = `stackwave-leftover-${process.pid}`;
    const image = "docker.io/library/debian:bookworm-slim";
    await docker.docker(["run", "-d", "--name", name, "-v", "/scratch", image, "sh", "-c", "trap exit TERM; sleep infinity & wait"]);
    const volume = (await docker.docker(["inspect", "--format", "{{range .Mounts}}{{.Name}}{{end}}", name])).trim();
    expect(volume).not.toBe("");
    const wasStarted = docker.started;
    await stopDocker();
    docker = await startDocker();
    restarted = !wasStarted;
    expect(docker.started).toBe(true);
    expect((await docker.docker(["ps", "-aq", "--filter", `name=${name}`])).trim()).toBe("");
    expect((await docker.docker(["volume", "ls", "-q"])).split("\n")).not.toContain(volume);
    expect((await docker.docker(["image", "inspect", "--format", "{{.Id}}", image])).trim()).toMatch(/^sha256:/);
    expect(readFileSync(dockerPaths.log, "utf8")).toContain(`left by an earlier dockerd: ${name}`);
  });
});
