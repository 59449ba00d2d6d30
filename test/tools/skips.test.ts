// The skip report: a real vitest run of a suite whose tool is missing ends with that suite's line and
// the count, and the same run under CI=true fails instead.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { testDir } from "../support/temp.js";

function vitest(env: Record<string, string>): { status: number | null; output: string } {
  const dir = testDir("skips");
  const config = join(dir, "vitest.config.mjs");
  writeFileSync(
    config,
    `export default { root: ${JSON.stringify(repoRoot)}, test: { include: ["test/tools/fixtures/missing-tool.fixture.ts"], reporters: ["default", "./test/support/skips.ts"] } };\n`,
  );
  const { CI: _ci, ...rest } = process.env;
  const result = spawnSync(process.execPath, [join(repoRoot, "node_modules", "vitest", "vitest.mjs"), "run", "--config", config], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...rest, NO_COLOR: "1", ...env },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("GIVEN a test file whose suite needs a tool the machine lacks", () => {
  it("WHEN vitest runs it by hand THEN it passes, and ends with the file, the tool, the install hint and the count", () => {
    const { status, output } = vitest({});
    expect(status, output).toBe(0);
    expect(output).toMatch(/Tests\s+1 passed \| 1 skipped/);
    const lines = output.trimEnd().split("\n").slice(-2);
    expect(lines).toEqual([
      "skipped: test/tools/fixtures/missing-tool.fixture.ts: missing stackwave-no-such-tool (install it with: apt-get install stackwave-no-such-tool)",
      "missing tools: 1 suite(s) skipped in 1 test file(s); under CI=true each fails the run",
    ]);
  });

  it("WHEN it runs under CI=true THEN the run fails naming the tool", () => {
    const { status, output } = vitest({ CI: "true" });
    expect(status).not.toBe(0);
    expect(output).toContain('missing tool "stackwave-no-such-tool"');
    expect(output).toContain("CI=true: missing tools fail the run");
  });
});
