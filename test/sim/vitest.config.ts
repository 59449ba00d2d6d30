import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The simulated cluster starts a real control plane and Argo CD: minutes on a loaded 2-core machine.
export default defineConfig({
  // Paths below are relative to the repository root, wherever the command runs from.
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/sim/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 900_000,
    // One cluster at a time: each file brings up its own.
    fileParallelism: false,
  },
});
