// The generator side of the pre-commit hook, bundled apart from the hook itself (tools/bundle): an edit of
// one generator rebuilds only this bundle, after the hook has planned and started its type check, instead
// of making the hook rebuild before it can start. Each layer stays a chunk loaded only when it renders.
import type { LayerName } from "../../generators/config.js";
import type { Layer } from "../../generators/layer.js";
import { render } from "../../generators/render.js";
import { defaultConfig } from "../../generators/stack.js";
import { writeTree } from "../../generators/write.js";

export { defaultConfig, render, writeTree };

/** The Layer a layer entry module exports (generators/layers/<name>.ts exports `const <name>: Layer`). */
function layerIn(name: LayerName, module: Record<string, unknown>): Layer {
  const layer = Object.values(module).find(
    (value) => (value as Partial<Layer> | undefined)?.name === name && typeof (value as Layer).base === "function",
  );
  if (!layer) throw new Error(`generators/layers/${name}.ts: expected an exported Layer named "${name}"`);
  return layer as Layer;
}

/**
 * The layers a scope renders: each layer's own module (and so its model packages) only. esbuild bundles
 * every generators/layers/*.ts as a chunk for the template import; a new layer also changes config.ts and
 * registry.ts, which are inputs of the bundle, so it is never missing from a current one.
 */
export async function layersFor(scope: "full" | readonly LayerName[]): Promise<readonly Layer[]> {
  if (scope === "full") return (await import("../../generators/registry.js")).allLayers;
  return Promise.all(
    scope.map(async (name) => layerIn(name, (await import(`../../generators/layers/${name}.ts`)) as Record<string, unknown>)),
  );
}
