// Shared by the monitoring tests and the bench: the generated objects, rule groups and Alertmanager
// configuration, read from the rendered overlays exactly as Argo CD would apply them.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { repoRoot } from "../../generators/paths.js";
import { environments } from "../../generators/stack.js";
import { kustomizeCommand } from "../../tools/dev/kustomize.js";
import { goTools } from "../../generators/versions.js";
import { requirePinned } from "../support/tools.js";

/** The pinned builds of generators/versions.ts goTools (Prometheus v3.5.0, Alertmanager v0.28.1); Debian's 2.42/0.25 are the fallback. */
export const prometheusPin = { recipe: "prometheus", version: goTools.prometheus.release } as const;
export const alertmanagerPin = { recipe: "alertmanager", version: goTools.alertmanager.release } as const;
export const promtool = requirePinned("promtool", prometheusPin, { hint: "apt-get install prometheus (Debian, 2.42)" });
export const amtool = requirePinned("amtool", alertmanagerPin, { hint: "apt-get install prometheus-alertmanager (Debian, 0.25)" });

/** A rendered Kubernetes object, loosely typed: tests read fields and fail with a message when absent. */
export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [key: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export const monitoringLayers = ["operator", "platform", "monitors"] as const;
export const environmentNames = environments.map((e) => e.name);

const built = new Map<string, Obj[]>();
/** `kustomize build overlays/<env>/<layer>`, parsed (cached per process). */
export function overlay(env: string, layer: string): Obj[] {
  const key = `${env}/${layer}`;
  let objects = built.get(key);
  if (!objects) {
    const [cmd, ...args] = kustomizeCommand();
    const out = execFileSync(cmd, [...args, join(repoRoot, "overlays", env, layer)], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
    objects = yaml.loadAll(out).filter(Boolean) as Obj[];
    built.set(key, objects);
  }
  return objects;
}

/** Every object of the monitoring layers in one environment. */
export function stack(env: string): Obj[] {
  return monitoringLayers.flatMap((layer) => overlay(env, layer));
}

export function find(objects: readonly Obj[], kind: string, name: string): Obj {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in ${objects.length} objects`);
  return found;
}

/** A rule group as promtool reads it. */
export interface RuleGroup {
  name: string;
  interval?: string;
  rules: {
    alert?: string;
    record?: string;
    expr: string;
    for?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  }[];
}

/** The groups of every PrometheusRule, keyed by the PrometheusRule's name. */
export function ruleFiles(env = "local"): Map<string, RuleGroup[]> {
  return new Map(
    stack(env)
      .filter((o) => o.kind === "PrometheusRule")
      .map((o) => [o.metadata.name, o.spec.groups as RuleGroup[]]),
  );
}

export function allGroups(env = "local"): RuleGroup[] {
  return [...ruleFiles(env).values()].flat();
}

/** The alertmanager.yaml the Alertmanager CR's configSecret holds in one environment. */
export function alertmanagerYamlOf(env: string): string {
  const am = find(overlay(env, "platform"), "Alertmanager", "main");
  const secret = find(overlay(env, "platform"), "Secret", am.spec.configSecret);
  const text = secret.stringData?.["alertmanager.yaml"];
  if (!text) throw new Error(`Secret ${am.spec.configSecret} has no stringData alertmanager.yaml`);
  return text;
}

/** Writes a YAML file (no anchors) and returns its path. */
export function writeYaml(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, yaml.dump(value, { noRefs: true, lineWidth: -1 }));
  return path;
}

/** Runs a tool; returns exit code and combined output instead of throwing, so tests can show it. */
export function run(bin: string, args: readonly string[], cwd?: string): { code: number; output: string } {
  try {
    const output = execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
    return { code: 0, output };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

/** A Prometheus duration in seconds ("1h" → 3600). */
export function seconds(duration: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * units[unit!]!;
  return total;
}
