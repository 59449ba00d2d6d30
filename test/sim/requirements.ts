// The programs the simulated-cluster tests need. Outside CI a missing one skips the suite; under CI=true
// requireTool fails the run (test/support/tools.ts).
import { requireTool } from "../support/tools.js";

/** The control plane, kwok and the pinned kubectl the suites drive it with. */
export const controlPlane = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kubectl"] as const;
/** Argo CD and what its processes call. */
export const argocdTools = ["argocd", "kustomize", "redis-server"] as const;

/** The names in `tools` that are missing, each reported with how to build it. */
export function missingSimTools(...tools: readonly string[]): string[] {
  return tools.filter((t) => !requireTool(t, "build the simulated cluster's tools with: npx tsx tools/cache/build.ts"));
}
