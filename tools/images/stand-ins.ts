// Stand-ins for the images whose source cannot be had here. Each keeps the contract our manifests and
// the argo-cd chart rely on (env, ports, paths, uid, probes); docs/kind.md lists what each does not do.
import type { ImageSpec } from "./list.js";

/** Every stand-in, in build order. */
export const standInImages: readonly ImageSpec[] = [];
