// The containerd side of the mirror: each hosts.toml, the script that writes them onto a node (run here
// with the real sh), the committed registry-mirror.yaml, and the config checks that keep the mirror complete.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { hostsFiles, hostsScript, hostsToml, mirrorReference, parseReference, registryMirror } from "../../generators/clusters/mirror.js";
import { repoRoot } from "../../generators/paths.js";
import { printFile } from "../../generators/print.js";
import { defaultConfig } from "../../generators/stack.js";
import { formatProblem, validateConfig } from "../../generators/validate.js";
import { testDir } from "../support/temp.js";

const config = defaultConfig();
const local = config.clusters.find((c) => c.name === "local")!;

describe("GIVEN a mirrored registry", () => {
  it("WHEN its hosts.toml is rendered THEN the local registry comes first under the registry's path prefix, pull-only, and the upstream stays the server", () => {
    expect(hostsToml("quay.io")).toBe(
      [
        "# Written by stackwave bootstrap (generators/clusters/mirror.ts): pulls of quay.io/* try the local registry first.",
        'server = "https://quay.io"',
        "",
        '[host."http://stackwave-registry:5000/v2/quay.io"]',
        '  capabilities = ["pull", "resolve"]',
        "  override_path = true",
        "",
      ].join("\n"),
    );
    // docker.io's API is served by another host name.
    expect(hostsToml("docker.io")).toContain('server = "https://registry-1.docker.io"');
  });

  it("WHEN an upstream reference is mapped into the mirror THEN the registry becomes the first path component", () => {
    expect(mirrorReference("docker.io/library/mongo:8.0.12")).toBe("localhost:5001/docker.io/library/mongo:8.0.12");
    expect(mirrorReference("registry.k8s.io/pause:3.10", "127.0.0.1:20001")).toBe("127.0.0.1:20001/registry.k8s.io/pause:3.10");
    expect(() => parseReference("mongo:8.0.12")).toThrow(/expected registry\/repository:tag with a registry host/);
  });

  it("WHEN the node script runs in a real sh THEN it writes every hosts.toml byte for byte, the local registry's included", () => {
    const dir = testDir("certs");
    const files = hostsFiles(local.mirror);
    execFileSync("sh", ["-s"], { input: hostsScript(files, join(dir, "certs.d")) });
    expect(readdirSync(join(dir, "certs.d")).sort()).toEqual(files.map((f) => f.registry).sort());
    for (const file of files) expect(readFileSync(join(dir, "certs.d", file.registry, "hosts.toml"), "utf8")).toBe(file.toml);
    expect(files[0]).toMatchObject({ registry: "localhost:5001" });
  });
});

describe("GIVEN the local cluster's mirror", () => {
  it("WHEN the committed registry-mirror.yaml is read THEN it is what the generator renders, and lists every pulled image", () => {
    const mirror = registryMirror(config, { ...local, mirror: local.mirror! });
    const text = readFileSync(join(repoRoot, "clusters", "local", "registry-mirror.yaml"), "utf8");
    expect(text).toBe(printFile("registryMirror", "generators/clusters/mirror.ts", mirror));
    const spec = (yaml.load(text) as { spec: { images: { reference: string }[]; hosts: Record<string, string> } }).spec;
    expect(spec.images.map((i) => i.reference)).toContain("ecr-public.aws.com/docker/library/redis:8.2.2-alpine");
    expect(Object.keys(spec.hosts)).toContain("/etc/containerd/certs.d/ghcr.io/hosts.toml");
  });

  it("WHEN a registry the images name is left out THEN the config check names the field and the registry to add", () => {
    const broken = {
      ...config,
      clusters: config.clusters.map((c) => (c.name === "local" ? { ...c, mirror: { registries: ["docker.io"], offline: true } } : c)),
    };
    const problems = validateConfig(broken).map(formatProblem);
    expect(problems).toEqual([
      'config error: clusters[0].mirror.registries: expected every registry the cluster\'s images name (add ecr-public.aws.com, quay.io, registry.k8s.io), got string "docker.io"',
    ]);
  });

  it("WHEN the mirror or chart source has a wrong shape THEN each field is named with what it expects", () => {
    const broken = {
      ...config,
      clusters: config.clusters.map((c) =>
        c.name === "local"
          ? { ...c, mirror: { registries: [], offline: "yes" }, chartSource: { kind: "mirror", repoURL: "not a url", path: "argo-cd" } }
          : c,
      ),
    };
    const problems = validateConfig(broken).map(formatProblem);
    expect(problems).toContain("config error: clusters[0].mirror.registries: expected at least 1 entries, got an array");
    expect(problems).toContain('config error: clusters[0].mirror.offline: expected true or false, got string "yes"');
    expect(problems).toContain(
      'config error: clusters[0].chartSource.repoURL: expected an http(s) git URL on the local git server, got string "not a url"',
    );
  });

  it("WHEN the simulated cluster is given a mirror THEN the check refuses it: only Kind nodes pull", () => {
    const broken = { ...config, clusters: config.clusters.map((c) => (c.runtime === "sim" ? { ...c, mirror: local.mirror } : c)) };
    expect(validateConfig(broken).map(formatProblem)).toEqual([
      "config error: clusters[1].mirror: expected nothing on a sim cluster, got an object",
    ]);
  });
});
