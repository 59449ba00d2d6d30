import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The main command end to end on real Kind (docs/kind.md "The main command on Kind"): one cold bring-up
// of about half an hour on 2 cores, then the checks against it. .ci/run runs it after test:kind.
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 900_000,
    hookTimeout: 5_400_000,
    fileParallelism: false,
    // The checks share one bring-up and run in the order written (teardown last).
    sequence: { shuffle: false },
  },
});
