// What the Kind tests share: why the tier cannot run here (skip outside CI, fail under CI=true), and the
// probe image they run in their clusters.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { goTools } from "../../generators/versions.js";
import { toolDir } from "../../tools/cache/dirs.js";
import { dockerMissing, type Docker } from "../../tools/kind/docker/daemon.js";
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

/** The Kind tests' own image (probe.Dockerfile): busybox httpd on 8080 with a known page, and curl. */
export const probeImage = "localhost/stackwave/kind-probe:test";

/** A container of `probeImage`, hardened as the stack's are, Ready once it serves its page. */
export const probeContainer = {
  name: "probe",
  image: probeImage,
  imagePullPolicy: "Never",
  ports: [{ containerPort: 8080 }],
  readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 2 },
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 65534,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  },
  resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
};

/** Builds `probeImage` into the harness engine. */
export async function buildProbeImage(docker: Docker, log?: string): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), "stackwave-probe-"));
  try {
    copyFileSync(join(import.meta.dirname, "probe.Dockerfile"), join(context, "Dockerfile"));
    await docker.docker(["build", "-t", probeImage, context], { log });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
