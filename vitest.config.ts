import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The simulated cluster has its own command (npm run test:sim).
    exclude: ["test/sim/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests start real servers on 2 cores; keep file-level parallelism modest.
    maxWorkers: 2,
    minWorkers: 1,
    // After the summary: which suites a missing tool skipped, and how to install it.
    reporters: ["default", "./test/support/skips.ts"],
  },
});
