// The harness dockerd: its own socket and data root, and privileged containers through the runc wrapper.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDocker, stopDocker, dockerPaths, type Docker } from "../../tools/kind/docker/daemon.js";
import { ensureImages } from "../../tools/images/build.js";
import { dockerBlocker } from "./harness.js";

const blocker = dockerBlocker();

describe.skipIf(blocker)("harness dockerd", () => {
  let docker: Docker;
  beforeAll(async () => {
    docker = await startDocker();
    await ensureImages(docker, ["debian"]);
  });
  afterAll(async () => {
    if (docker?.started) await stopDocker();
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
});
