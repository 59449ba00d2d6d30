// Preflight for the image mirror and the chart file: gather (read-only: registry HEADs, `docker images`, the
// chart's Chart.yaml) and evaluate into findings like the rest of preflight, so a missing image stops
// bootstrap before anything is touched, naming the image.
import type { ClusterConfig } from "../../generators/config.js";
import { argocd, localRegistry } from "../../generators/versions.js";
import { chartProblem } from "./chart.js";
import type { Finding } from "./preflight.js";
import type { MirrorImage } from "../mirror/images.js";
import { hasImage, registryAnswers } from "../mirror/registry.js";
import { localImages } from "../mirror/seed.js";

export interface MirrorFacts {
  /** Whether the registry answered on its host port. */
  readonly registryUp: boolean;
  /** References the registry holds (of those asked about). */
  readonly inMirror: readonly string[];
  /** References the local Docker holds (of those asked about); empty when Docker does not answer. */
  readonly inDocker: readonly string[];
}

/** Asks the registry and the local Docker about every image. Never throws: what cannot be asked counts as absent. */
export async function gatherMirror(images: readonly MirrorImage[], registry: string = localRegistry.host): Promise<MirrorFacts> {
  const references = images.map((i) => i.reference);
  const registryUp = await registryAnswers(registry);
  const held = registryUp ? await Promise.all(references.map((r) => hasImage(registry, r).catch(() => false))) : [];
  const docker = await localImages({}).catch(() => new Set<string>());
  return { registryUp, inMirror: references.filter((_, i) => held[i]), inDocker: references.filter((r) => docker.has(r)) };
}

const list = (refs: readonly string[]) => refs.map((r) => `\n      - ${r}`).join("");

/**
 * One finding for the mirror. A required image in neither the mirror nor the local Docker fails an offline
 * cluster (it could never start) and warns otherwise (the node pulls it from upstream).
 */
export function evaluateMirror(images: readonly MirrorImage[], facts: MirrorFacts, offline: boolean): Finding {
  const required = images.filter((i) => i.required).map((i) => i.reference);
  const absent = required.filter((r) => !facts.inMirror.includes(r) && !facts.inDocker.includes(r));
  const toPush = required.filter((r) => !facts.inMirror.includes(r) && facts.inDocker.includes(r));
  const where = `${localRegistry.host}${facts.registryUp ? "" : ", not running yet"}`;
  const summary = `${required.length - absent.length - toPush.length} of ${required.length} images in the mirror (${where})${toPush.length ? `, ${toPush.length} to push from the local Docker` : ""}`;
  if (!absent.length) return { check: "mirror", status: "ok", message: summary };
  const seedFix =
    "seed them: on a machine that has them, `node --import tsx tools/mirror/main.ts bundle --out stackwave-images.tar`, then here `node --import tsx tools/mirror/main.ts seed --from stackwave-images.tar` (docs/air-gapped.md)";
  return offline
    ? {
        check: "mirror",
        status: "fail",
        message: `${summary}; ${absent.length} image${absent.length > 1 ? "s" : ""} the cluster pulls ${absent.length > 1 ? "are" : "is"} in neither the mirror nor the local Docker, and this cluster is offline:${list(absent)}`,
        fix: seedFix,
      }
    : {
        check: "mirror",
        status: "warn",
        message: `${summary}; ${absent.length} will be pulled from upstream by the nodes:${list(absent)}`,
        fix: `to run without internet, ${seedFix}`,
      };
}

export interface ChartFacts {
  /** The chart file bootstrap will install, when it has one (--chart, or one helm pulled earlier). */
  readonly file?: string;
  /** Whether `file` came from --chart (a wrong one is the user's to fix) rather than an earlier helm pull. */
  readonly given: boolean;
  /** chartProblem() of the file, when there is one. */
  readonly problem?: string;
}

export function gatherChart(file: string | undefined, given: boolean, exists: (path: string) => boolean): ChartFacts {
  if (!file || (!given && !exists(file))) return { given };
  return { file, given, problem: chartProblem(file, argocd.chart) };
}

/** Whether the chart can be had: a good file, or (online) the chart repository. */
export function evaluateChart(cluster: ClusterConfig, facts: ChartFacts, offline: boolean): Finding {
  const pin = `${argocd.chart.name} ${argocd.chart.version}`;
  const source = cluster.chartSource ?? { kind: "upstream" };
  if (facts.problem)
    return {
      check: "chart",
      status: "fail",
      message: facts.problem,
      fix: `use the ${pin} chart file, or leave out --chart to install from ${argocd.chart.repository}`,
    };
  if (offline && source.kind === "upstream")
    return {
      check: "chart",
      status: "fail",
      message: `cluster ${cluster.name} is offline, but its argo-cd Application reads the chart from ${argocd.chart.repository}: that sync would fail`,
      fix: `set chartSource to { kind: "mirror", ... } for cluster ${cluster.name} in generators/stack.ts (as cluster local does) and run npm run generate`,
    };
  if (facts.file)
    return {
      check: "chart",
      status: "ok",
      message: `${pin} from ${facts.file}${source.kind === "mirror" ? `, pushed to ${source.repoURL}` : ""}`,
    };
  if (offline)
    return {
      check: "chart",
      status: "fail",
      message: `cluster ${cluster.name} is offline and no chart file was given`,
      fix: `pass --chart <argo-cd-${argocd.chart.version}.tgz> (on a connected machine: helm pull ${argocd.chart.name} --repo ${argocd.chart.repository} --version ${argocd.chart.version})`,
    };
  return {
    check: "chart",
    status: "ok",
    message: `${pin} from ${argocd.chart.repository}${source.kind === "mirror" ? ` (helm pull, then pushed to ${source.repoURL})` : ""}`,
  };
}
