import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The simulated cluster and the real Kind tier have their own commands (npm run test:sim, test:kind).
    exclude: ["test/sim/**", "test/kind/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests start real servers on 2 cores; keep file-level parallelism modest.
    maxWorkers: 2,
    minWorkers: 1,
    // After the summary: which suites a missing tool skipped, and how to install it.
    reporters: ["default", "./test/support/skips.ts"],
  },
});
