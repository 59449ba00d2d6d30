import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The real Kind tier: builds images (tens of minutes cold on 2 cores, seconds warm) and creates a cluster.
export default defineConfig({
  // Paths below are relative to the repository root, wherever the command runs from.
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/kind/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 5_400_000,
    // One harness dockerd and one cluster at a time.
    fileParallelism: false,
  },
});
