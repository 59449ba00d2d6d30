// kwok's pod lifecycle for the simulated cluster: upstream's "fast" pod stages, read from the pinned kwok
// module, plus one stage of ours that fails image pulls the way a kubelet would for an unreachable registry.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { goTools } from "../../generators/versions.js";
import { goModuleDir } from "../cache/gomod.js";

/**
 * Images whose registry host ends in `.invalid` (a TLD reserved by RFC 2606, so no kubelet could ever pull
 * them) get stuck in ImagePullBackOff instead of Running. Tests use one to break a wave on purpose.
 */
export const unpullableRegistrySuffix = ".invalid";

/** Module path of kwok (goTools.kwok names the command package inside it). */
const kwokModule = goTools.kwok.module.replace(/\/cmd\/kwok$/, "");

/** gojq: does any container image come from a `.invalid` registry host? */
const unpullable = `[.spec.containers[].image | split("/")[0] | endswith("${unpullableRegistrySuffix}")] | any`;

/** Our stage: the pod gets an IP but its containers wait in ImagePullBackOff; never Ready. */
export function imagePullFailedStage(): object {
  const status = `{{ $now := Now }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Initialized
- lastTransitionTime: {{ $now | Quote }}
  status: "False"
  reason: ContainersNotReady
  type: Ready
- lastTransitionTime: {{ $now | Quote }}
  status: "False"
  reason: ContainersNotReady
  type: ContainersReady
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  restartCount: 0
  started: false
  state:
    waiting:
      reason: ImagePullBackOff
      message: {{ printf "Back-off pulling image %q" .image | Quote }}
{{ end }}
hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
phase: Pending
startTime: {{ $now | Quote }}
`;
  return {
    apiVersion: "kwok.x-k8s.io/v1alpha1",
    kind: "Stage",
    metadata: { name: "stackwave-pod-image-pull-failed" },
    spec: {
      resourceRef: { apiGroup: "v1", kind: "Pod" },
      selector: {
        matchExpressions: [
          { key: ".metadata.deletionTimestamp", operator: "DoesNotExist" },
          // Once it has an IP the stage is done: matching again would rewrite the status forever.
          { key: ".status.podIP", operator: "DoesNotExist" },
          { key: unpullable, operator: "In", values: ["true"] },
        ],
      },
      // Upstream's pod-ready stage has no weight; any weight wins over it when both match.
      weight: 1,
      next: { statusTemplate: status },
    },
  };
}

/**
 * The kwok configuration file: upstream's fast pod stages (ready, complete, delete) at the pinned version,
 * then ours. kwok replaces its built-in pod stages with whatever the file lists, so upstream's come too.
 */
export async function kwokConfigYaml(): Promise<string> {
  const dir = join(await goModuleDir(kwokModule, goTools.kwok.version), "kustomize", "stage", "pod", "fast");
  const upstream = readdirSync(dir)
    .filter((f) => /^pod-.*\.yaml$/.test(f))
    .sort()
    .map((f) => readFileSync(join(dir, f), "utf8").trim());
  if (upstream.length === 0) throw new Error(`sim: no pod stages in ${dir}; is kwok ${goTools.kwok.version} the pinned version?`);
  return [...upstream, yaml.dump(imagePullFailedStage(), { noRefs: true, lineWidth: -1 }).trim()].join("\n---\n") + "\n";
}
