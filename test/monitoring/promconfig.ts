// The pinned operator's configuration for rendered objects, from tools/promconfig (the operator's own
// selection, validation and generator, run on files).
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { prometheusOperator } from "../../generators/versions.js";
import { toolDir } from "../../tools/cache/dirs.js";
import { goModuleDir } from "../../tools/cache/gomod.js";
import { promconfigRecipe } from "../../tools/cache/recipes.js";
import { requireTool } from "../support/tools.js";
import type { Obj } from "./support.js";

const built = join(toolDir(promconfigRecipe.name, promconfigRecipe.version), "bin", "promconfig");
/** The build of the current tools/promconfig source, not whatever bin/ links to. */
export const promconfigBin = existsSync(built)
  ? built
  : requireTool(`promconfig ${promconfigRecipe.version}`, "node --import tsx tools/cache/build.ts promconfig");

/** A section of Prometheus' configuration, as YAML gives it. */
export type Section = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Runs the pinned operator's config generator (tools/promconfig) on the given objects, with the pinned
 * release's CRDs so that their defaults apply as on the API server.
 */
export async function operatorConfig(objects: readonly Obj[], dir: string): Promise<Section> {
  const input = join(dir, "operator-input.yaml");
  writeFileSync(input, objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1 })).join("---\n"));
  const crds = join(await goModuleDir(prometheusOperator.goModule, prometheusOperator.version), prometheusOperator.crdModulePath);
  const out = execFileSync(promconfigBin!, [crds, input], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  return yaml.load(out) as Section;
}
