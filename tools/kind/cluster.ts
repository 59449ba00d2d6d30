// `kind create cluster` from the generated clusters/local/kind-config.yaml with the node image built here,
// against the harness dockerd; and the teardown.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { repoRoot } from "../../generators/paths.js";
import { cliTools, goTools } from "../../generators/versions.js";
import { run } from "../cache/command.js";
import { toolDir } from "../cache/dirs.js";
import type { Docker } from "./docker/daemon.js";
import { kindNodeReference } from "../images/list.js";

/** The generated Kind config this harness proves. */
export const kindConfigPath = join(repoRoot, "clusters", "local", "kind-config.yaml");

/** The kind CLI built into the tool cache (tools/kind/recipes.ts). */
export const kindBinary = join(toolDir("kind", cliTools.kind), "bin", "kind");

/** kubectl of the Kubernetes release the node runs, from the tool cache; the machine's otherwise. */
export function kubectlBinary(): string {
  const cached = join(toolDir("kubernetes", goTools.kubernetes.version), "bin", "kubectl");
  return existsSync(cached) ? cached : "kubectl";
}

interface PortMapping {
  containerPort: number;
  hostPort: number;
  listenAddress?: string;
  protocol?: string;
}
interface KindConfig {
  name: string;
  containerdConfigPatches?: string[];
  nodes: { extraPortMappings?: PortMapping[] }[];
}

/**
 * This machine only, like the runc wrapper (tools/kind/docker/README.md): without CAP_SYS_RESOURCE in
 * the node, runc cannot lower a sandbox's oom_score_adj below the node's own and every pod fails with
 * "can't get final child's PID from pipe". containerd's restrict_oom_score_adj clamps it instead (kind
 * sets the same for rootless nodes).
 */
export const machinePatch = `[plugins."io.containerd.grpc.v1.cri"]\n  restrict_oom_score_adj = true\n`;

/** A running cluster made by `createCluster`. */
export interface Cluster {
  readonly name: string;
  /** A kubeconfig file of its own (never ~/.kube/config). */
  readonly kubeconfig: string;
  /** Host port each node port of the config was published on (equal to the config's unless it was busy). */
  readonly hostPorts: ReadonlyMap<number, number>;
  /** Runs kubectl against this cluster; resolves with stdout. */
  kubectl(args: readonly string[], options?: { readonly input?: string }): Promise<string>;
  /** `kind delete cluster` and removal of the temp files. */
  delete(): Promise<void>;
}

function free(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function anyFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * The generated config with two changes: this machine's containerd patch is added, and a host port another
 * program holds is moved to a free one (tests on a shared machine must not depend on 8080 being free).
 * Returns the config and the port mapping.
 */
export async function hostConfig(text: string): Promise<{ config: string; name: string; hostPorts: Map<number, number> }> {
  const config = yaml.load(text) as KindConfig;
  const hostPorts = new Map<number, number>();
  config.containerdConfigPatches = [...(config.containerdConfigPatches ?? []), machinePatch];
  for (const node of config.nodes) {
    for (const mapping of node.extraPortMappings ?? []) {
      const host = mapping.listenAddress ?? "0.0.0.0";
      if (!(await free(mapping.hostPort, host))) mapping.hostPort = await anyFreePort(host);
      hostPorts.set(mapping.containerPort, mapping.hostPort);
    }
  }
  return { config: yaml.dump(config, { noRefs: true, lineWidth: -1 }), name: config.name, hostPorts };
}

export interface CreateOptions {
  readonly image?: string;
  readonly log?: string;
  /** Passed to `kind create cluster --wait`. */
  readonly wait?: string;
}

/** Creates the cluster of the generated config with the built node image; deletes it again on failure. */
export async function createCluster(docker: Docker, options: CreateOptions = {}): Promise<Cluster> {
  if (!existsSync(kindBinary)) throw new Error(`kind is not built (${kindBinary}); run: npx tsx tools/cache/build.ts kind`);
  const dir = mkdtempSync(join(tmpdir(), "stackwave-kind-"));
  const { config, name, hostPorts } = await hostConfig(readFileSync(kindConfigPath, "utf8"));
  const configFile = join(dir, "kind-config.yaml");
  writeFileSync(configFile, config);
  const kubeconfig = join(dir, "kubeconfig");
  const env = { ...docker.env, KUBECONFIG: kubeconfig };
  const kubectl = kubectlBinary();
  const cluster: Cluster = {
    name,
    kubeconfig,
    hostPorts,
    kubectl: (args, o = {}) => run([kubectl, ...args], { env, log: options.log, ...o }),
    async delete() {
      try {
        await run([kindBinary, "delete", "cluster", "--name", name, "--kubeconfig", kubeconfig], { env, log: options.log });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    await run(
      [
        kindBinary,
        "create",
        "cluster",
        "--name",
        name,
        "--config",
        configFile,
        "--image",
        options.image ?? kindNodeReference,
        "--kubeconfig",
        kubeconfig,
        "--wait",
        options.wait ?? "0s",
        "--retain",
      ],
      { env, log: options.log, tailLines: 60 },
    );
  } catch (err) {
    if (options.log)
      await run([kindBinary, "export", "logs", join(dir, "..", `${name}-logs`), "--name", name], { env, log: options.log }).catch(
        () => undefined,
      );
    await cluster.delete().catch(() => undefined);
    throw err;
  }
  return cluster;
}

/** Deletes a cluster of that name left by an earlier run (no-op when there is none). */
export async function deleteCluster(docker: Docker, name: string, log?: string): Promise<void> {
  if (!existsSync(kindBinary)) return;
  const clusters = (await run([kindBinary, "get", "clusters"], { env: docker.env })).split("\n");
  if (clusters.includes(name)) await run([kindBinary, "delete", "cluster", "--name", name], { env: docker.env, log });
}
