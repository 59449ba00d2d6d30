// What the Kind tests share: why the tier cannot run here (skip outside CI, fail under CI=true).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { goTools } from "../../generators/versions.js";
import { toolDir } from "../../tools/cache/dirs.js";
import { dockerMissing } from "../../tools/kind/docker/daemon.js";
import { kindBinary } from "../../tools/kind/cluster.js";
import { inCI } from "../support/tools.js";

/** Why Docker cannot run here, or undefined. Throws under CI=true instead of returning a reason. */
export function dockerBlocker(): string | undefined {
  return blocked(dockerMissing());
}

/** Why a Kind cluster cannot be made here (Docker, the kind CLI, the Kubernetes binaries), or undefined. */
export function kindBlocker(): string | undefined {
  const kube = join(toolDir("kubernetes", goTools.kubernetes.version), "bin", "kubelet");
  return blocked(
    dockerMissing() ??
      (existsSync(kindBinary) ? undefined : `kind is not built (${kindBinary}): npx tsx tools/cache/build.ts kind`) ??
      (existsSync(kube)
        ? undefined
        : `Kubernetes ${goTools.kubernetes.version} is not built (${kube}): npx tsx tools/cache/build.ts kubernetes`),
  );
}

function blocked(reason: string | undefined): string | undefined {
  if (reason && inCI) throw new Error(`Kind tier cannot run: ${reason} (CI=true: it must)`);
  if (reason) console.warn(`skipped: Kind tier: ${reason}`);
  return reason;
}
