// The stack's and Argo CD's images, built faithfully from their pinned sources: the same program at the
// same version, with the upstream image's entrypoint, user, paths and ports.
import type { ImageSpec } from "./list.js";

/** Every faithful image of the rendered stack and the argo-cd chart, in build order. */
export const stackImages: readonly ImageSpec[] = [];
