// Render, then write once: the whole of generation, as a function the CLI and the tests share.
import type { EnvironmentConfig } from "./config.js";
import type { Layer } from "./layer.js";
import { allLayers } from "./registry.js";
import { GenerationError, render } from "./render.js";
import { writeTree, type WriteSummary } from "./write.js";

export interface GenerateOptions {
  /** The config to generate from (validated; may come from a JSON file). */
  readonly config: unknown;
  /** Folder that receives base/, overlays/ and clusters/. */
  readonly root: string;
  /** Rewrite only these layers' base and overlays; default: everything. */
  readonly only?: readonly string[];
  /** The layers to render; tests pass broken ones. Default: every layer in wave order. */
  readonly layers?: readonly Layer[];
}

export type GenerateResult =
  | { readonly ok: true; readonly files: number; readonly scopes: readonly string[]; readonly summary: WriteSummary }
  | { readonly ok: false; readonly problems: readonly string[] };

/** The folders generation owns for a full run, or for a subset of layers. */
export function scopesFor(environments: readonly Pick<EnvironmentConfig, "name">[], only?: readonly string[]): string[] {
  if (!only) return ["base", "overlays", "clusters"];
  return only.flatMap((layer) => [`base/${layer}`, ...environments.map((env) => `overlays/${env.name}/${layer}`)]);
}

/** Renders everything in memory; writes only when every check passed, so a failure leaves the tree as it was. */
export function generate(options: GenerateOptions): GenerateResult {
  let files: Map<string, string>;
  try {
    files = render(options.config, options.layers ?? allLayers);
  } catch (error) {
    if (error instanceof GenerationError) return { ok: false, problems: error.problems };
    const where = error instanceof Error && error.stack ? error.stack.split("\n").slice(0, 3).join(" | ") : String(error);
    return { ok: false, problems: [`a generator threw: ${where}`] };
  }
  const scopes = scopesFor((options.config as { environments: EnvironmentConfig[] }).environments, options.only);
  const summary = writeTree(options.root, files, scopes);
  const count = [...files.keys()].filter((path) => scopes.some((scope) => path.startsWith(`${scope}/`))).length;
  return { ok: true, files: count, scopes, summary };
}
