// The stack's images as built here: each faithful one has its upstream Dockerfile's runtime layout and
// runs the pinned version; the list covers every image the rendered stack and the argo-cd chart name.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { argocd, images, imageString, nodeBundledNpm, nodeVersion } from "../../generators/versions.js";
import { goModuleDir } from "../../tools/cache/gomod.js";
import { ensureImages } from "../../tools/images/build.js";
import { stackImages } from "../../tools/images/stack.js";
import { dockerfileConfig, type ImageConfig } from "../../tools/images/upstream.js";
import { startDocker, stopDocker, type Docker } from "../../tools/kind/docker/daemon.js";
import { dockerBlocker } from "./harness.js";

describe("dockerfileConfig", () => {
  it("follows FROM <stage>, substitutes ENV and resets CMD when ENTRYPOINT is set", () => {
    const config = dockerfileConfig(`ARG BASE=debian
FROM \${BASE} AS base
ENV UID=999 \\
    HOME=/home/app
USER $UID
WORKDIR /home/app
CMD ["sh"]
EXPOSE 80
FROM golang AS build
USER root
FROM base
ENTRYPOINT ["/usr/bin/tini", "--"]
VOLUME [ "/data" ]
EXPOSE 53/udp
WORKDIR sub
`);
    expect(config).toEqual({
      entrypoint: ["/usr/bin/tini", "--"],
      cmd: undefined,
      user: "999",
      workdir: "/home/app/sub",
      ports: ["80/tcp", "53/udp"],
      volumes: ["/data"],
    });
  });
  it("reads shell-form commands as /bin/sh -c", () => {
    expect(dockerfileConfig("FROM scratch\nCMD exec app --flag\n").cmd).toEqual(["/bin/sh", "-c", "exec app --flag"]);
  });
});

/** What Docker records for an image, in the shape of ImageConfig. */
async function builtConfig(docker: Docker, reference: string): Promise<ImageConfig> {
  const c = JSON.parse(await docker.docker(["image", "inspect", "--format", "{{json .Config}}", reference])) as {
    Entrypoint: string[] | null;
    Cmd: string[] | null;
    User: string;
    WorkingDir: string;
    ExposedPorts: Record<string, unknown> | null;
    Volumes: Record<string, unknown> | null;
  };
  return {
    entrypoint: c.Entrypoint ?? undefined,
    cmd: c.Cmd ?? undefined,
    user: c.User || undefined,
    workdir: c.WorkingDir || undefined,
    ports: Object.keys(c.ExposedPorts ?? {}).sort(),
    volumes: Object.keys(c.Volumes ?? {}).sort(),
  };
}

const blocker = dockerBlocker();

describe.skipIf(blocker)("the stack's faithful images", () => {
  let docker: Docker;
  beforeAll(async () => {
    docker = await startDocker();
    await ensureImages(
      docker,
      stackImages.map((s) => s.name),
    );
  });
  afterAll(async () => {
    if (docker?.started) await stopDocker();
  });

  for (const spec of stackImages.filter((s) => s.upstream)) {
    it(`${spec.reference} has the runtime layout of ${spec.upstream!.path} in ${spec.upstream!.module}`, async () => {
      const { module, version, path } = spec.upstream!;
      const upstream = dockerfileConfig(readFileSync(join(await goModuleDir(module, version), path), "utf8"));
      const built = await builtConfig(docker, spec.reference);
      // Upstream bases (busybox, distroless) may set a working directory of "/": the same as none.
      const norm = (c: ImageConfig) => ({
        ...c,
        workdir: c.workdir === "/" ? undefined : c.workdir,
        ports: [...c.ports].sort(),
        volumes: [...c.volumes].sort(),
      });
      expect(norm(built)).toEqual(norm(upstream));
    });
  }

  // Each program prints the version its image is tagged with (the release without its leading v).
  const bare = (tag: string) => tag.replace(/^v/, "").replace(/\./g, "\\.");
  const runs: [string, readonly string[], RegExp][] = [
    [imageString(images.prometheus), ["--version"], new RegExp(`^prometheus, version ${bare(images.prometheus.tag)} `)],
    [imageString(images.alertmanager), ["--version"], new RegExp(`^alertmanager, version ${bare(images.alertmanager.tag)} `)],
    [imageString(images.nodeExporter), ["--version"], new RegExp(`^node_exporter, version ${bare(images.nodeExporter.tag)} `)],
    [imageString(images.blackboxExporter), ["--version"], new RegExp(`^blackbox_exporter, version ${bare(images.blackboxExporter.tag)} `)],
    [
      imageString(images.prometheusOperator),
      ["--version"],
      new RegExp(`^prometheus-operator, version ${bare(images.prometheusOperator.tag)} `),
    ],
    [
      imageString(images.prometheusConfigReloader),
      ["--version"],
      new RegExp(`^prometheus-config-reloader, version ${bare(images.prometheusConfigReloader.tag)} `),
    ],
    // Its entrypoint carries --port flags, which the version subcommand refuses.
    [
      imageString(images.kubeStateMetrics),
      ["--entrypoint", "/kube-state-metrics", "version"],
      new RegExp(`^kube-state-metrics, version ${bare(images.kubeStateMetrics.tag)} `),
    ],
    [
      imageString(argocd.image),
      ["argocd", "version", "--client", "--short"],
      new RegExp(`^argocd: ${argocd.version.replace(/\./g, "\\.")}\\+`),
    ],
    [imageString(images.node), ["node", "--version"], new RegExp(`^v${bare(nodeVersion)}$`)],
    [imageString(images.node), ["npm", "--version"], new RegExp(`^${bare(nodeBundledNpm)}$`)],
  ];
  it.each(runs)("%s %j prints its pinned version", async (reference, args, prints) => {
    const flags = args[0] === "--entrypoint" ? args.slice(0, 2) : [];
    const out = await docker.docker(["run", "--rm", ...flags, reference, ...args.slice(flags.length)]);
    expect(out.trim()).toMatch(prints);
  });

  it("the node image runs as upstream's: node (1000) exists, and a script argument goes to node", async () => {
    const node = imageString(images.node);
    expect((await docker.docker(["run", "--rm", "--user", "node", node, "id"])).trim()).toBe(
      "uid=1000(node) gid=1000(node) groups=1000(node)",
    );
    expect((await docker.docker(["run", "--rm", node, "-p", "1 + 1"])).trim()).toBe("2");
  });
});
