// The Kind harness command line.
// Usage: npx tsx tools/kind/main.ts <docker|images|up|down> [image ...]
//   docker   start the harness dockerd (prints DOCKER_HOST)
//   images   build the images of tools/images/list.ts (all, or the named ones) into it
//   up       images, then `kind create cluster` from clusters/local/kind-config.yaml (prints KUBECONFIG)
//   down     delete the cluster and stop the harness dockerd
import { join } from "node:path";
import { startDocker, stopDocker, dockerPaths } from "./docker/daemon.js";
import { ensureImages } from "../images/build.js";
import { createCluster, deleteCluster, kindConfigPath } from "./cluster.js";
import yaml from "js-yaml";
import { readFileSync } from "node:fs";

const log = join(dockerPaths.root, "harness.log");

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const clusterName = (yaml.load(readFileSync(kindConfigPath, "utf8")) as { name: string }).name;
  switch (command) {
    case "docker": {
      const docker = await startDocker();
      console.log(`dockerd pid ${docker.pid}\nexport DOCKER_HOST=${docker.host}`);
      return 0;
    }
    case "images":
    case "up": {
      const docker = await startDocker();
      await ensureImages(docker, command === "images" && rest.length ? rest : undefined, {
        log,
        onOutcome: (o) =>
          console.log(`[images] ${o.name} ${o.reference}: ${o.outcome} in ${o.seconds.toFixed(1)}s, ${(o.bytes / 1e6).toFixed(1)} MB`),
      });
      if (command === "images") return 0;
      await deleteCluster(docker, clusterName, log);
      const cluster = await createCluster(docker, { log, wait: "5m" });
      console.log(`cluster ${cluster.name} is up\nexport DOCKER_HOST=${docker.host}\nexport KUBECONFIG=${cluster.kubeconfig}`);
      for (const [node, host] of cluster.hostPorts) console.log(`node port ${node} -> 127.0.0.1:${host}`);
      return 0;
    }
    case "down": {
      const docker = await startDocker();
      await deleteCluster(docker, clusterName, log);
      await stopDocker();
      return 0;
    }
    default:
      console.error(`unknown command "${command ?? ""}"; expected one of: docker, images, up, down`);
      return 2;
  }
}

process.exitCode = await main();
