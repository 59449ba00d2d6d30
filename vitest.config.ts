import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The simulated cluster, the real Kind tier and the end-to-end run have their own commands
    // (npm run test:sim, test:kind, test:e2e).
    exclude: ["test/sim/**", "test/kind/**", "test/e2e/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests start real servers on 2 cores; keep file-level parallelism modest.
    maxWorkers: 2,
    minWorkers: 1,
    // After the summary: which suites a missing tool skipped, and how to install it.
    reporters: ["default", "./test/support/skips.ts"],
  },
});
